"""CustomerAdd, CustomerMod and CustomerQuery, answered as QuickBooks answers them.

The rules a gateway has to live with, and which the simulator therefore enforces:

- names are unique without regard to case (``3100 The name "X" of the list element is already in
  use.``), also against vendors and employees (one name list in QuickBooks); a job's name is
  unique under its parent, its ``FullName`` is ``Parent:Job``;
- a ``CustomerMod`` must name the record by ``ListID`` (unknown → 3120) and carry its current
  ``EditSequence`` (stale → 3200); every successful modification issues a new ``EditSequence``;
- a query by ``ListID`` fails with 3120 when one of them does not exist; a query by ``FullName``
  answers with the customers it found and a 500 *warning* naming the first one it did not find;
  a filter that matches nothing answers statusCode 1, which is not an error;
- ``ActiveStatus`` defaults to ``ActiveOnly``; results come sorted by ``FullName`` without regard
  to case — the order a gateway resumes a lost iterator in, with ``NameRangeFilter/FromName`` set
  to the last name it got (inclusive: that record comes again, nothing is skipped);
  ``FromModifiedDate``/``ToModifiedDate`` are inclusive to the second. "Without regard to case"
  is ``str.casefold`` and then code-point order, so ``Østergaard`` and ``Éclair`` sort after ``Zed``;
  Intuit does not document QuickBooks' collation, and this is the order the gateway compares in.

Fields the simulator does not interpret are kept as sent and returned in ``CustomerRet`` in schema
order; ``BillAddressBlock``/``ShipAddressBlock``, ``Balance`` and ``TotalBalance`` are computed.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from lxml import etree

from simulator.ledger import Answer, Ledger, parse_moment, ref_label
from simulator.paging import Page, paginate
from simulator.qbxml_text import (
    assemble,
    elements,
    first,
    format_amount,
    format_bool,
    local,
    parse_bool,
    text_of,
    texts_of,
    to_node,
)
from simulator.records import (
    PARSE_ERROR_HRESULT,
    PARSE_ERROR_MESSAGE,
    Customer,
    HResultError,
    Node,
    Status,
    agg,
    child_text,
    leaf,
)

CUSTOMER_RET_ORDER: tuple[str, ...] = (
    "ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName", "IsActive",
    "ClassRef", "ParentRef", "Sublevel", "CompanyName", "Salutation", "FirstName", "MiddleName",
    "LastName", "Suffix", "JobTitle", "BillAddress", "BillAddressBlock", "ShipAddress",
    "ShipAddressBlock", "ShipToAddress", "PrintAs", "Phone", "Mobile", "Pager", "AltPhone", "Fax",
    "Email", "Cc", "Contact", "AltContact", "AdditionalContactRef", "ContactsRet", "CustomerTypeRef",
    "TermsRef", "SalesRepRef", "Balance", "TotalBalance", "SalesTaxCodeRef", "ItemSalesTaxRef",
    "SalesTaxCountry", "ResaleNumber", "AccountNumber", "CreditLimit", "PreferredPaymentMethodRef",
    "CreditCardInfo", "JobStatus", "JobStartDate", "JobProjectedEndDate", "JobEndDate", "JobDesc",
    "JobTypeRef", "Notes", "AdditionalNotesRet", "IsStatementWithParent", "DeliveryMethod",
    "PreferredDeliveryMethod", "PriceLevelRef", "ExternalGUID", "TaxRegistrationNumber",
    "CurrencyRef", "DataExtRet",
)  # fmt: skip
"""``CustomerRet`` children in the order of Intuit's schema (identical in 13.0 and 16.0)."""

_COMPUTED = frozenset(
    {
        "ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName", "IsActive",
        "ParentRef", "Sublevel", "BillAddressBlock", "ShipAddressBlock", "Balance", "TotalBalance",
        "ContactsRet", "AdditionalNotesRet", "DataExtRet",
    }
)  # fmt: skip
_STORED = frozenset(CUSTOMER_RET_ORDER) - _COMPUTED
"""Fields taken from CustomerAdd/CustomerMod as sent (everything else in the request is ignored)."""


def address_block(address: Node, tag: str) -> Node:
    """QuickBooks' printable five-line rendering of an address (each line at most 41 characters)."""
    lines = [text for key in ("Addr1", "Addr2", "Addr3", "Addr4", "Addr5") if (text := child_text(address, key))]
    city_state = ", ".join(part for part in (child_text(address, "City"), child_text(address, "State")) if part)
    city_line = " ".join(part for part in (city_state, child_text(address, "PostalCode")) if part)
    lines += [line for line in (city_line, child_text(address, "Country")) if line]
    return agg(tag, *(leaf(f"Addr{index}", line[:41]) for index, line in enumerate(lines[:5], start=1)))


