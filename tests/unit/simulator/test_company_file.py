"""The simulated company file answers customer and invoice requests the way QuickBooks does."""

from __future__ import annotations

import re

import pytest

from simulator.quickbooks import CompanyFile
from simulator.records import HResultError
from tests.support.paths import SAMPLES_DIR
from tests.unit.simulator.support import (
    customer_add,
    fixture,
    invoice_add,
    message_set,
    responses,
)

LIST_ID = re.compile(r"^8[0-9A-F]{7}-\d{10}$")
TXN_ID = re.compile(r"^[0-9A-F]+-\d{10}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def add_customer(company: CompanyFile, name: str) -> tuple[str, str]:
    """Add a customer through qbXML; return its ListID and EditSequence."""
    [rs] = responses(company.process(message_set(customer_add(name))))
    assert rs.status_code == 0, rs.message
    return rs.ret_text("ListID") or "", rs.ret_text("EditSequence") or ""


def test_customer_add_then_query_back(company: CompanyFile) -> None:
    """GIVEN an empty company file
    WHEN a CustomerAdd is followed by a CustomerQuery by FullName
    THEN the add answers status 0 with QuickBooks-shaped identifiers, and the query returns that customer."""
    [added] = responses(company.process(message_set(customer_add("Acme & Sons", request_id="7"))))

    assert (added.name, added.request_id, added.status_code, added.severity, added.message) == (
        "CustomerAddRs",
        "7",
        0,
        "Info",
        "Status OK",
    )
    list_id = added.ret_text("ListID") or ""
    assert LIST_ID.match(list_id)
    assert (added.ret_text("EditSequence") or "").isdigit()
    assert TIMESTAMP.match(added.ret_text("TimeCreated") or "")
    assert added.ret_text("FullName") == "Acme & Sons"
    assert added.ret_text("LastName") == "O'Neil"
    assert added.ret_text("CreditLimit") == "2000.00"
    assert added.ret_text("BillAddressBlock/Addr2") == "Storrs, CT 06268"

    [queried] = responses(
        company.process(message_set(fixture("customer_query_by_name_rq.xml", request_id="8", name="ACME & SONS")))
    )
    assert queried.status_code == 0
    assert queried.ret_text("ListID") == list_id
    assert queried.ret_text("EditSequence") == added.ret_text("EditSequence")


def test_customer_names_are_unique_without_regard_to_case(company: CompanyFile) -> None:
    """GIVEN a customer "Acme"
    WHEN another customer "ACME" is added
    THEN QuickBooks answers 3100 and the list keeps one customer."""
    add_customer(company, "Acme")

    [rs] = responses(company.process(message_set(customer_add("ACME"))))

    assert (rs.status_code, rs.severity) == (3100, "Error")
    assert rs.message == 'The name "ACME" of the list element is already in use.'
    assert rs.rets == []
    assert [customer.name for customer in company.customers()] == ["Acme"]


def test_invoice_for_an_unknown_customer_is_an_invalid_reference(company: CompanyFile) -> None:
    """GIVEN no customer "Ghost"
    WHEN an InvoiceAdd references it
    THEN QuickBooks answers 3140 naming the customer, and no invoice exists."""
    [rs] = responses(company.process(message_set(invoice_add("Ghost"))))

    assert (rs.name, rs.status_code, rs.severity) == ("InvoiceAddRs", 3140, "Error")
    assert rs.message.startswith('There is an invalid reference to QuickBooks Customer "Ghost" in the Invoice.')
    assert company.invoices() == ()


def test_invoice_add_computes_amounts_and_the_customer_balance(company: CompanyFile) -> None:
    """GIVEN a customer
    WHEN an invoice with 2 x 103.00 Consulting and 1 Design (item price 95.00) is added
    THEN the lines, Subtotal and BalanceRemaining are computed and the customer's balance follows."""
    add_customer(company, "Acme")

    [rs] = responses(company.process(message_set(invoice_add("Acme", ref_number="INV-9"))))

    assert rs.status_code == 0, rs.message
    assert TXN_ID.match(rs.ret_text("TxnID") or "")
    assert rs.ret_text("RefNumber") == "INV-9"
    assert rs.ret_text("CustomerRef/FullName") == "Acme"
    assert [line.findtext("Amount") for line in rs.rets[0].findall("InvoiceLineRet")] == ["206.00", "95.00"]
    assert rs.ret_text("InvoiceLineRet/Rate") == "103.00"
    assert (rs.ret_text("Subtotal"), rs.ret_text("BalanceRemaining")) == ("301.00", "301.00")
    [customer] = responses(
        company.process(message_set(fixture("customer_query_by_name_rq.xml", request_id="1", name="Acme")))
    )
    assert (customer.ret_text("Balance"), customer.ret_text("TotalBalance")) == ("301.00", "301.00")


def test_customer_mod_needs_the_current_edit_sequence(company: CompanyFile) -> None:
    """GIVEN a customer modified once
    WHEN a CustomerMod carries the EditSequence from before that modification
    THEN QuickBooks answers 3200 and keeps the first modification."""
    list_id, first_sequence = add_customer(company, "Acme")
    mod = fixture("customer_mod_rq.xml", request_id="1", list_id=list_id, edit_sequence=first_sequence, phone="111")
    [first] = responses(company.process(message_set(mod)))
    assert first.status_code == 0, first.message
    assert first.ret_text("EditSequence") != first_sequence

    stale = fixture("customer_mod_rq.xml", request_id="2", list_id=list_id, edit_sequence=first_sequence, phone="222")
    [rs] = responses(company.process(message_set(stale)))

    assert (rs.status_code, rs.severity) == (3200, "Error")
    assert rs.message.startswith(f'The provided edit sequence "{first_sequence}" is out-of-date.')
    [customer] = company.customers()
    assert ("Phone", "111") in customer.fields


def test_unknown_list_id_in_a_mod_or_a_query_is_not_found(company: CompanyFile) -> None:
    """GIVEN no customer with ListID 80000099-1700000000
    WHEN it is modified and queried by ListID
    THEN both answers are 3120 naming the ID."""
    missing = "80000099-1700000000"
    mod = fixture("customer_mod_rq.xml", request_id="1", list_id=missing, edit_sequence="1700000000", phone="1")
    query = fixture("customer_query_by_id_rq.xml", request_id="2", list_id=missing)

    rs = responses(company.process(message_set(mod, query, on_error="continueOnError")))

    assert [(r.status_code, r.severity) for r in rs] == [(3120, "Error"), (3120, "Error")]
    assert all(r.message.startswith(f'Object "{missing}" specified in the request cannot be found.') for r in rs)


def test_queries_that_find_nothing_are_not_errors(company: CompanyFile) -> None:
    """GIVEN a customer "Acme"
    WHEN a name filter matches nothing and a FullName query names an absent customer
    THEN the filter answers status 1 (Info) and the FullName query a 500 warning naming the absent one."""
    add_customer(company, "Acme")
    query_filter = fixture("customer_query_filter_rq.xml", request_id="1", max_returned="10", prefix="Zed")
    by_name = fixture("customer_query_by_name_rq.xml", request_id="2", name="Nobody")

    no_match, partial = responses(company.process(message_set(query_filter, by_name)))

    assert (no_match.status_code, no_match.severity, no_match.message) == (
        1,
        "Info",
        "A query request did not find a matching object in QuickBooks",
    )
    assert (partial.status_code, partial.severity) == (500, "Warn")
    assert '("Nobody")' in partial.message


def test_include_ret_element_trims_the_answer(company: CompanyFile) -> None:
    """GIVEN a customer
    WHEN it is queried by ListID with IncludeRetElement ListID, EditSequence and Name
    THEN CustomerRet holds exactly those elements."""
    list_id, _ = add_customer(company, "Acme")

    [rs] = responses(
        company.process(message_set(fixture("customer_query_by_id_rq.xml", request_id="1", list_id=list_id)))
    )

    assert [child.tag for child in rs.rets[0]] == ["ListID", "EditSequence", "Name"]


def test_invoice_query_returns_lines_only_when_asked(company: CompanyFile) -> None:
    """GIVEN an invoice
    WHEN it is queried by customer without and with IncludeLineItems, and by its TxnID
    THEN only the query asking for lines gets InvoiceLineRet."""
    add_customer(company, "Acme")
    [added] = responses(company.process(message_set(invoice_add("Acme"))))
    txn_id = added.ret_text("TxnID") or ""

    plain, with_lines, by_id = responses(
        company.process(
            message_set(
                fixture("invoice_query_rq.xml", request_id="1", customer="Acme", include_lines="false"),
                fixture("invoice_query_rq.xml", request_id="2", customer="Acme", include_lines="true"),
                fixture("invoice_query_by_id_rq.xml", request_id="3", txn_id=txn_id),
            )
        )
    )

    assert [r.ret_text("TxnID") for r in (plain, with_lines, by_id)] == [txn_id] * 3
    assert [len(r.rets[0].findall("InvoiceLineRet")) for r in (plain, with_lines, by_id)] == [0, 2, 0]


def test_iterators_page_through_and_die_with_the_session(company: CompanyFile) -> None:
    """GIVEN five customers
    WHEN an iterator starts with MaxReturned 2 and continues, and the session then ends
    THEN the pages shrink the remaining count, and continuing after the session is a 3391 error."""
    for index in range(5):
        add_customer(company, f"Customer {index}")
    start = fixture("customer_query_iterator_start_rq.xml", request_id="1", max_returned="2")

    [first] = responses(company.process(message_set(start)))
    iterator_id = first.element.get("iteratorID", "")
    continue_rq = fixture(
        "customer_query_iterator_continue_rq.xml", request_id="2", iterator_id=iterator_id, max_returned="2"
    )
    [second] = responses(company.process(message_set(continue_rq)))
    company.close_session()
    [dead] = responses(company.process(message_set(continue_rq)))

    assert re.match(r"^\{[0-9a-f-]{36}\}$", iterator_id)
    assert (len(first.rets), first.element.get("iteratorRemainingCount")) == (2, "3")
    assert (len(second.rets), second.element.get("iteratorRemainingCount")) == (2, "1")
    assert [r.ret_text("Name") for r in (first, second)] == ["Customer 0", "Customer 2"]
    assert (dead.status_code, dead.severity) == (3391, "Error")


def test_unsupported_request_types_are_answered_not_ignored(company: CompanyFile) -> None:
    """GIVEN a request type the simulator does not implement
    WHEN it is sent with continueOnError before a CustomerAdd
    THEN it is answered with status 1030 and the CustomerAdd still runs."""
    rs = responses(
        company.process(
            message_set(
                fixture("purchase_order_query_rq.xml", request_id="1"), customer_add("Acme"), on_error="continueOnError"
            )
        )
    )

    assert [(r.name, r.status_code) for r in rs] == [("PurchaseOrderQueryRs", 1030), ("CustomerAddRs", 0)]


def test_intuit_sdk_customer_sample_adds_a_customer_and_a_job(company: CompanyFile) -> None:
    """GIVEN Intuit's own CustomerAddRq sample (qbXML 2.0: a customer, then a job under it)
    WHEN the simulator processes it
    THEN both are added and the job's FullName and Sublevel follow its parent."""
    sample = (SAMPLES_DIR / "qbxml-requests/intuit-sdk/legacy/CustomerAddRq.xml").read_text(encoding="utf-8")

    customer, job = responses(company.process(sample))

    assert (customer.status_code, job.status_code) == (0, 0)
    assert job.ret_text("FullName") == "Joe Customer:Equipment Installation"
    assert (job.ret_text("Sublevel"), job.ret_text("ParentRef/ListID")) == ("1", customer.ret_text("ListID"))
    assert job.ret_text("JobStatus") == "Awarded"


def test_invoice_sample_with_an_unknown_item_is_refused(company: CompanyFile) -> None:
    """GIVEN the customer of a real InvoiceAdd sample, whose item "Downloaded Invoice" is not in the file
    WHEN the sample invoice is processed
    THEN QuickBooks refuses it with 3140 naming the item."""
    sample = (SAMPLES_DIR / "qbxml-requests/other/invoice_add_rq.xml").read_text(encoding="utf-8")
    list_id = "F560000-1197683156"
    sample = sample.replace(f"<ListID>{list_id}</ListID>", "<FullName>Acme</FullName>")
    add_customer(company, "Acme")

    [rs] = responses(company.process(sample))

    assert rs.status_code == 3140
    assert 'QuickBooks Item "Downloaded Invoice"' in rs.message


@pytest.mark.parametrize(
    ("request_xml", "detail"),
    [
        (message_set(fixture("customer_add_out_of_order_rq.xml", request_id="1", name="Acme")), "Name"),
        (message_set(customer_add("Acme")).replace("</QBXML>", ""), ""),
        (message_set(customer_add("A" * 42)), "maxLength"),
        (message_set(customer_add("Acme")).replace(' onError="stopOnError"', ""), "onError"),
    ],
    ids=["out-of-order", "not-well-formed", "too-long", "no-onError"],
)
def test_invalid_requests_throw_0x80040400_and_change_nothing(
    company: CompanyFile, request_xml: str, detail: str
) -> None:
    """GIVEN a request QuickBooks cannot parse or that breaks Intuit's schema
    WHEN it is processed
    THEN 0x80040400 is thrown instead of a response, and nothing is executed."""
    with pytest.raises(HResultError) as raised:
        company.process(request_xml)

    assert raised.value.hresult == "0x80040400"
    assert raised.value.message == "QuickBooks found an error when parsing the provided XML text stream."
    assert detail in raised.value.detail
    assert company.executions == []
    assert company.customers() == ()


def test_versions_the_file_does_not_support_are_refused(company: CompanyFile, modern_company: CompanyFile) -> None:
    """GIVEN a QuickBooks 2014 file (up to 13.0) and a 2023 file (up to 16.0)
    WHEN each processes a qbXML 16.0 CustomerAdd
    THEN the 2014 file throws 0x80040400 about the version and the 2023 file adds the customer."""
    request_xml = message_set(customer_add("Acme"), version="16.0")

    with pytest.raises(HResultError) as raised:
        company.process(request_xml)
    [rs] = responses(modern_company.process(request_xml))

    assert raised.value.hresult == "0x80040400"
    assert '"16.0"' in raised.value.message
    assert rs.status_code == 0


def test_company_file_path_is_checked_when_opening(company: CompanyFile) -> None:
    """GIVEN the open company file
    WHEN a session asks for the same path in other case, then for another file
    THEN the first opens and the second throws 0x8004040A."""
    company.open_session(company.path.upper())

    with pytest.raises(HResultError) as raised:
        company.open_session(r"C:\Elsewhere\Other.qbw")

    assert raised.value.hresult == "0x8004040A"
    assert company.sessions_opened == 1


def test_text_outside_latin1_is_stored_as_question_marks(company: CompanyFile) -> None:
    """GIVEN a customer name with an accent (Latin-1) and a curly apostrophe (not Latin-1)
    WHEN it is added
    THEN the accent survives and the curly apostrophe comes back as "?", as QuickBooks stores it."""
    [rs] = responses(company.process(message_set(customer_add("Café O\u2019Brien"))))

    assert rs.status_code == 0
    assert rs.ret_text("Name") == "Café O?Brien"
