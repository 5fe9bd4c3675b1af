"""What the parts of the session service see of it: the :class:`Service` protocol.

:class:`~chalicelib.qbwc.service.QbwcService` is written in parts — the login
(:mod:`chalicelib.qbwc.login`), large answers (:mod:`chalicelib.qbwc.large`) and in-doubt answers
(:mod:`chalicelib.qbwc.recovery`) are mixins — and each
part types ``self`` with this protocol, so mypy checks that the service provides what they use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.errors import GatewayError
from chalicelib.jobs.dispatch import VIEW_JOBS, Dispatcher
from chalicelib.jobs.models import FileView, Lease
from chalicelib.jobs.ports import Clock, Store
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.security import LoginPolicy, SecretHasher
from chalicelib.observability import Metrics


class Service(Protocol):
    """The session service's state and small helpers, as its parts use them."""

    store: Store
    queue: JobQueue
    dispatcher: Dispatcher
    clock: Clock
    metrics: Metrics
    min_client_version: str
    login_policy: LoginPolicy
    hasher: SecretHasher

    def _holding(self, ticket: str, jobs: int = VIEW_JOBS) -> tuple[FileView, Lease] | None: ...
    def _percent(self, view: FileView, lease: Lease, *, pending: bool = False, closing: bool = False) -> int: ...
    def _note(self, lease: Lease, text: str) -> None: ...
    def _heartbeat(self, end_user_id: str, now: datetime, **changes: Any) -> None: ...
    def _record_error(self, view: FileView, err: GatewayError, now: datetime, *, answered: bool = False) -> None: ...
    def _record_success(self, view: FileView, now: datetime) -> None: ...
