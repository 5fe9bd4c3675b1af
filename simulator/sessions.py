"""What one Web Connector session did: its outcome, its calls, and how it may be cut short.

:class:`~simulator.web_connector.WebConnector` fills a :class:`SessionRecord` while a session runs
and hands back its frozen :class:`SessionResult`: the :class:`SessionOutcome`, every SOAP
:class:`Call` in order (passwords masked), the status texts, percentages and counts. An
:class:`Interruption` cuts a session short after a number of requests — silently, as a machine
that goes to sleep (``vanish``, ``vanish_before_answer``), or with ``closeConnection`` (``close``).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


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
    VANISHED = "vanished"  # vanish_after: the machine went to sleep mid-session, no closeConnection
    CLOSED_EARLY = "closed_early"  # close_after: closeConnection after N requests, more work or not


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


@dataclass(frozen=True)
class Interruption:
    """How a session is cut short: after ``requests`` requests, ``vanish`` (silently) or ``close``."""

    requests: int
    how: Literal["vanish", "vanish_before_answer", "close"]

    def __post_init__(self) -> None:
        if self.requests < 1:
            raise ValueError("an interruption comes after at least one request")


@dataclass
class SessionRecord:
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
    interruption: Interruption | None = None

    @property
    def requests_run(self) -> int:
        return self.requests_processed + self.hresult_errors

    def interrupted(self, *hows: str) -> bool:
        """Whether the session's interruption (one of ``hows``) is due now."""
        cut = self.interruption
        return cut is not None and cut.how in hows and self.requests_run >= cut.requests

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
