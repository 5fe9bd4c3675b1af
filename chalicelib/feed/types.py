"""The object types a change feed can follow, named as the REST resources are (``customers``,
``sales-receipts`` …), and what QuickBooks is asked for each.

A type can be followed when QuickBooks can both list it by modification time and say when one was
deleted: its query takes ``FromModifiedDate`` (lists) or ``ModifiedDateRangeFilter`` (transactions), and
its object is in ``ListDelType`` or ``TxnDelType``. ``items`` (``ItemQueryRq``: every kind of item in
one query) is followed too; a deleted item is reported under its own kind's type when that one is
followed, else under ``items``. Derived from the REST catalogue (:mod:`chalicelib.resources.catalog`),
not kept by hand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from chalicelib.resources.catalog import names, resource

LIST, TXN = "list", "txn"
ITEMS = "items"


@dataclass(frozen=True)
class FeedType:
    """One followable type: its resource name, qbXML object, query, and which deleted query covers it."""

    name: str
    object: str
    query: str
    family: str  # LIST or TXN
    del_types: tuple[str, ...]  # the ListDelType / TxnDelType values of its objects


@functools.cache
def feed_types() -> dict[str, FeedType]:
    """Every followable type by name, sorted."""
    found: dict[str, FeedType] = {}
    item_kinds: list[str] = []
    for name in names():
        res = resource(name)
        if res is None or res.query is None or res.singleton or res.delete is None:
            continue
        family = LIST if res.delete == "ListDelRq" else TXN
        found[name] = FeedType(name, res.object, res.query, family, (res.object,))
        if res.object.startswith("Item") and family == LIST:
            item_kinds.append(res.object)
    items = resource(ITEMS)
    if items is not None and items.query is not None:
        found[ITEMS] = FeedType(ITEMS, items.object, items.query, LIST, tuple(sorted(item_kinds)))
    return dict(sorted(found.items()))


def feed_type(name: str) -> FeedType | None:
    return feed_types().get(name)


def type_of_deleted(del_type: str, family: str, followed: frozenset[str]) -> str | None:
    """The followed type a deletion of ``del_type`` (``Customer``, ``ItemService`` …; of ``family``) is
    reported under, or None when no followed type covers it."""
    own = next((t.name for t in feed_types().values() if t.family == family and t.del_types == (del_type,)), None)
    if own is not None and own in followed:
        return own
    if family == LIST and ITEMS in followed and del_type in feed_types()[ITEMS].del_types:
        return ITEMS
    return None
