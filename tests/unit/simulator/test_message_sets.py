"""Message-set semantics of the simulated company file: onError, error recovery, faults, executions,
concurrency, and the validity of everything it emits against Intuit's schemas."""

from __future__ import annotations

import threading

import pytest

from simulator.quickbooks import CompanyFile
from simulator.records import HResultError
from tests.support.paths import SAMPLES_DIR, SCHEMA_DIR
from tests.unit.simulator.support import (
    customer_add,
    fixture,
    invoice_add,
    message_set,
    responses,
    schema_errors,
)

OWNER_ID = "{57F3B9B1-86F1-4FCC-B1EE-566DE1813D20}"
FILE_ID = "{90A44FB5-33D9-4815-AC85-BC87A7E7D1EB}"


def three_adds(on_error: str) -> str:
    """Acme, Acme again (a duplicate: 3100), then Bolt."""
    return message_set(
        customer_add("Acme", "1"), customer_add("Acme", "2"), customer_add("Bolt", "3"), on_error=on_error
    )


def test_stop_on_error_stops_at_the_first_error(company: CompanyFile) -> None:
    """GIVEN a set of three adds whose second fails, sent with stopOnError
    WHEN it is processed
    THEN two responses come back, the third add is neither executed nor answered."""
    rs = responses(company.process(three_adds("stopOnError")))

    assert [(r.request_id, r.status_code) for r in rs] == [("1", 0), ("2", 3100)]
    assert [customer.name for customer in company.customers()] == ["Acme"]
    assert [execution.request_id for execution in company.executions] == ["1", "2"]


def test_continue_on_error_runs_every_request(company: CompanyFile) -> None:
    """GIVEN the same set sent with continueOnError
    WHEN it is processed
    THEN every request is answered with its own status and the third add happens."""
    rs = responses(company.process(three_adds("continueOnError")))

    assert [(r.request_id, r.status_code) for r in rs] == [("1", 0), ("2", 3100), ("3", 0)]
    assert sorted(customer.name for customer in company.customers()) == ["Acme", "Bolt"]


def test_executions_record_what_ran(company: CompanyFile) -> None:
    """GIVEN an empty file
    WHEN a CustomerAdd and an InvoiceAdd run in a set with newMessageSetID
    THEN each is recorded with its requestID, type, status, message set and a sane interval."""
    company.process(
        message_set(
            customer_add("Acme", "c1"), invoice_add("Acme", request_id="i1"), attributes='newMessageSetID="set-1"'
        )
    )

    executions = company.executions

    assert [(e.request_id, e.name, e.status_code, e.message_set_id) for e in executions] == [
        ("c1", "CustomerAddRq", 0, "set-1"),
        ("i1", "InvoiceAddRq", 0, "set-1"),
    ]
    assert all(e.started_at <= e.finished_at for e in executions)
    assert executions[1].request_xml.startswith('<InvoiceAddRq requestID="i1">')


def test_error_recovery_returns_the_stored_answer_then_forgets_it(company: CompanyFile) -> None:
    """GIVEN Intuit's ErrRecovery1 (a set with newMessageSetID AB1F2395) was processed
    WHEN ErrRecovery2 (old+new ID, no requests) and ErrRecovery3 (old ID only) follow, then ErrRecovery3 again
    THEN 2 and 3 return the stored responses with messageSetStatusCode 0, and the last one finds nothing (600)."""
    samples = SAMPLES_DIR / "qbxml-requests/intuit-sdk/legacy"
    first = company.process((samples / "ErrRecovery1.xml").read_text(encoding="utf-8"))
    recovery2 = (samples / "ErrRecovery2.xml").read_text(encoding="utf-8")
    recovery3 = (samples / "ErrRecovery3.xml").read_text(encoding="utf-8")

    asked, forgotten, gone = company.process(recovery2), company.process(recovery3), company.process(recovery3)

    original = [(r.name, r.request_id, r.status_code) for r in responses(first)]
    assert original == [("CheckAddRs", "1", 1030)]
    for answer in (asked, forgotten):
        assert [(r.name, r.request_id, r.status_code) for r in responses(answer)] == original
        assert 'newMessageSetID="AB1F2395" messageSetStatusCode="0"' in answer
    assert responses(gone) == []
    assert 'messageSetStatusCode="600"' in gone
    assert len(company.executions) == 1


def test_a_resent_write_is_executed_again(company: CompanyFile) -> None:
    """GIVEN an InvoiceAdd set with newMessageSetID that was processed
    WHEN the very same set is sent again
    THEN QuickBooks executes it again: two invoices (a gateway must recover, not resend)."""
    company.process(message_set(customer_add("Acme")))
    invoice_set = message_set(invoice_add("Acme", ref_number="R1"), attributes='newMessageSetID="job-1"')

    company.process(invoice_set)
    company.process(invoice_set)

    assert [invoice.ref_number for invoice in company.invoices()] == ["R1", "R1"]


def test_injected_hresult_fails_one_call_only(company: CompanyFile) -> None:
    """GIVEN an injected HRESULT fault
    WHEN two CustomerAdds are processed one after the other
    THEN the first throws that HRESULT without executing, the second succeeds."""
    company.fail_next_with_hresult("0x80040402", "Unexpected error.")

    with pytest.raises(HResultError) as raised:
        company.process(message_set(customer_add("Acme")))
    [rs] = responses(company.process(message_set(customer_add("Acme"))))

    assert (raised.value.hresult, raised.value.message) == ("0x80040402", "Unexpected error.")
    assert rs.status_code == 0
    assert len(company.customers()) == 1


