"""Python values <-> DynamoDB attribute values, as ``boto3.dynamodb.types`` converts them, without boto3.

``import boto3.dynamodb.types`` runs ``boto3/__init__.py``, which imports ``boto3.compat`` and with it
s3transfer (tens of milliseconds of a Lambda cold start for an S3 transfer manager the gateway never
uses); the adapter needs two small functions. :func:`serialize` and :func:`deserialize` follow
boto3's ``TypeSerializer`` / ``TypeDeserializer`` rule for rule (``tests/unit/store/test_dynamo_types.py``
compares them):

=================================  ============================  =================================
Python                             DynamoDB                      back to Python
=================================  ============================  =================================
``None``                           ``{"NULL": True}``            ``None``
``bool``                           ``{"BOOL": b}``               ``bool``
``int`` / ``Decimal``              ``{"N": "…"}``                ``Decimal`` (38 digits, exact)
``str``                            ``{"S": s}``                  ``str``
``bytes`` / ``bytearray``          ``{"B": b}``                  the same ``bytes`` (boto3 wraps
                                                                 them in its ``Binary``, which
                                                                 compares equal to them)
a set of numbers/strings/bytes     ``NS`` / ``SS`` / ``BS``      ``set``
a mapping                          ``{"M": {…}}``                ``dict``
``list`` / ``tuple``               ``{"L": […]}``                ``list``
=================================  ============================  =================================

A ``float`` is refused (``TypeError``: use ``Decimal``), as are infinity and NaN; a number that does
not fit DynamoDB's 38 digits raises :class:`decimal.Inexact` / :class:`decimal.Rounded` (or
``Overflow`` / ``Underflow`` for the exponent), as boto3's does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# boto3.dynamodb.types.DYNAMODB_CONTEXT: DynamoDB's number range and precision, every loss an error.
DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])
_BINARY = (bytes, bytearray)


def _is_number(value: Any) -> bool:
    if isinstance(value, int | Decimal):  # bools too (boto3's rule): serialize() takes them as BOOL first
        return True
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return False


def _number(value: int | Decimal) -> str:
    number = str(DYNAMODB_CONTEXT.create_decimal(value))
    if number in ("Infinity", "NaN"):
        raise TypeError("Infinity and NaN not supported")
    return number


def _binary(value: Any) -> bytes | bytearray:
    if not isinstance(value, _BINARY):
        raise TypeError("Value must be of the following types: <class 'bytearray'>, <class 'bytes'>")
    return value


def _is_set_of(value: Any, kind: Callable[[Any], bool]) -> bool:
    return isinstance(value, Set) and all(kind(v) for v in value)  # stops at the first miss, as boto3's


def serialize(value: Any) -> dict[str, Any]:
    """One attribute value: ``{"S": "x"}``, ``{"N": "1"}``, ``{"M": {...}}``, ..."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, _BINARY):
        return {"B": value}
    if _is_set_of(value, _is_number):
        return {"NS": [_number(v) for v in value]}
    if _is_set_of(value, lambda v: isinstance(v, str)):
        return {"SS": list(value)}
    if _is_set_of(value, lambda v: isinstance(v, _BINARY)):
        return {"BS": list(value)}
    if isinstance(value, Mapping):
        return {"M": {k: serialize(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [serialize(v) for v in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}"')


def deserialize(value: Mapping[str, Any]) -> Any:
    """The Python value of one attribute value (numbers as :class:`~decimal.Decimal`)."""
    if not value:
        raise TypeError("Value must be a nonempty dictionary whose key is a valid dynamodb type.")
    kind = next(iter(value))
    load = _LOADERS.get(kind.lower()) if isinstance(kind, str) else None
    if load is None:
        raise TypeError(f"Dynamodb type {kind} is not supported")
    return load(value[kind])


_LOADERS: dict[str, Callable[[Any], Any]] = {
    "null": lambda v: None,
    "bool": lambda v: v,
    "n": DYNAMODB_CONTEXT.create_decimal,
    "s": lambda v: v,
    "b": _binary,
    "ns": lambda v: set(map(DYNAMODB_CONTEXT.create_decimal, v)),
    "ss": set,
    "bs": lambda v: set(map(_binary, v)),
    "l": lambda v: [deserialize(x) for x in v],
    "m": lambda v: {k: deserialize(x) for k, x in v.items()},
}
