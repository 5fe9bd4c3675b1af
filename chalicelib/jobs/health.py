"""The health check: a real round trip to QuickBooks, answered within API Gateway's time budget.

A heartbeat only proves that the Web Connector runs. The health check proves that QuickBooks
answers: it puts a ``CompanyQueryRq`` at the head of the end-user's queue (priority jumps the FIFO)
and waits for QuickBooks' answer, polling the job, for at most the budget (25 s by default; API
Gateway gives up at 29 s). Outcomes:

* the Web Connector never connected, or has not called within its expected interval → the
  not-active error at once, without enqueueing anything;
* QuickBooks answered → ``{"status": "ok", "duration_ms", "company_name", "qbxml_version", "job_id"}``;
* QuickBooks rejected the query → that job's error;
* the Web Connector called but could not reach QuickBooks (a dialog, the wrong file, QuickBooks
  closed…) → the connection error it reported, as soon as it reports it (the check is withdrawn);
* nothing within the budget → ``health_check_timeout``; a check nobody started is withdrawn.

Every check logs ``health check finished`` and counts ``HealthChecks`` with ``result`` = ``ok`` or the
error code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chalicelib.errors import GatewayError, error, error_from_dict
from chalicelib.jobs.connection import LOGIN_ERRORS, require_polling
from chalicelib.jobs.models import PRIORITY_HEALTH_CHECK, Job
from chalicelib.jobs.ports import Clock, Store
from chalicelib.jobs.queue import HEALTH_CHECK_SOURCE, JobQueue
from chalicelib.jobs.results import iso
from chalicelib.jobs.states import JobStatus
from chalicelib.observability import NO_METRICS, Metrics
from chalicelib.qbxml import company_query_request, parse_response
from chalicelib.safexml import UnsafeXmlError, parse_xml

log = logging.getLogger(__name__)
POLL_SECONDS = 0.2


def _company_name(response_qbxml: str | None) -> str | None:
    if not response_qbxml:
        return None
    try:
        root = parse_xml(response_qbxml)
    except UnsafeXmlError:
        return None
    name = root.findtext(".//CompanyRet/CompanyName")
    return name.strip() if name else None


class HealthCheck:
    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        clock: Clock,
        *,
        budget: timedelta,
        offline_grace: timedelta,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.queue = queue
        self.clock = clock
        self.budget = budget
        self.offline_grace = offline_grace
        self.sleep = sleep
        self.monotonic = monotonic

    def run(self, end_user_id: str) -> dict[str, Any]:
        """The check's answer, or the error that explains why QuickBooks did not answer."""
        started = self.monotonic()
        result = "internal_error"
        try:
            answer = self._run(end_user_id)
            result = "ok"
            return answer
        except GatewayError as exc:
            result = exc.code
            raise
        finally:
            self.metrics.put("HealthChecks", result=result)
            log.info("health check finished", extra={"end_user_id": end_user_id, "result": result,
                                                      "duration_ms": int((self.monotonic() - started) * 1000)})

    def _run(self, end_user_id: str) -> dict[str, Any]:
        user = self.store.get_end_user(end_user_id)
        if user is None:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist")
        require_polling(user, self.clock(), self.offline_grace)
        started = self.monotonic()
        started_at = iso(self.clock()) or ""
        request = "".join(company_query_request().elements)
        job, _ = self.queue.enqueue(end_user_id, request, source=HEALTH_CHECK_SOURCE,
                                    priority=PRIORITY_HEALTH_CHECK,
                                    deadline_seconds=int(self.budget.total_seconds()) + 5)
        done = self._wait(job, started, started_at)
        elapsed_ms = int((self.monotonic() - started) * 1000)
        if isinstance(done, GatewayError):
            self.queue.cancel_if_queued(job, done)
            raise done
        if done is None:
            err = error("health_check_timeout",
                        f"QuickBooks did not answer the health check within {self.budget.total_seconds():g} s")
            self.queue.cancel_if_queued(job, err)
            raise err
        if done.status is not JobStatus.SUCCEEDED:
            raise error_from_dict(done.error or {"code": "internal_error", "message": "health check failed"})
        parse_response(done.response_qbxml or "")
        refreshed = self.store.get_end_user(end_user_id) or user
        return {
            "status": "ok",
            "duration_ms": elapsed_ms,
            "company_name": _company_name(done.response_qbxml) or refreshed.qb_company_name,
            "qbxml_version": refreshed.qbxml_version,
            "job_id": job.id,
        }

    def _wait(self, job: Job, started: float, started_at: str) -> Job | GatewayError | None:
        """The finished job, the connection error the Web Connector reported meanwhile, or None (timeout)."""
        deadline = started + self.budget.total_seconds()
        while True:
            current = self.store.get_job_at(job.end_user_id, job.seq)
            if current is not None and current.status.is_terminal:
                return current
            if current is not None and current.status is JobStatus.QUEUED:
                user = self.store.get_end_user(job.end_user_id)
                last = (user.last_error or {}) if user else {}
                reported = last.get("type") == "connection_error" or last.get("code") in LOGIN_ERRORS
                final = not last.get("retrying")  # the gateway is still giving QuickBooks a second try
                if reported and final and str(last.get("occurred_at", "")) >= started_at:
                    return error_from_dict(last)
            if self.monotonic() >= deadline:
                return None
            self.sleep(min(POLL_SECONDS, max(0.0, deadline - self.monotonic())))