def customer_ret(ledger: Ledger, customer: Customer) -> Node:
    parts: dict[str, list[Node]] = defaultdict(list)
    for node in customer.fields:
        parts[node[0]].append(node)
    parts["ListID"] = [leaf("ListID", customer.list_id)]
    parts["TimeCreated"] = [leaf("TimeCreated", customer.time_created)]
    parts["TimeModified"] = [leaf("TimeModified", customer.time_modified)]
    parts["EditSequence"] = [leaf("EditSequence", customer.edit_sequence)]
    parts["Name"] = [leaf("Name", customer.name)]
    parts["FullName"] = [leaf("FullName", ledger.full_name(customer))]
    parts["IsActive"] = [leaf("IsActive", format_bool(customer.is_active))]
    if customer.parent_id is not None:
        parts["ParentRef"] = [ledger.customer_ref(ledger.customers[customer.parent_id]).node("ParentRef")]
    parts["Sublevel"] = [leaf("Sublevel", str(ledger.sublevel(customer)))]
    for address, block in (("BillAddress", "BillAddressBlock"), ("ShipAddress", "ShipAddressBlock")):
        if parts.get(address):
            parts[block] = [address_block(parts[address][0], block)]
    parts["Balance"] = [leaf("Balance", format_amount(ledger.balance(customer.list_id)))]
    parts["TotalBalance"] = [leaf("TotalBalance", format_amount(ledger.total_balance(customer.list_id)))]
    if not parts.get("JobStatus"):
        parts["JobStatus"] = [leaf("JobStatus", "None")]
    parts["CreditLimit"] = [_as_amount(node) for node in parts.get("CreditLimit", [])]
    return assemble("CustomerRet", CUSTOMER_RET_ORDER, parts)


def _as_amount(node: Node) -> Node:
    """Amounts come back with two decimals (``2000`` is returned as ``2000.00``)."""
    tag, value = node
    if isinstance(value, str):
        try:
            return (tag, format_amount(Decimal(value)))
        except InvalidOperation:
            return node
    return node


def _stored_fields(source: etree._Element) -> dict[str, list[Node] | None]:
    """The storable fields of a CustomerAdd/CustomerMod by tag; ``None`` marks a field sent empty."""
    fields: dict[str, list[Node] | None] = {}
    for element in elements(source):
        tag = local(element)
        if tag not in _STORED:
            continue
        node = to_node(element)
        if node is None:
            fields.setdefault(tag, None)
        else:
            existing = fields.get(tag)
            fields[tag] = [*(existing or []), node]
    return fields


def _required(parent: etree._Element | None, tag: str) -> etree._Element:
    child = first(parent, tag) if parent is not None else None
    if child is None:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail=f"missing element {tag}")
    return child


def add(ledger: Ledger, request: etree._Element) -> Answer:
    customer_add = _required(request, "CustomerAdd")
    name = text_of(customer_add, "Name")
    if name is None:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail="CustomerAdd without Name")
    parent_id: str | None = None
    parent_ref = first(customer_add, "ParentRef")
    if parent_ref is not None:
        parent = ledger.resolve_customer(parent_ref)
        if parent is None:
            return Answer(Status.invalid_reference("Customer", ref_label(parent_ref), "Customer"))
        parent_id = parent.list_id
    prefix = f"{ledger.full_name(ledger.customers[parent_id])}:" if parent_id else ""
    if ledger.customer_named(prefix + name) is not None or (not prefix and ledger.entity_name_in_use(name)):
        return Answer(Status.name_in_use(name))
    time, edit_sequence = ledger.stamp()
    fields = _stored_fields(customer_add)
    customer = Customer(
        list_id=ledger.new_list_id(edit_sequence),
        name=name,
        parent_id=parent_id,
        is_active=parse_bool(text_of(customer_add, "IsActive"), default=True),
        time_created=time,
        time_modified=time,
        edit_sequence=edit_sequence,
        fields=tuple(node for nodes in fields.values() if nodes for node in nodes),
    )
    ledger.add_customer(customer)
    return Answer(Status.ok(), (customer_ret(ledger, customer),))


