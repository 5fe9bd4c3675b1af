"""The QBWC session service over the job queue: a Web Connector update from authenticate to close.

Runs :class:`QbwcService` with an in-memory store, Intuit's schemas and a fixed clock the tests
advance; the Web Connector's calls are made in its order (PROTOCOL.md §2).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from chalicelib.jobs.dispatch import message_set_id
from chalicelib.jobs.security import ticket_hash
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.service import HRESULT_ERROR_PERCENT, NOOP
from chalicelib.qbxml import QbxmlVersion
from tests.unit.jobs.fakes import qbwc_file
from tests.unit.jobs.harness import COMPANY_FILE, Harness, catalog

V13 = QbxmlVersion(13, 0)


@pytest.fixture
def gw() -> Harness:
    """GIVEN an end-user, a 30 s keep-alive window, and nothing queued yet."""
    return Harness.build()


def message_set(document: str) -> etree._Element:
    body = document.split("?>", 2)[-1]
    return etree.fromstring(body.encode()).find("QBXMLMsgsRq")


# authenticate ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("user_name", "password"), [("eu_nobody", "K7QM-3XPD-9RTA-WZ2H"),
                                                      ("eu_lakeside", "wrong"), ("", "")])
def test_authenticate_refuses_with_nvu(gw: Harness, user_name: str, password: str) -> None:
    # GIVEN work is waiting / WHEN an unknown user or a wrong password authenticates
    gw.enqueue()
    result = gw.service.dispatch(c.Authenticate(user_name, password))
    # THEN "nvu", and no session exists for the ticket: it reaches no job
    assert result[1] == "nvu"
    assert gw.session(result[0]) is None
    assert gw.send(result[0], first=True) == ""


def test_the_right_password_clears_a_wrong_password_error(gw: Harness) -> None:
    # GIVEN the Web Connector called three times in a row with a wrong password (reported to the SaaS)
    for _ in range(3):
        assert gw.authenticate(password="wrong")[1] == "nvu"
    assert gw.end_user().last_error["code"] == "bad_web_connector_password"
    # WHEN it calls again with the right one
    gw.authenticate()
    # THEN the error and the count are gone at once, before any sync
    assert gw.end_user().last_error is None and gw.end_user().login_failures == 0


def test_authenticate_with_no_work_answers_none(gw: Harness) -> None:
    # WHEN the Web Connector calls with an empty queue
    ticket, answer = gw.authenticate()[:2]
    # THEN "none": nothing to do, but the heartbeat is recorded
    assert answer == "none"
    assert gw.session(ticket) is None
    assert gw.end_user().last_heartbeat_at == gw.clock.now


def test_authenticate_with_work_opens_a_session(gw: Harness) -> None:
    # GIVEN a job waits and the company file was never bound
    gw.enqueue()
    # WHEN the Web Connector authenticates
    ticket, answer = gw.authenticate()[:2]
    # THEN a fresh ticket (>= 128 bits) and "" (use the company file that is open)
    assert answer == ""
    assert len(ticket) * 6 >= 128
    session = gw.session(ticket)
    assert session is not None and session.end_user_id == gw.user.id and ticket.startswith(gw.user.id + ".")
    # AND only the ticket's hash is stored
    assert session.holder == ticket_hash(ticket) and ticket not in repr(gw.store.leases)


def test_company_file_is_bound_by_the_first_session(gw: Harness) -> None:
    # GIVEN a first session that ran a job on the open company file
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    gw.close(ticket)
    # WHEN the Web Connector authenticates for the next job
    gw.enqueue()
    ticket2, answer = gw.authenticate()[:2]
    # THEN it is told the company file's path, and gets a different ticket
    assert answer == COMPANY_FILE
    assert ticket2 != ticket


# sendRequestXML ----------------------------------------------------------------------------------------
def test_first_send_learns_the_company_file(gw: Harness) -> None:
    # GIVEN a QuickBooks Pro 2014 file (qbXML up to 13.0)
    gw.enqueue()
    ticket = gw.open_session()
    # WHEN the first sendRequestXML brings the HCP response
    gw.send(ticket, first=True)
    # THEN the end-user records the company file, country, version, product and company name
    user = gw.end_user()
    assert user.company_file == COMPANY_FILE
    assert user.country == "US"
    assert user.qbxml_version == "13.0"
    assert user.supported_versions[-1] == "13.0" and "16.0" not in user.supported_versions
    assert user.product_name == "QuickBooks Pro 2014"
    assert user.qb_company_name == "Lakeside Hardware & Supply"
    assert user.last_heartbeat_at == gw.clock.now


def test_request_is_a_valid_qbxml_13_message_set(gw: Harness) -> None:
    # GIVEN a read job
    job = gw.enqueue()
    ticket = gw.open_session()
    # WHEN it is sent
    document = gw.send(ticket, first=True)
    # THEN it speaks the file's version, stops on error, carries the job id, and Intuit's schema accepts it
    assert '<?qbxml version="13.0"?>' in document
    msgs = message_set(document)
    assert msgs.get("onError") == "stopOnError"
    assert msgs.get("newMessageSetID") is None  # a read needs no error recovery
    (request,) = list(msgs)
    assert (request.tag, request.get("requestID")) == ("CustomerQueryRq", job.id)
    assert catalog().validate(document, V13) == []
    assert gw.job(job.id).status is JobStatus.IN_FLIGHT


def test_write_carries_a_message_set_id(gw: Harness) -> None:
    # GIVEN a write job / WHEN it is sent / THEN newMessageSetID lets the next session recover it
    job = gw.enqueue("customer_add.xml")
    document = gw.send(gw.open_session(), first=True)
    msgs = message_set(document)
    msid = msgs.get("newMessageSetID")
    assert msid == message_set_id(job.id, 1) and len(msid) <= 23  # the SDK's limit for message set ids
    assert msgs.find("CustomerAddRq").get("requestID") == job.id
    assert catalog().validate(document, V13) == []


def test_job_too_new_for_the_file_fails_and_the_next_runs(gw: Harness) -> None:
    # GIVEN a qbXML 16.0-only request, then a plain query, for a file that speaks 13.0
    too_new = gw.enqueue("paycheck_query_16.xml")
    fine = gw.enqueue()
    # WHEN the session asks for work
    document = gw.send(gw.open_session(), first=True)
    # THEN the first job failed (and was published) saying QuickBooks needs an update; the next is sent
    failed = gw.job(too_new.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error["code"] == "qbxml_version_unsupported"
    assert gw.publisher.delivered[0]["job_id"] == too_new.id
    assert message_set(document)[0].get("requestID") == fine.id


def test_a_job_accepted_before_the_file_was_known_fails_when_the_file_turns_out_too_old(gw: Harness) -> None:
    # GIVEN a CustomerAdd with a ClassRef (qbXML 12.0), accepted before the Web Connector ever connected
    too_new = gw.queue.enqueue(gw.user.id, "<CustomerAddRq><CustomerAdd><Name>Ada</Name><ClassRef><FullName>East"
                                           "</FullName></ClassRef></CustomerAdd></CustomerAddRq>", source="rest")[0]
    fine = gw.enqueue()
    # WHEN the first session's QuickBooks says it speaks qbXML 11.0 at most
    document = gw.send(gw.open_session(), first=True, hcp="hcp_qb2012.xml")
    # THEN the job fails (published) naming the element, never reaching QuickBooks; the next one is sent
    failed = gw.job(too_new.id)
    assert failed.status is JobStatus.FAILED and failed.error is not None
    assert failed.error["code"] == "qbxml_version_unsupported"
    assert "CustomerAddRq/CustomerAdd/ClassRef was introduced in qbXML 12.0" in failed.error["message"]
    assert gw.publisher.delivered[0]["job_id"] == too_new.id
    assert message_set(document)[0].get("requestID") == fine.id


# receiveResponseXML --------------------------------------------------------------------------------------
def test_success_completes_and_publishes(gw: Harness) -> None:
    # GIVEN a job sent to QuickBooks
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.clock.advance(seconds=3)
    # WHEN QuickBooks answers it
    percent = gw.answer(ticket, job)
    # THEN the job succeeded with the answer, the result was published, the sync time recorded
    stored = gw.job(job.id)
    assert stored.status is JobStatus.SUCCEEDED
    assert "Northwind Traders" in stored.response_qbxml
    (message,) = gw.publisher.delivered
    assert (message["job_id"], message["status"]) == (job.id, "succeeded")
    assert gw.end_user().last_successful_sync_at == gw.clock.now
    # AND with the keep-alive window open the Web Connector is told to keep going
    assert percent == 99


def test_percent_grows_while_jobs_remain() -> None:
    # GIVEN three jobs and no keep-alive
    gw = Harness.build(session_idle=timedelta(0))
    jobs = [gw.enqueue() for _ in range(3)]
    ticket = gw.open_session()
    percents = []
    for index, job in enumerate(jobs):
        document = gw.send(ticket, first=index == 0)
        assert message_set(document)[0].get("requestID") == job.id
        percents.append(gw.answer(ticket, job))
    # THEN progress stays within 1..99 while work remains, and 100 ends the session
    assert percents == [33, 66, 100]
    assert [m["job_id"] for m in gw.publisher.delivered] == [j.id for j in jobs]


def test_keep_alive_answers_99_after_the_last_job(gw: Harness) -> None:
    # GIVEN two jobs and a keep-alive window
    jobs = [gw.enqueue(), gw.enqueue()]
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    first = gw.answer(ticket, jobs[0])
    gw.send(ticket)
    last = gw.answer(ticket, jobs[1])
    # THEN 50 then 99: the session stays open for work enqueued in the next seconds
    assert (first, last) == (50, 99)


def test_status_3140_fails_the_job_and_the_next_still_runs(gw: Harness) -> None:
    # GIVEN an invoice for an unknown customer, then a query
    invoice, query = gw.enqueue("invoice_add_rq.xml"), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    # WHEN QuickBooks refuses the invoice with statusCode 3140
    percent = gw.answer(ticket, invoice, "invoice_add_rs_3140.xml")
    # THEN the job failed with QuickBooks' native code and its answer kept; the session continues
    failed = gw.job(invoice.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error["integration_code"] == "3140"
    assert failed.error["code"] and failed.error["user_facing_message"]
    assert "invalid reference" in failed.error["message"]
    assert failed.response_qbxml is not None
    assert percent == 50  # one of two jobs finished: honest progress, the session goes on
    assert gw.end_user().last_error["integration_code"] == "3140"
    # AND the next job is sent and completes
    assert message_set(gw.send(ticket))[0].get("requestID") == query.id
    assert gw.answer(ticket, query) == 99
    assert [m["status"] for m in gw.publisher.delivered] == ["failed", "succeeded"]


def test_hresult_fails_the_job_with_a_negative_percent(gw: Harness) -> None:
    # GIVEN a job sent to QuickBooks
    job = gw.enqueue("customer_add.xml")
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    # WHEN QuickBooks threw instead of answering
    percent = gw.receive(ticket, "", "0x80040400", "QuickBooks found an error when parsing the provided XML")
    # THEN a negative percent, the job failed with the HRESULT as its native code
    assert percent == HRESULT_ERROR_PERCENT
    failed = gw.job(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error["integration_code"] == "0x80040400"
    assert failed.error["code"] and failed.error["message"]
    assert gw.publisher.delivered[0]["status"] == "failed"
    # AND getLastError tells the bookkeeper what to do, and closeConnection shows the same text
    text = gw.last_error(ticket)
    assert text == failed.error["user_facing_message"]
    assert "QuickBooks" in text and text != NOOP
    assert gw.close(ticket) == text
    assert gw.end_user().last_successful_sync_at is None


def test_response_for_another_request_fails_the_job(gw: Harness) -> None:
    # GIVEN a job sent / WHEN the answer carries someone else's requestID
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.receive(ticket, qbwc_file("customer_query_rs.xml", request_id="job_someone_else"))
    # THEN the job fails as unreadable rather than taking a stranger's data
    assert gw.job(job.id).error["code"] == "quickbooks_response_unreadable"


# getLastError and the keep-alive window ---------------------------------------------------------------------
HOST_ANSWER = ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><HostQueryRs requestID="{rid}" statusCode="0" '
               'statusSeverity="Info" statusMessage="Status OK"><HostRet><ProductName>QuickBooks Pro 2014'
               '</ProductName><MajorVersion>24</MajorVersion><MinorVersion>0</MinorVersion>'
               '<SupportedQBXMLVersion>13.0</SupportedQBXMLVersion></HostRet></HostQueryRs></QBXMLMsgsRs></QBXML>')


def closing_answer(document: str) -> str:
    """QuickBooks' answer to the session's closing HostQuery."""
    (request,) = message_set(document)
    assert request.tag == "HostQueryRq" and len(request) == 0  # nothing of the company file's data
    return HOST_ANSWER.format(rid=request.get("requestID"))


def test_noop_inside_the_idle_window_then_a_healthy_end(gw: Harness) -> None:
    # GIVEN a session whose only job is done
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    # WHEN QBWC asks for more inside the window / THEN "" and "NoOp" (QBWC waits 5 s and asks again)
    gw.clock.advance(seconds=10)
    assert gw.send(ticket) == ""
    assert gw.last_error(ticket) == NOOP
    # AND a job enqueued meanwhile is picked up by the next call
    late = gw.enqueue()
    assert message_set(gw.send(ticket))[0].get("requestID") == late.id
    gw.answer(ticket, late)
    # WHEN the window has passed / THEN one cheap HostQuery, answered 100: QBWC ends the update as a
    # success (no getLastError text, which it would show as an error) and shows the summary
    gw.clock.advance(seconds=31)
    closing = gw.send(ticket)
    assert gw.receive(ticket, closing_answer(closing)) == 100
    assert gw.close(ticket) == "qbd-gateway: 2 request(s) sent to QuickBooks."
    assert gw.session(ticket) is None  # the file is free


def test_summary_counts_what_was_sent_and_leaves_outcomes_to_the_application(gw: Harness) -> None:
    # GIVEN one failed and one succeeded job, and the window passed (outcomes go to the SaaS, not QBWC)
    invoice, query = gw.enqueue("invoice_add_rq.xml"), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, invoice, "invoice_add_rs_3140.xml")
    gw.send(ticket)
    gw.answer(ticket, query)
    gw.clock.advance(minutes=1)
    # THEN the session ends as a success, and its summary counts what was sent
    assert gw.receive(ticket, closing_answer(gw.send(ticket))) == 100
    assert gw.close(ticket) == "qbd-gateway: 2 request(s) sent to QuickBooks."
    assert (gw.job(invoice.id).status, gw.job(query.id).status) == (JobStatus.FAILED, JobStatus.SUCCEEDED)


def test_a_job_that_comes_while_the_closing_request_runs_keeps_the_session(gw: Harness) -> None:
    # GIVEN a session past its idle limit, its closing HostQuery in QuickBooks
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    gw.clock.advance(seconds=31)
    closing = gw.send(ticket)
    # WHEN a job is enqueued meanwhile
    late = gw.enqueue()
    # THEN the closing answer is not 100: the Web Connector asks again and gets the job
    assert 0 < gw.receive(ticket, closing_answer(closing)) < 100
    assert message_set(gw.send(ticket))[0].get("requestID") == late.id


def test_getlasterror_past_the_idle_limit_is_still_noop_never_an_error_text(gw: Harness) -> None:
    # GIVEN a session whose sendRequestXML answered "" just inside the window
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    gw.clock.advance(seconds=29)
    assert gw.send(ticket) == ""
    # WHEN getLastError comes just after the window  THEN NoOp (the next sendRequestXML ends it well)
    gw.clock.advance(seconds=2)
    assert gw.last_error(ticket) == NOOP
    assert message_set(gw.send(ticket))[0].tag == "HostQueryRq"


def closing_handed_out(gw: Harness) -> tuple[str, str]:
    """A session's last job answered, 91 s of silence (past the stale time), then its closing request."""
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    gw.clock.advance(seconds=91)
    closing = gw.send(ticket)
    assert message_set(closing)[0].tag == "HostQueryRq"
    return ticket, closing


