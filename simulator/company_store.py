"""A simulated company file on disk, so that its data outlives one run of the simulator.

QuickBooks keeps a company file on disk; :class:`~simulator.quickbooks.CompanyFile` keeps one in
memory. ``python -m simulator --company-file PATH`` (and the ``make run`` demo with ``--data``) load
the file when it exists and save it after every session and at exit, so a customer added in one run
is there, with the same ``ListID`` and ``EditSequence``, in the next one.

:func:`save` writes what QuickBooks has on disk, as JSON: the company's identity (name, path,
country, address), customers and jobs, invoices, items and the built-in accounts, data extensions
(the Web Connector's ``FileID`` stamp), the log of deleted list elements and transactions
(``ListDeletedQuery``/``TxnDeletedQuery`` answer from it; a file saved before it was kept loads with
an empty log), the answers remembered for error recovery (``newMessageSetID``) and the counters that
number new records. It is written atomically: a crash
leaves the previous version. What QuickBooks holds only while it runs is not saved: open iterators
(they end with the session anyway, so a ``Continue`` after a restart gets 3391), executions,
injected faults and the held condition.

:func:`load` fills a new, empty file with the saved data. The installation is not part of a company
file: product name and version and the supported qbXML versions come from the file :func:`load` is
given (``--modern`` or not), as when one company file is opened in another QuickBooks.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulator.quickbooks import CompanyFile
from simulator.records import Customer, Deletion, Invoice, InvoiceLine, Item, Node, Ref

FORMAT = "qbd-gateway simulator company file"
VERSION = 1
INSTALLATION = ("product_name", "major_version", "minor_version", "supported_versions")
"""Profile fields of the QuickBooks installation, not of the company file."""


def _node(node: Node) -> list[Any]:
    tag, body = node
    return [tag, body if isinstance(body, str) else [_node(child) for child in body]]


def _unnode(raw: list[Any]) -> Node:
    tag, body = raw
    return (str(tag), str(body) if isinstance(body, str) else tuple(_unnode(child) for child in body))


def _ref(ref: Ref | None) -> list[str] | None:
    return None if ref is None else [ref.list_id, ref.full_name]


def _unref(raw: list[str] | None) -> Ref | None:
    return None if raw is None else Ref(raw[0], raw[1])


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _unnumber(raw: str | None) -> Decimal | None:
    return None if raw is None else Decimal(raw)


def _customer(customer: Customer) -> dict[str, Any]:
    return {**{f.name: getattr(customer, f.name) for f in dataclasses.fields(Customer) if f.name != "fields"},
            "fields": [_node(node) for node in customer.fields]}


def _uncustomer(raw: dict[str, Any]) -> Customer:
    return Customer(**{**raw, "fields": tuple(_unnode(node) for node in raw["fields"])})


def _line(line: InvoiceLine) -> dict[str, Any]:
    return {"txn_line_id": line.txn_line_id, "item": _ref(line.item), "desc": line.desc,
            "quantity": _number(line.quantity), "rate": _number(line.rate), "amount": str(line.amount),
            "fields": [_node(node) for node in line.fields]}


def _unline(raw: dict[str, Any]) -> InvoiceLine:
    return InvoiceLine(raw["txn_line_id"], _unref(raw["item"]), raw["desc"], _unnumber(raw["quantity"]),
                       _unnumber(raw["rate"]), Decimal(raw["amount"]), tuple(_unnode(n) for n in raw["fields"]))


def _invoice(invoice: Invoice) -> dict[str, Any]:
    plain = ("txn_id", "txn_number", "customer_id", "time_created", "time_modified", "edit_sequence", "txn_date",
             "ref_number")
    return {**{name: getattr(invoice, name) for name in plain}, "lines": [_line(line) for line in invoice.lines],
            "fields": [_node(node) for node in invoice.fields], "applied_amount": str(invoice.applied_amount)}


def _uninvoice(raw: dict[str, Any]) -> Invoice:
    return Invoice(**{**raw, "lines": tuple(_unline(line) for line in raw["lines"]),
                      "fields": tuple(_unnode(node) for node in raw["fields"]),
                      "applied_amount": Decimal(raw["applied_amount"])})


def dump(company: CompanyFile) -> dict[str, Any]:
    """The company file's data as a JSON-ready dict."""
    with company._lock:
        ledger = company._ledger
        profile = {k: v for k, v in dataclasses.asdict(company.profile).items() if k not in INSTALLATION}
        return {
            "format": FORMAT, "version": VERSION, "profile": profile,
            "customers": [_customer(c) for c in ledger.customers.values()],
            "invoices": [_invoice(i) for i in ledger.invoices.values()],
            "items": [[i.list_id, i.name, i.description, str(i.price)] for i in ledger.items.values()],
            "refs": {name: _ref(getattr(ledger, name)) for name in ("ar_account", "invoice_template", "non_taxable")},
            "data_ext": [[owner, name, value] for (owner, name), value in ledger.data_ext.items()],
            "deletions": [dataclasses.asdict(deletion) for deletion in ledger.deletions],
            "counters": {"list": ledger._list_counter, "txn": ledger._txn_counter, "txn_number": ledger._txn_number,
                         "ref_number": ledger._ref_number, "edit_sequence": ledger._last_edit_sequence},
            "recovery": {key: list(answers) for key, answers in company._recovery.items()},
        }


