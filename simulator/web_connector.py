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
``run_session``. Everything that happened is returned as a :class:`SessionResult`
(:mod:`simulator.sessions`).

What a customer's machine does is played here rather than in the company file:

- a machine that stops polling (switched off, asleep, the Web Connector closed):
  :meth:`WebConnector.pause` — ``run_forever`` skips its ticks and ``run_session`` calls nothing
  (outcome ``PAUSED``) until :meth:`WebConnector.resume`; a session already running finishes;
- a machine that goes to sleep in the middle of a session: ``vanish_after=N`` — once QuickBooks
  has run N requests of the session and ``receiveResponseXML`` has carried the Nth answer, the
  session makes no further SOAP call, not even ``closeConnection`` (outcome ``VANISHED``); with
  ``vanish_before_answer`` it vanishes before that ``receiveResponseXML``, so QuickBooks did the
  work and the gateway never hears of it. The QuickBooks session ends with it: its iterators die;
- a session that ends early but properly: ``close_after=N`` — after the Nth answer the Web
  Connector calls ``closeConnection`` instead of asking for more (outcome ``CLOSED_EARLY``; a
  percentage of 100 or a negative one is handled as usual first);
- a wrong Web Connector password: construct the connector with another password; a gateway that
  answers ``authenticate`` with ``nvu`` gets ``closeConnection`` and the outcome is ``INVALID_USER``.

``vanish_after``/``close_after`` hold for every session (constructor options or attributes, like
``max_noops``); :meth:`WebConnector.vanish_next_session` and :meth:`WebConnector.close_next_session`
apply to the next session only and win over them. "Requests" are the qbXML documents handed to
QuickBooks, answered or thrown back as an HRESULT; NoOps do not count.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from lxml import etree

from simulator.quickbooks import CompanyFile
from simulator.records import HResultError
from simulator.sessions import (
    FAILED_OUTCOMES,
    Call,
    Interruption,
    SessionOutcome,
    SessionRecord,
    SessionResult,
)
from simulator.soap import SoapClient, WireError, result_int, result_string, result_strings

__all__ = [
    "FAILED_OUTCOMES",
    "Call",
    "Interruption",
    "SessionOutcome",
    "SessionResult",
    "WebConnector",
]

T = TypeVar("T")
Reader = Callable[[etree._Element, str], T]


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
        vanish_after: int | None = None,
        vanish_before_answer: bool = False,
        close_after: int | None = None,
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
        self.vanish_after = vanish_after
        """Every session vanishes (no more calls, no ``closeConnection``) after this many requests."""
        self.vanish_before_answer = vanish_before_answer
        """With ``vanish_after``: vanish before ``receiveResponseXML`` carries the last answer."""
        self.close_after = close_after
        """Every session calls ``closeConnection`` after this many requests."""
        self._next_interruption: Interruption | None = None
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

    def vanish_next_session(self, after: int, *, before_answer: bool = False) -> None:
        """The next session that reaches QuickBooks vanishes after ``after`` requests (one shot)."""
        self._next_interruption = Interruption(after, "vanish_before_answer" if before_answer else "vanish")

    def close_next_session(self, after: int) -> None:
        """The next session that reaches QuickBooks calls ``closeConnection`` after ``after`` requests (one shot)."""
        self._next_interruption = Interruption(after, "close")

    def _interruption(self) -> Interruption | None:
        """The one-shot interruption (consumed), else the standing options, for a session starting now."""
        found, self._next_interruption = self._next_interruption, None
        if found is not None:
            return found
        if self.vanish_after is not None:
            return Interruption(self.vanish_after, "vanish_before_answer" if self.vanish_before_answer else "vanish")
        return Interruption(self.close_after, "close") if self.close_after is not None else None

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
        session = SessionRecord()
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

    def _update(self, s: SessionRecord) -> SessionOutcome:
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

    def _open(self, s: SessionRecord, path: str) -> SessionOutcome | None:
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

    def _exchange(self, s: SessionRecord) -> SessionOutcome:
        ticket = s.ticket or ""
        s.interruption = self._interruption()
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
            if s.interrupted("vanish_before_answer"):
                return self._vanish(s)
            percent = self._call(
                s,
                "receiveResponseXML",
                (("ticket", ticket), ("response", response), ("hresult", hresult), ("message", message)),
                result_int,
            )
            s.percents.append(percent)
            if s.interrupted("vanish"):
                return self._vanish(s)
            if self.stopped:
                break
            if percent >= 100:
                self._close(s)
                return SessionOutcome.COMPLETED
            if percent < 0:
                s.status_texts.append(self._call(s, "getLastError", (("ticket", ticket),), result_string))
                self._close(s)
                return SessionOutcome.SERVER_ERROR
            if s.interrupted("close"):
                self._close(s)
                return SessionOutcome.CLOSED_EARLY
        return SessionOutcome.STOPPED

    def _vanish(self, s: SessionRecord) -> SessionOutcome:
        self._say(f"asleep after {s.requests_run} request(s): no more calls in this session")
        return SessionOutcome.VANISHED

    def _close(self, s: SessionRecord) -> None:
        s.close_message = self._call(s, "closeConnection", (("ticket", s.ticket or ""),), result_string)
        s.status_texts.append(s.close_message)

    def _call(self, s: SessionRecord, method: str, params: Sequence[tuple[str, str]], read: Reader[T]) -> T:
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
