"""CustomerQueryRq and InvoiceQueryRq written in the order of Intuit's schema, for the paging tests.

Every element is optional and comes out only when given, in the 16.0 schema's sequence:

- CustomerQuery: ``MaxReturned``, ``ActiveStatus``, ``FromModifiedDate``, ``ToModifiedDate``,
  then ``NameFilter`` *or* ``NameRangeFilter``, then ``IncludeRetElement``;
- InvoiceQuery: ``MaxReturned``, ``ModifiedDateRangeFilter`` *or* ``TxnDateRangeFilter``,
  ``PaidStatus``, ``IncludeLineItems``, ``IncludeRetElement``.

The iterator and ``metaData`` are attributes. Values are XML-escaped. Answers are read with
``support.responses`` (lxml), never with the simulator's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from simulator.quickbooks import CompanyFile
from tests.unit.simulator.support import Rs, message_set, responses


def _leaf(tag: str, value: str | None) -> str:
    return "" if value is None else f"<{tag}>{escape(value)}</{tag}>"


def _open(name: str, request_id: str, iterator: str | None, iterator_id: str | None, meta: str | None) -> str:
    attributes = f" requestID={quoteattr(request_id)}"
    if iterator is not None:
        attributes += f" iterator={quoteattr(iterator)}"
    if iterator_id is not None:
        attributes += f" iteratorID={quoteattr(iterator_id)}"
    if meta is not None:
        attributes += f" metaData={quoteattr(meta)}"
    return f"<{name}{attributes}>"


def customer_query(
    *,
    request_id: str = "1",
    iterator: str | None = None,
    iterator_id: str | None = None,
    meta: str | None = None,
    max_returned: int | None = None,
    active: str | None = None,
    from_modified: str | None = None,
    to_modified: str | None = None,
    name_filter: tuple[str, str] | None = None,
    from_name: str | None = None,
    to_name: str | None = None,
    include: Sequence[str] = (),
) -> str:
    """One ``CustomerQueryRq``; ``name_filter`` is (MatchCriterion, Name)."""
    body = _leaf("MaxReturned", None if max_returned is None else str(max_returned))
    body += _leaf("ActiveStatus", active) + _leaf("FromModifiedDate", from_modified)
    body += _leaf("ToModifiedDate", to_modified)
    if name_filter is not None:
        body += f"<NameFilter>{_leaf('MatchCriterion', name_filter[0])}{_leaf('Name', name_filter[1])}</NameFilter>"
    elif from_name is not None or to_name is not None:
        body += f"<NameRangeFilter>{_leaf('FromName', from_name)}{_leaf('ToName', to_name)}</NameRangeFilter>"
    body += "".join(_leaf("IncludeRetElement", name) for name in include)
    return _open("CustomerQueryRq", request_id, iterator, iterator_id, meta) + body + "</CustomerQueryRq>"


def invoice_query(
    *,
    request_id: str = "1",
    iterator: str | None = None,
    iterator_id: str | None = None,
    meta: str | None = None,
    max_returned: int | None = None,
    from_modified: str | None = None,
    to_modified: str | None = None,
    from_date: str | None = None,
    to_date: str | None = None,
    paid: str | None = None,
    lines: bool | None = None,
    include: Sequence[str] = (),
) -> str:
    """One ``InvoiceQueryRq`` (modified dates and txn dates are a choice: give one kind)."""
    body = _leaf("MaxReturned", None if max_returned is None else str(max_returned))
    if from_modified is not None or to_modified is not None:
        body += "<ModifiedDateRangeFilter>"
        body += _leaf("FromModifiedDate", from_modified) + _leaf("ToModifiedDate", to_modified)
        body += "</ModifiedDateRangeFilter>"
    elif from_date is not None or to_date is not None:
        body += (
            f"<TxnDateRangeFilter>{_leaf('FromTxnDate', from_date)}{_leaf('ToTxnDate', to_date)}</TxnDateRangeFilter>"
        )
    body += _leaf("PaidStatus", paid) + _leaf("IncludeLineItems", None if lines is None else str(lines).lower())
    body += "".join(_leaf("IncludeRetElement", name) for name in include)
    return _open("InvoiceQueryRq", request_id, iterator, iterator_id, meta) + body + "</InvoiceQueryRq>"


def ask(company: CompanyFile, request: str, version: str = "16.0") -> Rs:
    """Send one request in its own message set and return its ``*Rs``."""
    [rs] = responses(company.process(message_set(request, version=version)))
    return rs


def attribute(rs: Rs, name: str) -> str | None:
    value = rs.element.get(name)
    return None if value is None else str(value)


def texts(rs: Rs, tag: str) -> list[str]:
    """``tag``'s text in every ``*Ret`` of the answer, in order."""
    return [str(ret.findtext(tag)) for ret in rs.rets]
