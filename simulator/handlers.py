"""The request types the simulated company file answers, each by its handler; any other ``*Rq`` is
answered with status 1030 (not supported) by :class:`~simulator.quickbooks.CompanyFile`."""

from __future__ import annotations

from simulator import company_info, customers, deletions, invoices, objects
from simulator.ledger import Handler

HANDLERS: dict[str, Handler] = {
    "HostQueryRq": company_info.host_query,
    "CompanyQueryRq": company_info.company_query,
    "PreferencesQueryRq": company_info.preferences_query,
    "CustomerAddRq": customers.add,
    "CustomerModRq": customers.mod,
    "CustomerQueryRq": customers.query,
    "InvoiceAddRq": invoices.add,
    "InvoiceModRq": invoices.mod,
    "InvoiceQueryRq": invoices.query,
    "ListDelRq": deletions.list_del,
    "TxnDelRq": deletions.txn_del,
    "TxnVoidRq": deletions.txn_void,
    "ListDeletedQueryRq": deletions.list_deleted_query,
    "TxnDeletedQueryRq": deletions.txn_deleted_query,
    **objects.HANDLERS,
}
"""Request type → handler; any other ``*Rq`` is answered with status 1030 (not supported).

Vendors, employees, accounts, classes, items, bills, payments, estimates, sales orders and journal
entries are answered by :mod:`simulator.objects`; deletions, voids and the queries of what was deleted
(``ListDeletedQueryRq``, ``TxnDeletedQueryRq``) by :mod:`simulator.deletions`.
"""
