"""The SDK's typed resources end to end: ``client.customers``/``client.invoices`` (sync and async) against the
gateway as ``make run`` serves it, a simulated Web Connector and QuickBooks 2023 over real SOAP.

Records come back as the SDK's own typed models (``qbd_gateway_sdk.qbxml``: Decimal amounts, ``id``), a
stale revision as ``StaleRevisionError``, a list of 23 customers ten at a time as one iterator over three
pages. A simulated Web Connector runs an update every 0.2 s in a thread (qbXML 16.0).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from qbd_gateway_sdk import AsyncClient, Client, JobTimeoutError, NotFoundError, StaleRevisionError
from qbd_gateway_sdk.qbxml.customer import CustomerRet
from qbd_gateway_sdk.qbxml.invoice import InvoiceLineRet, InvoiceRet

from simulator import CompanyFile, WebConnector
from tests.e2e.support import connector, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e


class CountingSession(requests.Session):
    """A requests session that remembers each request's method and path (a response hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []
        self.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.calls.append((response.request.method or "", urlsplit(response.request.url or "").path))


@dataclass
class Books:
    process: GatewayProcess
    client: Client
    session: CountingSession
    end_user_id: str
    company: CompanyFile
    web_connector: WebConnector


@pytest.fixture(scope="module")
def books(gateway_process: GatewayProcess) -> Iterator[Books]:
    """GIVEN an end-user made with the SDK, whose Web Connector runs an update every 0.2 s (QuickBooks 2023)."""
    session = CountingSession()
    client = Client(gateway_process.base_url, gateway_process.api_key, session=session, call_timeout=60)
    user = client.create_end_user(unique("SDK Typed Co"), idempotency_key=unique("signup"))
    company = CompanyFile.modern(user.company_name, schema_dir=SCHEMA_DIR)
    web_connector = connector(gateway_process, user.model_dump(), company)
    thread = threading.Thread(target=web_connector.run_forever, args=(0.2,), daemon=True)
    thread.start()
    try:
        yield Books(gateway_process, client, session, user.id, company, web_connector)
    finally:
        web_connector.stop()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def customer(books: Books) -> CustomerRet:
    """A customer created through the SDK (the invoice test bills it)."""
    return books.client.customers.create(books.end_user_id, name=unique("Harbor Plumbing"), phone="555-0100",
                                         bill_address={"city": "Oslo"}, idempotency_key=unique("create"))


def test_a_customer_is_created_retrieved_updated_and_a_stale_update_refused(books: Books,
                                                                          customer: CustomerRet) -> None:
    client, eu = books.client, books.end_user_id
    # THEN the create answered the QuickBooks record, typed
    assert isinstance(customer, CustomerRet) and customer.id == customer.list_id and customer.revision_number
    assert customer.bill_address is not None and customer.bill_address.city == "Oslo"
    assert customer.balance is None or isinstance(customer.balance, Decimal)
    assert [c.name for c in books.company.customers() if c.list_id == customer.id] == [customer.name]
    # WHEN it is read back by id  THEN it is the same record
    read = client.customers.retrieve(eu, customer.id or "")
    assert isinstance(read, CustomerRet) and (read.id, read.name, read.phone) == (customer.id, customer.name,
                                                                                  "555-0100")
    # WHEN it is changed on its current revision  THEN the answer has the change and a new revision
    changed = client.customers.update(eu, customer.id or "", revision_number=customer.revision_number or "",
                                      phone="555-0199", idempotency_key=unique("update"))
    assert changed.phone == "555-0199" and changed.revision_number != customer.revision_number
    # WHEN it is changed again on the revision that is no longer current  THEN StaleRevisionError, with its job
    with pytest.raises(StaleRevisionError) as stale:
        client.customers.update(eu, customer.id or "", revision_number=customer.revision_number or "",
                                phone="555-0111")
    assert stale.value.http_status == 409 and stale.value.code == "stale_edit_sequence"
    assert "changed in QuickBooks" in stale.value.user_facing_message and stale.value.request_id
    assert client.customers.retrieve(eu, customer.id or "").phone == "555-0199"
    # AND an id QuickBooks does not have is NotFoundError
    with pytest.raises(NotFoundError):
        client.customers.retrieve(eu, "80000000-0000000000")


def test_23_customers_are_listed_ten_a_page_in_order_sync_and_async(books: Books) -> None:
    client, eu = books.client, books.end_user_id
    prefix = unique("Walk")
    names = sorted(f"{prefix} {n:02d}" for n in range(23))
    # GIVEN 23 customers, enqueued without waiting (timeout=0: the JobTimeoutError names each job)
    jobs = []
    for name in names:
        try:
            client.customers.create(eu, name=name, timeout=0)
        except JobTimeoutError as pending:
            jobs.append(pending.job_id)
    assert len(jobs) == len(names)
    assert CustomerRet.model_validate(client.wait_for_result(jobs[-1] or "")).name == names[-1]
    # WHEN they are listed ten at a time  THEN the iterator yields exactly those 23, in order, in three calls
    before = len(books.session.calls)
    listed = list(client.customers.list(end_user_id=eu, name_starts_with=prefix, limit=10))
    assert [c.name for c in listed] == names and all(isinstance(c, CustomerRet) and c.id for c in listed)
    lists = [call for call in books.session.calls[before:] if call == ("GET", f"/v1/end-users/{eu}/customers")]
    assert len(lists) == 3

    # AND the same with the async client
    async def walk() -> tuple[list[str], CustomerRet]:
        async with AsyncClient(books.process.base_url, books.process.api_key, call_timeout=60) as aclient:
            found = [c.name or "" async for c in aclient.customers.list(eu, name_starts_with=prefix, limit=10)]
            one = await aclient.customers.retrieve(eu, listed[0].id or "")
            return found, one

    found, one = asyncio.run(walk())
    assert found == names
    assert isinstance(one, CustomerRet) and one.name == names[0]


