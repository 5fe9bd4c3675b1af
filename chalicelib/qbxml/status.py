"""qbXML status codes: what a ``statusCode`` on a response means for the job that sent it.

QuickBooks answers every request with a ``statusCode``. Not every non-zero code is a failure
(field lesson #7): ``1`` means a query matched nothing, the rest below 500 are information,
500-999 are warnings (data came back, perhaps not all of it), and only 1000 and above are errors.
A few errors are transient — a record or list locked by another user, a save that collided —
and are worth retrying later: :data:`RETRYABLE_STATUS_CODES`.
"""

from __future__ import annotations

import enum


class StatusClass(enum.Enum):
    """How a qbXML ``statusCode`` is treated."""

    OK = "ok"
    NO_MATCH = "no_match"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def classify_status(code: int) -> StatusClass:
    """0 OK, 1 NO_MATCH, other codes below 500 INFO, 500-999 WARNING, 1000 and above ERROR."""
    if code == 0:
        return StatusClass.OK
    if code == 1:
        return StatusClass.NO_MATCH
    if code < 500:
        return StatusClass.INFO
    if code < 1000:
        return StatusClass.WARNING
    return StatusClass.ERROR


RETRYABLE_STATUS_CODES: frozenset[int] = frozenset({3170, 3175, 3176, 3180})
"""Transient conflicts: object being modified, record or list locked or in use, save collided."""
