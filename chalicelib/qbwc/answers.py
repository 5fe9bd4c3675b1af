"""What the Web Connector's calls mean and what to answer back — the pure part of the session
service (no store, no clock).

What an answer of QuickBooks means for the job it answers (:func:`outcome_of`):

* An HRESULT instead of an answer fails a read. For a write it means QuickBooks threw while running
  it and may have saved it, so the write is ``in_doubt`` — except ``0x80040400``: QuickBooks could not
  even parse the message set, so nothing in it ran.
* An unreadable answer, or one that does not name the job, fails a read and leaves a write in doubt.
* Otherwise the first request whose status is an error fails the job (with QuickBooks' status
  code), and an answer without one succeeds; warnings (500 to 999) are successes.

For the error-recovery probe of an in-doubt write (:func:`probe_verdict`), :data:`NO_STORED_STATE`
(600) is the one answer that says the write never ran; the stored answer of the very message set
asked about says what it did; anything else says nothing, and the write stays in doubt.

What to answer back: :func:`progress` (``receiveResponseXML``'s percent, without counting the queue),
:func:`company_details` (what the first ``sendRequestXML`` of a session tells about the company file),
:func:`file_name` and :func:`parse_client_version`.

How a healthy session ends (:func:`closing_request`, :func:`is_closing_answer`): the QBWC guide
gives the Web Connector two ways out of a session. ``receiveResponseXML`` answering ``100`` means
"finished", and QBWC "calls closeConnection" and shows its text as the status; ``getLastError``
answering any text other than ``NoOp`` "is logged, shown in the Status column, and the session ends"
— as an error (PROTOCOL.md §3.5, §3.7). So when a keep-alive session has been idle for its limit,
the next ``sendRequestXML`` hands out one last cheap request — a ``HostQueryRq``, which QuickBooks
answers from the request processor without reading the company file's data — and its answer gets
``100``; error texts are kept for real errors.
"""

from __future__ import annotations

from typing import Any

from chalicelib.catalog import hresult_error, status_error
from chalicelib.errors import GatewayError, error
from chalicelib.jobs.models import EndUser, FileView, Job, Lease
from chalicelib.jobs.queue import Outcome
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.qbxml import (
    JobRequests,
    QbxmlVersion,
    build_message_set,
    choose_version,
    parse_hcp_response,
    parse_response,
)
from chalicelib.qbxml.paging import Cursor
from chalicelib.qbxml.responses import RequestResult
from chalicelib.qbxml.status import StatusClass

HRESULT_ERROR_PERCENT = -101  # receiveResponseXML: QuickBooks threw; the Web Connector asks getLastError
PROTOCOL_ERROR_PERCENT = -102  # receiveResponseXML: the gateway could not take the answer
UNPARSED_HRESULT = "0x80040400"  # QuickBooks could not parse the request: nothing in it ran
NO_STORED_STATE = 600  # error recovery: QuickBooks has nothing stored under that message set id
NEVER_APPLIED, STORED, UNKNOWN = "never_applied", "stored", "unknown"  # what a probe says


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
                       error=status_error(first.status_code, first.message, first.name), answered=True)
    return Outcome(JobStatus.SUCCEEDED, response_qbxml=call.response, warnings=warnings_of(job, ours),
                   answered=True)


def warnings_of(job: Job, results: list[RequestResult]) -> tuple[dict[str, Any], ...]:
    """A success's warnings: QuickBooks' ``statusSeverity="Warn"`` results (500-999: data came back,
    perhaps not all of it), and a query that returned exactly the ``MaxReturned`` the gateway set."""
    found: list[dict[str, Any]] = []
    for result in results:
        if result.status_class is StatusClass.WARNING:
            found.append({**status_error(result.status_code, result.message, result.name).to_dict(),
                          "request_id": result.request_id})
        ceiling = job.max_returned_ceiling
        if ceiling and result.name.endswith("QueryRs") and max(result.records, result.ret_count or 0) >= ceiling:
            found.append({**error("max_returned_ceiling", (
                f"{result.name} returned {ceiling} records, the ceiling the gateway sets on unpaged queries "
                "(QBDGW_UNPAGED_MAX_RETURNED): there may be more")).to_dict(), "request_id": result.request_id})
    return tuple(found)