def mod(ledger: Ledger, request: etree._Element) -> Answer:
    customer_mod = _required(request, "CustomerMod")
    list_id = text_of(customer_mod, "ListID") or ""
    edit_sequence = text_of(customer_mod, "EditSequence") or ""
    customer = ledger.customers.get(list_id)
    if customer is None:
        return Answer(Status.object_not_found(list_id))
    if edit_sequence != customer.edit_sequence:
        return Answer(Status.stale_edit_sequence(edit_sequence))
    parent_id = customer.parent_id
    parent_ref = first(customer_mod, "ParentRef")
    if parent_ref is not None:
        parent = ledger.resolve_customer(parent_ref)
        if parent is None or ledger.is_descendant(parent.list_id, customer.list_id):
            return Answer(Status.invalid_reference("Customer", ref_label(parent_ref), "Customer"))
        parent_id = parent.list_id
    name = text_of(customer_mod, "Name") or customer.name
    prefix = f"{ledger.full_name(ledger.customers[parent_id])}:" if parent_id else ""
    taken = ledger.customer_named(prefix + name, exclude=customer.list_id) is not None
    if taken or (not prefix and ledger.entity_name_in_use(name)):
        return Answer(Status.name_in_use(name))
    merged: dict[str, list[Node]] = defaultdict(list)
    for node in customer.fields:
        merged[node[0]].append(node)
    for tag, nodes in _stored_fields(customer_mod).items():
        merged[tag] = nodes or []
    time, new_sequence = ledger.stamp()
    updated = replace(
        customer,
        name=name,
        parent_id=parent_id,
        is_active=parse_bool(text_of(customer_mod, "IsActive"), default=customer.is_active),
        time_modified=time,
        edit_sequence=new_sequence,
        fields=tuple(node for nodes in merged.values() for node in nodes),
    )
    ledger.replace_customer(updated)
    return Answer(Status.ok(), (customer_ret(ledger, updated),))


def query(ledger: Ledger, request: etree._Element) -> Answer:
    list_ids = texts_of(request, "ListID")
    full_names = texts_of(request, "FullName")
    if list_ids:
        missing = next((list_id for list_id in list_ids if list_id not in ledger.customers), None)
        if missing is not None:
            return Answer(Status.object_not_found(missing))
        return _answer(ledger, Status.ok(), Page(tuple(list_ids)))
    if full_names:
        found = [ledger.customer_named(name) for name in full_names]
        keys = tuple(customer.list_id for customer in found if customer is not None)
        absent = [name for name, customer in zip(full_names, found, strict=True) if customer is None]
        return _answer(ledger, Status.partial(absent[0]) if absent else Status.ok(), Page(keys))
    page = paginate(ledger.iterators, request, lambda: matching(ledger, request))
    if isinstance(page, Status):
        return Answer(page)
    return _answer(ledger, page.status(), page)


def _answer(ledger: Ledger, status: Status, page: Page) -> Answer:
    customers = ledger.customers  # a customer deleted since an iterator started is left out
    rets = tuple(customer_ret(ledger, customers[key]) for key in page.keys if key in customers)
    return Answer(status, rets, page.attributes)


def matching(ledger: Ledger, request: etree._Element) -> list[str]:
    """The ListIDs a filtered CustomerQuery matches, in FullName order without regard to case.

    ``NameRangeFilter`` (``FromName``/``ToName``, both inclusive) and ``NameFilter`` ``StartsWith``
    are a slice of the cached :class:`~simulator.ledger.NameOrder`, found by bisection; the other
    filters are checked on that slice only. FullNames compare casefolded and whole (``ToName``
    ``Acme`` excludes its job ``Acme:Kitchen``, which sorts after it).
    """
    order = ledger.name_order()
    keys, ids = order.keys, order.ids
    low, high = 0, len(keys)
    name_filter = first(request, "NameFilter")
    range_filter = first(request, "NameRangeFilter")
    wanted, criterion = "", "StartsWith"
    if range_filter is not None:
        from_name, to_name = text_of(range_filter, "FromName"), text_of(range_filter, "ToName")
        if from_name is not None:
            low = bisect.bisect_left(keys, from_name.casefold())
        if to_name is not None:
            high = max(low, bisect.bisect_right(keys, to_name.casefold()))
    elif name_filter is not None:
        criterion = text_of(name_filter, "MatchCriterion") or "StartsWith"
        wanted = (text_of(name_filter, "Name") or "").casefold()
        if criterion == "StartsWith":
            low = bisect.bisect_left(keys, wanted)
            high = low
            while high < len(keys) and keys[high].startswith(wanted):
                high += 1
    found = ids[low:high]
    if criterion == "Contains":
        found = [ids[index] for index in range(low, high) if wanted in keys[index]]
    elif criterion == "EndsWith":
        found = [ids[index] for index in range(low, high) if keys[index].endswith(wanted)]
    active = text_of(request, "ActiveStatus") or "ActiveOnly"
    inactive = ledger.inactive
    if active == "ActiveOnly" and inactive:
        found = [list_id for list_id in found if list_id not in inactive]
    elif active == "InactiveOnly":
        found = [list_id for list_id in found if list_id in inactive]
    from_modified, to_modified = text_of(request, "FromModifiedDate"), text_of(request, "ToModifiedDate")
    if from_modified is not None or to_modified is not None:
        now = ledger.clock()
        since = parse_moment(from_modified, now).timestamp() if from_modified is not None else float("-inf")
        until = parse_moment(to_modified, now).timestamp() if to_modified is not None else float("inf")
        modified_at = ledger.modified_at
        found = [key for key in found if since <= modified_at[key] <= until]
    return found
