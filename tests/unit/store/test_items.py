"""chalicelib.store.items maps a frozen record to an item and back: every record of the store's, dumped
and loaded (through DynamoDB's own types), is the record again; attributes that are no field are ignored;
a missing optional field is ``None``; and the per-class loading plan keeps each class's own types.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.store import items
from chalicelib.store.dynamo_base import from_item, to_item


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Shaped:
    name: str
    at: datetime
    ident: uuid.UUID
    colour: Colour
    tags: tuple[str, ...]
    count: int
    ratio: float
    extra: dict[str, object]
    when: datetime | None
    note: str | None = None
    level: int = 3


@dataclass(frozen=True)
class SameNamesOtherTypes:  # the fields of Shaped, typed otherwise: a plan must not be shared by name
    at: str
    colour: str | None
    count: str


def _shaped(**changes: object) -> Shaped:
    base = Shaped(name="n", at=datetime(2026, 12, 4, 1, 2, 3, tzinfo=UTC), ident=uuid.UUID(int=7),
                  colour=Colour.BLUE, tags=("a", "b"), count=12, ratio=0.25, extra={"k": [1, 2.5, "x"]},
                  when=datetime(2026, 1, 1, tzinfo=UTC))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("record", [
    _shaped(), _shaped(when=None), _shaped(note="kept", level=9), _shaped(tags=()), _shaped(count=-(10**20)),
])
def test_a_record_dumped_to_an_item_loads_back_the_same(record: Shaped) -> None:
    item = from_item(to_item(items.dump(record)))  # through DynamoDB's types: numbers come back as Decimal
    assert isinstance(item["count"], Decimal)
    loaded = items.load(Shaped, item)
    assert loaded == record
    assert type(loaded.count) is int and type(loaded.tags) is tuple and isinstance(loaded.colour, Colour)


def test_attributes_that_are_no_field_are_ignored_and_a_missing_optional_field_is_none() -> None:
    item = items.dump(_shaped(when=None))
    assert "when" not in item and "note" not in item  # None fields are left out of the item
    item.update(pk="EU#x", sk="PROFILE", ttl=Decimal(5), queued_key="p#1")
    loaded = items.load(Shaped, item)
    assert loaded.when is None and loaded.note is None and loaded.level == 3


def test_a_field_without_a_default_and_not_optional_must_be_in_the_item() -> None:
    item = items.dump(_shaped())
    del item["count"]
    with pytest.raises(TypeError, match="count"):
        items.load(Shaped, item)


def test_each_class_loads_with_its_own_types_whichever_loaded_first() -> None:
    shaped = items.dump(_shaped())
    other = {"at": "2026-12-04T01:02:03+00:00", "colour": "blue", "count": "12"}
    for _ in range(2):  # the second pass runs on the remembered plans
        assert items.load(SameNamesOtherTypes, other) == SameNamesOtherTypes(
            at="2026-12-04T01:02:03+00:00", colour="blue", count="12")
        assert items.load(Shaped, shaped) == _shaped()
    assert items.load(SameNamesOtherTypes, {"at": "x", "count": "1"}).colour is None
