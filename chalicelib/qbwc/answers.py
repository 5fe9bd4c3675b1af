"""What an answer of QuickBooks means for the job it answers (pure: no store, no clock).

* An HRESULT instead of an answer fails a read. For a write it means QuickBooks threw while running
  it and may have saved it, so the write is ``in_doubt`` — except ``0x80040400``: QuickBooks could not
  even parse the message set, so nothing in it ran.
* An unreadable answer, or one that does not name the job, fails a read and leaves a write in doubt.
* Otherwise the first request whose status is an error fails the job (with QuickBooks' status
  code), and an answer without one succeeds; warnings (500 to 999) are successes.

For the error-recovery probe of an in-doubt write, :data:`NO_STORED_STATE` (600) is the one answer
that says the write never ran; see :meth:`chalicelib.qbwc.service.QbwcService.receive_response_xml`.
"""

from __future__ import annotations

from chalicelib.catalog import hresult_error, status_error
from chalicelib.errors import GatewayError, error
from chalicelib.jobs.models import Job
from chalicelib.jobs.queue import Outcome
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.qbxml import parse_response

UNPARSED_HRESULT = "0x80040400"  # QuickBooks could not parse the request: nothing in it ran
NO_STORED_STATE = 600  # error recovery: QuickBooks has nothing stored under that message set id


def outcome_of(job: Job, call: c.ReceiveResponseXML) -> Outcome:
    """What the answer means for the job."""
    if call.hresult:
        err = hresult_error(call.hresult, call.message)
        if job.is_write and err.integration_code != UNPARSED_HRESULT:
            # QuickBooks threw while running a write: it may have saved it. Never report that as a
            # plain failure (the caller would retry and duplicate it); recovery settles it.
            return Outcome(JobStatus.IN_DOUBT, error=error(
                "write_outcome_unknown",
                f"QuickBooks threw {err.integration_code} while running write job {job.id}: {call.message}",
                integration_code=err.integration_code))
        return Outcome(JobStatus.FAILED, error=err)
    try:
        parsed = parse_response(call.response)
    except GatewayError as exc:
        if job.is_write:
            return Outcome(JobStatus.IN_DOUBT, error=error(
                "write_outcome_unknown", f"unreadable answer to write job {job.id}: {exc.message}"))
        return Outcome(JobStatus.FAILED, error=exc)
    ours = [r for r in parsed.results
            if r.request_id and (r.request_id == job.id or r.request_id.startswith(job.id + "."))]
    if not ours:
        if job.is_write:
            return Outcome(JobStatus.IN_DOUBT, error=error(
                "write_outcome_unknown", f"the answer does not name write job {job.id}"))
        return Outcome(JobStatus.FAILED, response_qbxml=call.response, error=error(
            "quickbooks_response_unreadable", f"the response does not answer job {job.id}"))
    first = parsed.first_error()
    if first is not None:
        return Outcome(JobStatus.FAILED, response_qbxml=call.response,
                       error=status_error(first.status_code, first.message, first.name))
    return Outcome(JobStatus.SUCCEEDED, response_qbxml=call.response)
