"""A simulated QuickBooks Web Connector: one update session at a time, call for call like QBWC.

:meth:`WebConnector.run_session` is one "Update Selected" (or one Auto-Run tick) against the
gateway's ``POST /qbwc``, following the Web Connector's order (PROTOCOL.md §2):

1. ``serverVersion`` — answer logged; a failure is tolerated;
2. ``clientVersion(strVersion)`` — an answer starting ``E:`` or ``O:`` ends the update
   (``W:`` is a warning the simulated user accepts);
3. ``authenticate(strUserName, strPassword)`` → ``[ticket, status, postpone, min-interval]``;
   ``nvu`` / ``none`` / ``busy`` → ``closeConnection(ticket)`` and the update ends; ``""`` means
   "the company file open in QuickBooks", any other text is the path of the file to open;
4. the company file is opened; if that fails (an injected fault, a field condition of
   :mod:`simulator.faults`, or a path other than the open file → ``0x8004040A``) →
   ``connectionError(ticket, hresult, message)``: ``done`` ends the update (without
   ``closeConnection``), anything else is a path to open next (``""``: the open file), and the
   loop goes on until the gateway says ``done``. QBWC tries each connection twice internally
   before it reports it; one ``CompanyFile.open_session`` call stands for that pair, so each failed
   attempt produces exactly one ``connectionError``. ``max_connection_attempts`` bounds the loop
   for tests (outcome ``CONNECTION_RETRY_LIMIT``; ``None`` loops like QBWC);
5. ``sendRequestXML`` — the first call of the session carries ``strHCPResponse`` (QuickBooks'
   HostQuery/CompanyQuery/PreferencesQuery answer), every later call an empty one; always the
   file path, ``qbXMLCountry`` and the highest qbXML version as major/minor;
6. a qbXML request goes to the :class:`~simulator.quickbooks.CompanyFile`; its answer (or the
   HRESULT it threw, with an empty response) goes back in ``receiveResponseXML``, whose percentage
   decides: 0 to 99 → ``sendRequestXML`` again; ≥ 100 → ``closeConnection``; negative →
   ``getLastError`` then ``closeConnection``;
7. an empty request (or ``NoOp``) → ``getLastError``: ``NoOp`` → pause ``noop_wait`` seconds and
   call ``sendRequestXML`` again; ``Interactive mode`` → not supported here, ``closeConnection``;
   any other text is the status to show → ``closeConnection``.

A failure on the wire (HTTP error, SOAP Fault, not XML, wrong element) ends the update the way
QBWC ends it — no more calls, the QBWC10xx code recorded — and never raises out of
``run_session``. Everything that happened is returned as a :class:`SessionResult`.

Two things a customer's machine does are played here rather than in the company file:

- a machine that stops polling (switched off, asleep, the Web Connector closed):
  :meth:`WebConnector.pause` — ``run_forever`` skips its ticks and ``run_session`` calls nothing
  (outcome ``PAUSED``) until :meth:`WebConnector.resume`; a session already running finishes;
- a wrong Web Connector password: construct the connector with another password; a gateway that
  answers ``authenticate`` with ``nvu`` gets ``closeConnection`` and the outcome is ``INVALID_USER``.
"""

from __future__ import annotations

import contextlib
import enum
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from lxml import etree

from simulator.quickbooks import CompanyFile
from simulator.records import HResultError
from simulator.soap import SoapClient, WireError, result_int, result_string, result_strings

T = TypeVar("T")
Reader = Callable[[etree._Element, str], T]


