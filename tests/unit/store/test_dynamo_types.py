"""chalicelib.store.dynamo_types converts exactly as boto3's TypeSerializer / TypeDeserializer do.

The store's items are built from str, int, bool, None, Decimal, dict and list (``items.dump_value``
turns datetimes, UUIDs, enums, tuples and floats into those); the rest of boto3's vocabulary (sets,
binary) is compared too, and so is every refusal (floats, NaN, infinity, more than 38 digits).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.store import dynamo_types
from chalicelib.store.dynamo_base import from_item, to_item

BOTO_SER, BOTO_DESER = TypeSerializer(), TypeDeserializer()

VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 2**63, -(2**63) - 1, 10**37, -(10**37) + 1,
    Decimal("0"), Decimal("-0"), Decimal("1.50"), Decimal("1E+2"), Decimal("1e-140"),
    Decimal("-1.2345678901234567890123456789012345678"),
    Decimal("9.9999999999999999999999999999999999999E+125"), Decimal("1E-128"), Decimal("-Infinity"),
    "", "x", "EU#eu_01", "ünïcödé ✓ 𝄞", "line\nbreak\ttab", "&<>\"'",
    b"", b"\x00\xff", bytearray(b"ab"),
    [], [1, "a", None, True, [Decimal("2.5")]], ("a", 1), {"a": 1, "b": {"c": [None, False]}}, {},
    {"a", "b"}, frozenset({"x"}), {1, 2, Decimal("3.5")}, {True, False}, set(), {b"a", b"b"},
    {"k": {"nested": {"deeper": ["x", {"n": 12}]}}},
    # what the store writes: a job's and a lease's attributes after dump()
    {"pk": "EU#eu_1", "sk": "JOB#000000000001", "status": "queued", "attempts": 0, "deadline_ms": 1767225600000,
     "error": None, "request_names": ["CustomerAddRq"], "paging": {"page_size": 500, "max_pages": None}},
]

REFUSED: list[Any] = [
    1.5, 0.0, float("nan"), [1.0], {"a": 2.5}, {1.5}, Decimal("NaN"), Decimal("Infinity"),
    Decimal("1.00000000000000000000000000000000000001"), 10**38 + 1,
    Decimal("1E+127"), Decimal("1E-170"), Decimal("1.5E-165"),
    object(), complex(1, 2), {"a", 1}, {"a", b"b"},
]


def _outcome(func: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return "ok", func(value)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def stable_id(value: Any) -> str:
    """A test id that is the same in every process (pytest-xdist compares them): a set's elements sorted,
    no memory address."""
    if isinstance(value, set | frozenset):
        inner = ", ".join(sorted(stable_id(v) for v in value))
        return f"{type(value).__name__}({{{inner}}})"
    if type(value) is object:
        return "object()"
    return repr(value)


@pytest.mark.parametrize("value", VALUES, ids=stable_id)
def test_serialize_writes_what_boto3_writes(value: Any) -> None:
    # GIVEN a value the store could write  WHEN both serialize it  THEN the attribute values are equal
    ours = dynamo_types.serialize(value)
    assert ours == BOTO_SER.serialize(value)
    # AND it reads back as boto3 reads it (numbers as Decimal, bytes equal to boto3's Binary)
    assert dynamo_types.deserialize(ours) == BOTO_DESER.deserialize(ours)


@pytest.mark.parametrize("value", REFUSED, ids=stable_id)
def test_serialize_refuses_what_boto3_refuses(value: Any) -> None:
    # GIVEN a value boto3 cannot write (a float, NaN, infinity, > 38 digits, an unknown type)
    # WHEN both serialize it THEN both raise the same exception with the same message
    theirs = _outcome(BOTO_SER.serialize, value)
    assert theirs[0] != "ok"
    assert _outcome(dynamo_types.serialize, value) == theirs


@pytest.mark.parametrize("attribute", [
    {"S": "x"}, {"N": "12"}, {"N": "-0.50"}, {"N": "1E+2"}, {"N": "123456789012345678901234567890.12345678"},
    {"BOOL": False}, {"NULL": True}, {"B": b"\x01"}, {"SS": ["a", "b"]}, {"NS": ["1", "2.5"]}, {"BS": [b"a"]},
    {"L": [{"S": "a"}, {"N": "1"}, {"L": []}]}, {"M": {"a": {"M": {"b": {"NULL": True}}}}}, {"M": {}},
    {"s": "lower-case type"}, {"Null": True}, {"S": "first key wins", "N": "1"},
    {}, {"X": 1}, {"N": "1.000000000000000000000000000000000000001"}, {"N": "abc"}, {"B": "not bytes"}, {1: "x"},
], ids=repr)
def test_deserialize_reads_what_boto3_reads(attribute: dict[Any, Any]) -> None:
    # GIVEN an attribute value as botocore hands it over (or a malformed one)
    # WHEN both deserialize it THEN the values (or the exceptions) are the same, numbers as Decimal
    theirs, ours = _outcome(BOTO_DESER.deserialize, attribute), _outcome(dynamo_types.deserialize, attribute)
    assert ours == theirs or repr(ours) == repr(theirs)  # NaN ("abc" reads as NaN) equals nothing
    if theirs[0] == "ok":
        assert type(ours[1]) is type(theirs[1]) or isinstance(ours[1], bytes)


def test_numbers_read_back_as_decimal() -> None:
    # GIVEN an item with an int WHEN it is written and read THEN the int is a Decimal, as with boto3
    assert from_item(to_item({"n": 3, "m": {"x": [4]}})) == {"n": Decimal(3), "m": {"x": [Decimal(4)]}}
    assert type(from_item(to_item({"n": 3}))["n"]) is Decimal


_KEYS = st.text(max_size=8)
_DECIMALS = st.builds(lambda coefficient, exponent: Decimal(f"{coefficient}E{exponent}"),  # up to 38 digits
                      st.integers(-(10**38) + 1, 10**38 - 1), st.integers(-130, 90))
_LEAVES = (st.none() | st.booleans() | st.integers(min_value=-(10**38), max_value=10**38) | st.text(max_size=20)
           | _DECIMALS)
_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
                       max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(item=st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_any_nested_item_round_trips_as_with_boto3(item: dict[str, Any]) -> None:
    # GIVEN any item of nested dicts / lists of strings, ints, bools, None and Decimals
    # WHEN it is serialized and read back by ours and by boto3's THEN both agree at every step
    ours = _outcome(to_item, item)
    theirs = _outcome(lambda v: {k: BOTO_SER.serialize(x) for k, x in v.items()}, item)
    assert ours == theirs
    if ours[0] == "ok":
        assert from_item(ours[1]) == {k: BOTO_DESER.deserialize(x) for k, x in ours[1].items()}


@settings(max_examples=200, deadline=None)
@given(number=st.decimals(allow_nan=True, allow_infinity=True) | st.integers())
def test_any_number_is_written_or_refused_as_by_boto3(number: Decimal | int) -> None:
    # GIVEN any number, NaN and infinities included WHEN both write it THEN same text, or same refusal
    with decimal.localcontext() as context:
        context.traps[decimal.InvalidOperation] = False  # hypothesis draws signalling NaNs too
        assert _outcome(dynamo_types.serialize, number) == _outcome(BOTO_SER.serialize, number)


@pytest.mark.parametrize("quirk", [Decimal("sNaN"), Decimal("-Infinity"), Decimal("-NaN")], ids=repr)
def test_boto3s_quirks_are_kept(quirk: Decimal) -> None:
    # GIVEN the special numbers boto3's "Infinity and NaN" check lets through (its text differs)
    # WHEN both write them THEN the same happens (kept as is: the store never writes them)
    assert _outcome(dynamo_types.serialize, quirk) == _outcome(BOTO_SER.serialize, quirk)


def test_the_adapter_does_not_import_boto3() -> None:
    # GIVEN the DynamoDB adapter's modules WHEN their imports are read THEN none is boto3's (it loads s3transfer)
    import ast
    import inspect

    from chalicelib.store import dynamo_accounts, dynamo_base, dynamo_gauges, dynamo_lease, dynamodb

    for module in (dynamo_types, dynamo_base, dynamo_accounts, dynamo_gauges, dynamo_lease, dynamodb):
        tree = ast.parse(inspect.getsource(module))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {n for n in names if n.split(".")[0] == "boto3"}, module.__name__