def test_an_invoice_is_created_for_the_customer_with_lines(books: Books, customer: CustomerRet) -> None:
    client, eu = books.client, books.end_user_id
    # WHEN an invoice is created for the customer (by name) with two lines
    invoice = client.invoices.create(
        eu, customer={"full_name": customer.full_name}, ref_number="SDK-1",
        lines=[{"desc": "Consulting", "quantity": 2, "rate": Decimal("75.00")},
               {"desc": "Travel", "amount": Decimal("40.00")}],
        idempotency_key=unique("invoice"))
    # THEN it is the typed QuickBooks invoice: for that customer, its lines and amounts exact
    assert isinstance(invoice, InvoiceRet) and invoice.id == invoice.txn_id and invoice.ref_number == "SDK-1"
    assert invoice.customer_ref is not None and invoice.customer_ref.list_id == customer.id
    assert [type(line) for line in invoice.lines] == [InvoiceLineRet, InvoiceLineRet]
    amounts = [line.amount for line in invoice.lines if isinstance(line, InvoiceLineRet)]
    assert amounts == [Decimal("150.00"), Decimal("40.00")] and invoice.subtotal == Decimal("190.00")
    # AND reading it back gives the same lines
    read = client.invoices.retrieve(eu, invoice.id or "")
    assert [line.desc for line in read.lines if isinstance(line, InvoiceLineRet)] == ["Consulting", "Travel"]


def test_the_main_object_groups_through_the_sdk(books: Books) -> None:
    """Vendors, items, bills, payments, estimates, sales orders, journal entries: typed models both ways."""
    client, eu, tag = books.client, books.end_user_id, unique("S")[2:]
    income = client.accounts.create(eu, name=f"Sales {tag}", account_type="Income")
    expense = client.accounts.create(eu, name=f"Supplies {tag}", account_type="Expense")
    bank = client.accounts.create(eu, name=f"Checking {tag}", account_type="Bank")
    item = client.service_items.create(eu, name=f"Labor {tag}", sales_or_purchase={
        "price": Decimal("80.00"), "account": {"list_id": income.id}})
    customer = client.customers.create(eu, name=f"Client {tag}")
    vendor = client.vendors.create(eu, name=f"Supplier {tag}")
    line = {"item": {"list_id": item.id}, "quantity": Decimal("2"), "rate": Decimal("80.00")}
    invoice = client.invoices.create(eu, customer={"list_id": customer.id}, lines=[line])
    payment = client.receive_payments.create(eu, customer={"list_id": customer.id}, total_amount=Decimal("60.00"),
                                             applied_to_txn_add=[{"txn_id": invoice.id,
                                                                  "payment_amount": Decimal("60.00")}])
    bill = client.bills.create(eu, vendor={"list_id": vendor.id},
                               expense_line_add=[{"account": {"list_id": expense.id}, "amount": Decimal("12.50")}])
    estimate = client.estimates.create(eu, customer={"list_id": customer.id}, lines=[line])
    order = client.sales_orders.create(eu, customer={"list_id": customer.id}, lines=[line])
    entry = client.journal_entries.create(eu, lines=[
        {"element": "JournalDebitLine", "account": {"list_id": expense.id}, "amount": Decimal("5.00")},
        {"element": "JournalCreditLine", "account": {"list_id": bank.id}, "amount": Decimal("5.00")}])
    # THEN each comes back as its typed model, and reads back by id
    assert client.invoices.retrieve(eu, invoice.id).balance_remaining == Decimal("100.00")
    for resource, record in ((client.vendors, vendor), (client.service_items, item), (client.bills, bill),
                             (client.receive_payments, payment), (client.estimates, estimate),
                             (client.sales_orders, order), (client.journal_entries, entry)):
        again = resource.retrieve(eu, record.id)
        assert type(again) is type(record) and again.id == record.id
    assert bill.amount_due == Decimal("12.50") and type(bill).__name__ == "BillRet"
    assert [v.id for v in client.vendors.list(end_user_id=eu, name_starts_with=f"Supplier {tag}")] == [vendor.id]
    assert client.journal_entries.void(eu, entry.id).voided
    assert client.estimates.delete(eu, estimate.id).deleted
    with pytest.raises(NotFoundError):
        client.estimates.retrieve(eu, estimate.id)