class SessionOutcome(enum.StrEnum):
    """How an update session ended."""

    COMPLETED = "completed"  # receiveResponseXML ≥ 100, then closeConnection
    NO_WORK = "none"  # authenticate said "none"
    INVALID_USER = "nvu"  # authenticate said "nvu"
    BUSY = "busy"  # authenticate said "busy"
    SERVER_ERROR = "server_error"  # negative percentage, getLastError, closeConnection
    CLOSED_WITH_MESSAGE = "closed_with_message"  # empty request, getLastError text, closeConnection
    VERSION_REJECTED = "version_rejected"  # clientVersion answered E: or O:
    CONNECTION_FAILED = "connection_failed"  # opening the company file failed; connectionError said done
    CONNECTION_RETRY_LIMIT = "connection_retry_limit"  # connectionError never said done (a test bound, not QBWC)
    INTERACTIVE_UNSUPPORTED = "interactive_unsupported"  # getLastError asked for interactive mode
    NOOP_LIMIT = "noop_limit"  # more NoOps than max_noops allows (a test bound, not QBWC behaviour)
    STOPPED = "stopped"  # stop() was called
    PAUSED = "paused"  # pause() was called: the machine does not poll, nothing was called
    WIRE_ERROR = "wire_error"  # a call failed on the wire (QBWC10xx)


FAILED_OUTCOMES = frozenset(
    {
        SessionOutcome.SERVER_ERROR,
        SessionOutcome.VERSION_REJECTED,
        SessionOutcome.CONNECTION_FAILED,
        SessionOutcome.CONNECTION_RETRY_LIMIT,
        SessionOutcome.INVALID_USER,
        SessionOutcome.WIRE_ERROR,
    }
)


@dataclass(frozen=True)
class Call:
    """One SOAP call: its parameters (password masked), its answer, and when it was made."""

    method: str
    params: Mapping[str, str]
    result: str | int | tuple[str, ...] | None
    at: float
    error: str | None = None