def save(company: CompanyFile, path: Path) -> None:
    """Write the company file to ``path`` atomically (the previous version stays until the new one is whole)."""
    text = json.dumps(dump(company), ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


def _parents_first(customers: list[Customer]) -> list[Customer]:
    """A job can be moved under a customer created after it; loading needs every parent first."""
    by_id = {c.list_id: c for c in customers}

    def depth(customer: Customer) -> int:
        level, parent = 0, customer.parent_id
        while parent is not None and parent in by_id:
            level, parent = level + 1, by_id[parent].parent_id
        return level

    return sorted(customers, key=depth)


def load(company: CompanyFile, path: Path) -> CompanyFile:
    """Fill ``company`` (new and empty) with the file saved at ``path``; ``ValueError`` if it is not one."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT or raw.get("version") != VERSION:
            raise ValueError(f"not a version {VERSION} {FORMAT}")
        customers = _parents_first([_uncustomer(c) for c in raw["customers"]])
        invoices = [_uninvoice(i) for i in raw["invoices"]]
        items = [Item(list_id, name, description, Decimal(price)) for list_id, name, description, price in raw["items"]]
        deletions = [Deletion(**deletion) for deletion in raw.get("deletions", [])]
        identity = {k: v for k, v in raw["profile"].items() if k not in INSTALLATION}
        profile = dataclasses.replace(company.profile, **identity)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a simulated company file: {exc}") from None
    with company._lock:
        ledger = company._ledger
        if ledger.customers or ledger.invoices:
            raise ValueError("a company file can be loaded only into an empty one")
        company.profile = ledger.profile = profile
        ledger.items = {item.list_id: item for item in items}
        for name, ref in raw["refs"].items():
            setattr(ledger, name, _unref(ref))
        ledger.load(customers, invoices)
        ledger.data_ext = {(owner, name): value for owner, name, value in raw["data_ext"]}
        ledger.deletions = deletions
        counters = raw["counters"]
        ledger._list_counter, ledger._txn_counter = counters["list"], counters["txn"]
        ledger._txn_number, ledger._ref_number = counters["txn_number"], counters["ref_number"]
        ledger._last_edit_sequence = max(ledger._last_edit_sequence, counters["edit_sequence"])
        company._recovery = {key: tuple(answers) for key, answers in raw["recovery"].items()}
    return company


def load_or_create(path: Path, make: Callable[[], CompanyFile]) -> CompanyFile:
    """``make()``, filled from ``path`` when a company file was saved there."""
    company = make()
    return load(company, path) if path.exists() else company