def test_a_closing_request_still_in_quickbooks_keeps_the_file_from_another_session(gw: Harness) -> None:
    """Found by the 50,000-example soak (invariant 1): the closing HostQuery is in QuickBooks with no
    job pointer on the lease, so once the session had made no call for the stale time (QuickBooks slow to
    answer it), a second Web Connector took the file over and got a job while it was still in QuickBooks."""
    # GIVEN a session whose last job was answered and which was handed its closing request
    ticket, closing = closing_handed_out(gw)
    # WHEN QuickBooks takes longer than the stale time to answer it, and another Web Connector logs in
    gw.clock.advance(seconds=91)
    gw.enqueue()
    # THEN that one is told busy: the closing request holds the file like a job in flight
    assert gw.authenticate()[1] == "busy"
    # AND once it is answered, the file is the next session's again after the stale time
    assert gw.receive(ticket, closing_answer(closing)) < 100  # work came in meanwhile: this session goes on
    gw.clock.advance(seconds=91)
    assert gw.authenticate()[1] not in ("busy", "nvu", "none")


def test_the_closing_request_renews_the_lease_so_no_other_session_takes_the_file_meanwhile(gw: Harness) -> None:
    """Found by the seeded simulation (invariant 1): the closing HostQuery went out on a lease not renewed
    for longer than the stale time, so a second Web Connector took the file over while it was in QuickBooks."""
    # GIVEN a session whose last job was answered, then silent for longer than the stale time (90 s)
    # WHEN it is handed its closing request, and another Web Connector logs in with work queued
    ticket, closing = closing_handed_out(gw)
    gw.enqueue()
    # THEN the other one is told busy: the closing request is in QuickBooks under a renewed lease
    assert gw.authenticate()[1] == "busy"
    assert gw.receive(ticket, closing_answer(closing)) < 100  # the new job keeps this session going