@dataclass(frozen=True)
class SessionResult:
    """Everything one update session did."""

    outcome: SessionOutcome
    calls: tuple[Call, ...]
    ticket: str | None
    status_texts: tuple[str, ...]
    close_message: str | None
    requests_processed: int
    hresult_errors: int
    percents: tuple[int, ...]
    noops: int
    started_at: float
    finished_at: float
    error_code: str | None = None
    error: str | None = None

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods called, in order."""
        return tuple(call.method for call in self.calls)

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED_OUTCOMES

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]


@dataclass
class _Session:
    """The mutable record of a session in progress."""

    started_at: float = field(default_factory=time.time)
    calls: list[Call] = field(default_factory=list)
    ticket: str | None = None
    status_texts: list[str] = field(default_factory=list)
    close_message: str | None = None
    requests_processed: int = 0
    hresult_errors: int = 0
    percents: list[int] = field(default_factory=list)
    noops: int = 0
    opened: bool = False
    error_code: str | None = None
    error: str | None = None

    def result(self, outcome: SessionOutcome) -> SessionResult:
        return SessionResult(
            outcome=outcome,
            calls=tuple(self.calls),
            ticket=self.ticket,
            status_texts=tuple(self.status_texts),
            close_message=self.close_message,
            requests_processed=self.requests_processed,
            hresult_errors=self.hresult_errors,
            percents=tuple(self.percents),
            noops=self.noops,
            started_at=self.started_at,
            finished_at=time.time(),
            error_code=self.error_code,
            error=self.error,
        )


class WebConnector:
    """Plays QBWC for one company file against one gateway URL."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        company: CompanyFile,
        noop_wait: float = 5.0,
        client_version: str = "2.3.0.215",
        timeout: float = 30.0,
        max_noops: int | None = None,
        log: Callable[[str], None] | None = None,
        *,
        owner_id: str | None = None,
        file_id: str | None = None,
        max_connection_attempts: int | None = 3,
    ) -> None:
        self.url = url
        self.username = username
        self.company = company
        self.noop_wait = noop_wait
        self.client_version = client_version
        self.max_noops = max_noops
        self.owner_id = owner_id
        self.file_id = file_id
        self.max_connection_attempts = max_connection_attempts
        """``connectionError`` calls after which the simulator gives up on its own; ``None``: never."""
        self._password = password
        self._log = log
        self._client = SoapClient(url, timeout)
        self._stop = threading.Event()
        self._paused = threading.Event()

    def stop(self) -> None:
        """End the running session after its current call, and ``run_forever`` after that.

        A stopped connector stays stopped: a later ``run_session`` returns at once, calling nothing.
        """
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def pause(self) -> None:
        """The machine stops polling (switched off, asleep, QBWC closed) until :meth:`resume`.

        A session already running finishes; later sessions call nothing until the connector resumes.
        """
        self._paused.set()

    def resume(self) -> None:
        """The machine polls again from ``run_forever``'s next tick."""
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def run_forever(self, interval_seconds: float, on_result: Callable[[SessionResult], None] | None = None) -> int:
        """Run sessions every ``interval_seconds`` (QBWC's Auto-Run) until :meth:`stop`; returns the count.

        Ticks that fall while the connector is paused are skipped: they call nothing, are not
        counted and are not reported to ``on_result``.
        """
        sessions = 0
        while not self._stop.is_set():
            result = self.run_session()
            if result.outcome is not SessionOutcome.PAUSED:
                sessions += 1
                if on_result is not None:
                    on_result(result)
            if self._stop.wait(interval_seconds):
                break
        return sessions

    def run_session(self) -> SessionResult:
        """One update, from ``serverVersion`` to ``closeConnection``."""
        session = _Session()
        try:
            outcome = self._update(session)
        except WireError as exc:
            session.error_code, session.error = exc.code, str(exc)
            outcome = SessionOutcome.WIRE_ERROR
        finally:
            if session.opened:
                self.company.close_session()
        self._say(f"session {outcome.value}" + (f": {session.error}" if session.error else ""))
        return session.result(outcome)

    # -- the update ------------------------------------------------------------------------------

    def _update(self, s: _Session) -> SessionOutcome:
        if self.stopped:
            return SessionOutcome.STOPPED
        if self.paused:
            return SessionOutcome.PAUSED
        with contextlib.suppress(WireError):  # QBWC logs a failed serverVersion and carries on
            self._call(s, "serverVersion", (), result_string)
        answer = self._call(s, "clientVersion", (("strVersion", self.client_version),), result_string)
        if answer[:2].upper() in ("E:", "O:"):
            s.status_texts.append(answer)
            return SessionOutcome.VERSION_REJECTED
        if self.stopped:
            return SessionOutcome.STOPPED
        auth = self._call(
            s, "authenticate", (("strUserName", self.username), ("strPassword", self._password)), result_strings
        )
        s.ticket = auth[0] if auth else ""
        status = auth[1] if len(auth) > 1 else ""
        verdict = {"none": SessionOutcome.NO_WORK, "nvu": SessionOutcome.INVALID_USER, "busy": SessionOutcome.BUSY}
        if status.lower() in verdict:
            self._close(s)
            return verdict[status.lower()]
        failed = self._open(s, status)
        return failed if failed is not None else self._exchange(s)

    def _open(self, s: _Session, path: str) -> SessionOutcome | None:
        attempts = 0
        while True:
            try:
                self.company.open_session(path)
            except HResultError as exc:
                attempts += 1
                self._say(f"open {path or '(the open file)'} ✗ {exc}")
                answer = self._call(
                    s,
                    "connectionError",
                    (("ticket", s.ticket or ""), ("hresult", exc.hresult), ("message", exc.message)),
                    result_string,
                )
                failure = f"Error connecting to QuickBooks: {exc.hresult} {exc.message}"
                if answer.strip().lower() == "done":
                    s.error_code, s.error = "QBWC1013", failure
                    return SessionOutcome.CONNECTION_FAILED
                if self.max_connection_attempts is not None and attempts >= self.max_connection_attempts:
                    s.error_code = "QBWC1013"
                    s.error = f"{failure} (connectionError did not answer done after {attempts} attempts)"
                    return SessionOutcome.CONNECTION_RETRY_LIMIT
                if self.stopped:
                    return SessionOutcome.STOPPED
                path = answer
                continue
            s.opened = True
            if self.owner_id and self.file_id and self.company.data_ext(self.owner_id, "FileID") is None:
                self.company.set_data_ext(self.owner_id, "FileID", self.file_id)
            return None

    def _exchange(self, s: _Session) -> SessionOutcome:
        ticket = s.ticket or ""
        major, minor = self.company.profile.highest_major_minor
        first = True
        while not self.stopped:
            hcp = self.company.host_company_preferences_response(self.owner_id) if first else ""
            first = False
            request = self._call(
                s,
                "sendRequestXML",
                (
                    ("ticket", ticket),
                    ("strHCPResponse", hcp),
                    ("strCompanyFileName", self.company.path),
                    ("qbXMLCountry", self.company.country),
                    ("qbXMLMajorVers", str(major)),
                    ("qbXMLMinorVers", str(minor)),
                ),
                result_string,
            )
            if self.stopped:
                break
            if request in ("", "NoOp"):
                text = self._call(s, "getLastError", (("ticket", ticket),), result_string)
                if text == "NoOp":
                    if self.max_noops is not None and s.noops >= self.max_noops:
                        self._close(s)
                        return SessionOutcome.NOOP_LIMIT
                    s.noops += 1
                    if self._stop.wait(self.noop_wait):
                        break
                    continue
                if text == "Interactive mode":
                    self._close(s)
                    return SessionOutcome.INTERACTIVE_UNSUPPORTED
                s.status_texts.append(text)
                self._close(s)
                return SessionOutcome.CLOSED_WITH_MESSAGE
            try:
                response, hresult, message = self.company.process(request), "", ""
                s.requests_processed += 1
            except HResultError as exc:
                response, hresult, message = "", exc.hresult, exc.message
                s.hresult_errors += 1
            percent = self._call(
                s,
                "receiveResponseXML",
                (("ticket", ticket), ("response", response), ("hresult", hresult), ("message", message)),
                result_int,
            )
            s.percents.append(percent)
            if self.stopped:
                break
            if percent >= 100:
                self._close(s)
                return SessionOutcome.COMPLETED
            if percent < 0:
                s.status_texts.append(self._call(s, "getLastError", (("ticket", ticket),), result_string))
                self._close(s)
                return SessionOutcome.SERVER_ERROR
        return SessionOutcome.STOPPED

    def _close(self, s: _Session) -> None:
        s.close_message = self._call(s, "closeConnection", (("ticket", s.ticket or ""),), result_string)
        s.status_texts.append(s.close_message)

    def _call(self, s: _Session, method: str, params: Sequence[tuple[str, str]], read: Reader[T]) -> T:
        recorded = {name: ("********" if name == "strPassword" else value) for name, value in params}
        at = time.time()
        try:
            value = read(self._client.call(method, params), method)
        except WireError as exc:
            s.calls.append(Call(method, recorded, None, at, str(exc)))
            self._say(f"{method}({_summary(recorded)}) ✗ {exc}")
            raise
        stored = tuple(value) if isinstance(value, list) else value
        s.calls.append(Call(method, recorded, stored if isinstance(stored, str | int | tuple) else None, at))
        self._say(f"{method}({_summary(recorded)}) → {_short(stored)}")
        return value

    def _say(self, line: str) -> None:
        if self._log is not None:
            self._log(f"[{self.username}] {line}")


_QBXML_NAMES = re.compile(r'<(\w+R[qs])\b(?:[^>]*?statusCode="(-?\d+)")?')


def _short(value: object) -> str:
    """A compact rendering for the log: qbXML as its message names (and status codes)."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_short(item) for item in value) + "]"
    if not isinstance(value, str):
        return repr(value)
    if "<QBXML" in value:
        found = _QBXML_NAMES.findall(value)
        names = [name + (f":{code}" if code else "") for name, code in found if not name.startswith("QBXMLMsgs")]
        return f"qbXML[{' '.join(names[:6])}{' …' if len(names) > 6 else ''}] ({len(value)} chars)"
    return repr(value if len(value) <= 60 else value[:57] + "…")


_REPEATED = frozenset({"strHCPResponse", "strCompanyFileName", "qbXMLCountry", "qbXMLMajorVers", "qbXMLMinorVers"})


def _summary(params: Mapping[str, str]) -> str:
    """Parameters for the log; a later sendRequestXML (empty strHCPResponse) shows only its ticket."""
    first_send = bool(params.get("strHCPResponse"))
    return ", ".join(f"{name}={_short(value)}" for name, value in params.items() if first_send or name not in _REPEATED)