def test_lost_response_happens_after_the_write(company: CompanyFile) -> None:
    """GIVEN a fault that loses the next response
    WHEN a CustomerAdd is processed
    THEN an HRESULT is thrown although the customer now exists (outcome unknown to the gateway)."""
    company.lose_next_response()

    with pytest.raises(HResultError):
        company.process(message_set(customer_add("Acme")))

    assert [customer.name for customer in company.customers()] == ["Acme"]


def test_injected_status_answers_the_matching_request(company: CompanyFile) -> None:
    """GIVEN a 3175 status fault for InvoiceAddRq
    WHEN a CustomerAdd and an InvoiceAdd are processed with continueOnError
    THEN the CustomerAdd runs, the InvoiceAdd is answered 3175 and no invoice exists."""
    company.fail_next_request_with_status(3175, "There was an error when locking the record.", "InvoiceAddRq")

    rs = responses(company.process(message_set(customer_add("Acme"), invoice_add("Acme"), on_error="continueOnError")))

    assert [(r.name, r.status_code) for r in rs] == [("CustomerAddRs", 0), ("InvoiceAddRs", 3175)]
    assert company.invoices() == ()


def test_processing_delay_makes_concurrent_message_sets_overlap(company: CompanyFile) -> None:
    """GIVEN a processing delay of 0.2 s
    WHEN two threads process a set each at the same time
    THEN the file saw two sets inside it at once, and their execution intervals overlap."""
    company.processing_delay = 0.2
    threads = [threading.Thread(target=company.process, args=(message_set(customer_add(name)),)) for name in ("A", "B")]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    first, second = sorted(company.executions, key=lambda execution: execution.started_at)
    assert company.max_concurrent_message_sets == 2
    assert second.started_at < first.finished_at


def test_sequential_message_sets_do_not_overlap(company: CompanyFile) -> None:
    """GIVEN the same delay
    WHEN the sets are processed one after the other
    THEN the file never held two at once."""
    company.processing_delay = 0.01

    company.process(message_set(customer_add("A")))
    company.process(message_set(customer_add("B")))

    assert company.max_concurrent_message_sets == 1


def mixed_session(company: CompanyFile, version: str) -> list[str]:
    """Every kind of answer the simulator gives: successes, errors, warnings, no-match, iterators."""
    company.set_data_ext(OWNER_ID, "FileID", FILE_ID)
    documents = [
        company.process(
            message_set(
                fixture("host_company_preferences_rq.xml", request_id="h", owner_id=OWNER_ID),
                customer_add("Acme & Sons", "1"),
                customer_add("ACME & SONS", "2"),
                invoice_add("Acme & Sons", request_id="3"),
                invoice_add("Ghost", request_id="4"),
                fixture("customer_query_by_name_rq.xml", request_id="5", name="Nobody"),
                fixture("customer_query_filter_rq.xml", request_id="6", max_returned="5", prefix="Zed"),
                fixture("customer_query_iterator_start_rq.xml", request_id="7", max_returned="1"),
                fixture("invoice_query_rq.xml", request_id="8", customer="Acme & Sons", include_lines="true"),
                fixture("item_query_rq.xml", request_id="9"),
                fixture("purchase_order_query_rq.xml", request_id="10"),
                version=version,
                on_error="continueOnError",
                attributes='newMessageSetID="mixed"',
            )
        ),
        company.process(message_set(version=version, attributes='oldMessageSetID="mixed"')),
        company.host_company_preferences_response(OWNER_ID),
    ]
    return documents


@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_everything_the_file_emits_is_valid_for_its_version(modern_company: CompanyFile, version: str) -> None:
    """GIVEN a modern company file
    WHEN it answers a mixed message set, an error-recovery query and the HCP queries in qbXML 13.0 and 16.0
    THEN every response document validates against Intuit's qbxmlops schema of that version."""
    documents = mixed_session(modern_company, version)

    codes = [r.status_code for r in responses(documents[0])]
    assert codes == [0, 0, 0, 0, 3100, 0, 3140, 500, 1, 0, 0, 500, 1030]
    for document in documents:
        assert schema_errors(SCHEMA_DIR, version, document) == []


def test_hcp_response_describes_host_company_and_preferences(company: CompanyFile) -> None:
    """GIVEN a QuickBooks Pro 2014 file stamped with a FileID under our OwnerID
    WHEN the Web Connector's HCP response is built for that OwnerID and for another one
    THEN HostRet lists every supported version and the FileID appears only for our OwnerID."""
    company.set_data_ext(OWNER_ID, "FileID", FILE_ID)

    host, company_rs, preferences = responses(company.host_company_preferences_response(OWNER_ID))
    other = responses(company.host_company_preferences_response("{00000000-0000-0000-0000-000000000001}"))[1]

    assert [(r.name, r.request_id) for r in (host, company_rs, preferences)] == [
        ("HostQueryRs", "0"),
        ("CompanyQueryRs", "1"),
        ("PreferencesQueryRs", "2"),
    ]
    versions = [node.text for node in host.rets[0].findall("SupportedQBXMLVersion")]
    assert versions == list(company.supported_versions)
    assert (host.ret_text("ProductName"), host.ret_text("MajorVersion")) == ("QuickBooks Pro 2014", "24")
    assert company_rs.ret_text("DataExtRet/DataExtValue") == FILE_ID
    assert other.rets[0].find("DataExtRet") is None
    assert schema_errors(SCHEMA_DIR, "13.0", company.host_company_preferences_response(OWNER_ID)) == []