def progress(view: FileView, lease: Lease, *, keep_alive: bool, pending: bool = False) -> int:
    """Honest progress without counting the queue: jobs handed out this session against the
    sequence numbers accepted behind the current one; 99 while the keep-alive holds the session.
    ``pending``: the current job itself must run again (never 100 then)."""
    pointer = lease.pointer
    behind = max(0, view.next_seq - pointer.seq) if pointer else 0
    more = pending or behind > 0 or any(not pointer or j.seq != pointer.seq for j in view.jobs)
    if more:
        sent = max(1, lease.jobs_sent)
        return max(1, min(99, (100 * sent) // (sent + max(1, behind))))
    return 99 if keep_alive else 100


def page_progress(cursor: Cursor, view: FileView, lease: Lease) -> int:
    """A paged query between pages: pages delivered against pages left (``iteratorRemainingCount``
    over the page size) and the jobs queued behind it; never 100 (its next page must be asked for)."""
    pointer = lease.pointer
    behind = max(0, view.next_seq - pointer.seq) if pointer else 0
    left = -(-int(cursor.remaining or 0) // max(1, cursor.page_size)) + behind
    done = max(1, cursor.pages)
    return max(1, min(99, (100 * done) // (done + max(1, left))))


def company_details(user: EndUser, call: c.SendRequestXML, available: tuple[QbxmlVersion, ...]) -> dict[str, Any]:
    """What the first ``sendRequestXML`` of a session teaches about the company file: its qbXML
    version (the newest both sides speak), country, product and company name, and its path the first
    time it is seen."""
    info = parse_hcp_response(call.hcp_response)
    supported = info.supported_versions if info else ()
    version = choose_version(supported, call.qbxml_major_vers, call.qbxml_minor_vers, available)
    changes: dict[str, Any] = {
        "qbxml_version": str(version),
        "supported_versions": tuple(supported) or user.supported_versions,
        "country": call.qbxml_country or (info.country if info else None) or user.country,
    }
    if call.company_file_name and not user.company_file:
        changes["company_file"] = call.company_file_name
    if info is not None:
        changes["product_name"] = info.product_name or user.product_name
        changes["qb_company_name"] = info.company_name or user.qb_company_name
    return changes


def file_name(path: str) -> str:
    """A company file's name, whatever drive or share it is reached through (``Z:\\Books\\Acme.qbw``)."""
    return path.strip().replace("/", "\\").rsplit("\\", 1)[-1].lower()


def parse_client_version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        return ()


def probe_verdict(call: c.ReceiveResponseXML, message_set_id: str | None) -> tuple[str, str]:
    """What QuickBooks said about the message set ``message_set_id``: :data:`NEVER_APPLIED`,
    :data:`STORED` (its answer is in ``call.response``) or :data:`UNKNOWN`; and a detail for the log."""
    if call.hresult:
        return UNKNOWN, f"hresult {call.hresult}: {call.message}"
    try:
        parsed = parse_response(call.response)
    except GatewayError:
        return UNKNOWN, "an unreadable answer"
    if parsed.message_set_status_code == NO_STORED_STATE and not parsed.results:
        return NEVER_APPLIED, "messageSetStatusCode 600"
    ours = parsed.new_message_set_id in (None, message_set_id)
    if ours and parsed.results and parsed.message_set_status_code in (None, 0):
        return STORED, "the stored answer"
    return UNKNOWN, f"messageSetStatusCode {parsed.message_set_status_code}"


CLOSING_REQUEST_ID = "qbdgw-end"


def closing_request(version: QbxmlVersion) -> str:
    """The last message set of a healthy session: a HostQuery whose answer is answered 100."""
    return build_message_set(JobRequests(("<HostQueryRq/>",), ("HostQueryRq",)), version=version,
                             request_id=CLOSING_REQUEST_ID)


def is_closing_answer(call: c.ReceiveResponseXML) -> bool:
    """QuickBooks' answer to :func:`closing_request`."""
    if f'requestID="{CLOSING_REQUEST_ID}' not in call.response:
        return False
    answered = answered_job(call)
    return answered is not None and answered[0] == CLOSING_REQUEST_ID


def answered_job(call: c.ReceiveResponseXML) -> tuple[str, str | None] | None:
    """The one job an answer names (by its ``requestID``s) and the message set id it carries; None
    for an HRESULT, an unreadable answer, or one naming no job or several."""
    if call.hresult:
        return None
    try:
        parsed = parse_response(call.response)
    except GatewayError:
        return None
    ids = {r.request_id.split(".", 1)[0] for r in parsed.results if r.request_id}
    return (ids.pop(), parsed.new_message_set_id) if len(ids) == 1 else None
