"""qbXML's simple types as Python types, and their text forms in qbXML (hand-written).

====================  ==================  =================================================================
qbXML type            Python              rule
====================  ==================  =================================================================
AMTTYPE               ``Amount``          Decimal, at most 13 integer digits and 2 decimals; ``10.50``
PRICETYPE, QUANTYPE,  ``Price``,          Decimal, at most 10 integer digits and 5 decimals
PERCENTTYPE           ``Quantity``, …
FLOATTYPE             ``Float``           any finite Decimal
INTTYPE               ``int``             ``minInclusive``/``maxInclusive`` from the schema
BOOLTYPE              ``bool``            ``true``/``false`` (``1``/``0`` read too)
DATETYPE              ``datetime.date``   ``YYYY-MM-DD``
DATETIMETYPE          ``QbDateTime``      ``datetime``: naive, or aware with the offset QuickBooks sent
                                          (``2024-05-01T09:30:00-07:00`` stays ``-07:00``); to the second
TIMEINTERVALTYPE      ``Interval``        ``timedelta`` to the second; ``PT1H30M0S``
GUIDTYPE              ``Guid``            ``{8-4-4-4-12 hex}`` or ``0``
IDTYPE + maxLength…   ``str``             ``max_length`` from the schema
====================  ==================  =================================================================

Decimals are exact: a ``float`` is refused (``Decimal(0.1)`` is not 0.1), so is NaN or Infinity; strings
and ints are read. JSON (``model_dump(mode="json")``) carries every Decimal as a string, amounts with two
decimals. An empty element (``<OpenBalance/>``, allowed by the schema's unions with ``""``) reads as absent.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

_TWO_PLACES = Decimal("0.01")


def _exact_decimal(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError("amounts are exact: pass a Decimal, an int or a string, not a float")
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("amounts must be finite")
    return value


def _digits(integer_digits: int, places: int) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            raise ValueError(f"at most {places} decimal places")
        if len(str(abs(int(value)))) > integer_digits:
            raise ValueError(f"at most {integer_digits} digits before the decimal point")
        return value

    return AfterValidator(check)


def format_amount(value: Decimal) -> str:
    """``Decimal("10.5")`` → ``"10.50"``: AMTTYPE's two decimals."""
    return format(value.quantize(_TWO_PLACES), "f")


def format_decimal(value: Decimal) -> str:
    """Fixed point, no exponent, trailing zeros dropped: ``Decimal("2.50000")`` → ``"2.5"``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


_as_amount = PlainSerializer(format_amount, return_type=str, when_used="json")
_as_decimal = PlainSerializer(format_decimal, return_type=str, when_used="json")

Amount = Annotated[Decimal, BeforeValidator(_exact_decimal), _digits(13, 2), _as_amount]
Price = Annotated[Decimal, BeforeValidator(_exact_decimal), _digits(10, 5), _as_decimal]
Quantity = Price
Percent = Price
Float = Annotated[Decimal, BeforeValidator(_exact_decimal), _as_decimal]


Guid = Annotated[str, Field(pattern=r"^(0|\{[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\})$")]


def _to_the_second(value: datetime) -> datetime:
    return value.replace(microsecond=0)


def _whole_seconds(value: timedelta) -> timedelta:
    return timedelta(seconds=int(value.total_seconds()))


QbDateTime = Annotated[datetime, AfterValidator(_to_the_second)]
Interval = Annotated[timedelta, AfterValidator(_whole_seconds)]

# -- text forms --------------------------------------------------------------------------------

_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:T(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:([+-])(\d{1,2}):(\d{1,2}))?)?)?)?"
)
_INTERVAL_RE = re.compile(r"([+-])?PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")


def parse_datetime(text: str) -> datetime:
    """Every form DATETIMETYPE allows, from ``2024-05-01`` to ``2024-05-01T09:30:00-07:00``."""
    match = _DATETIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a qbXML date-time")
    year, month, day, hour, minute, second, sign, off_h, off_m = match.groups()
    zone = None
    if sign is not None:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = timezone(-offset if sign == "-" else offset)
    return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                    tzinfo=zone)


def format_datetime(value: datetime) -> str:
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    offset = value.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def parse_interval(text: str) -> timedelta:
    match = _INTERVAL_RE.fullmatch(text.strip())
    if match is None or not any(match.groups()[1:]):
        raise ValueError(f"{text!r} is not a qbXML time interval such as PT1H30M0S")
    sign, hours, minutes, seconds = match.groups()
    value = timedelta(hours=int(hours or 0), minutes=int(minutes or 0), seconds=int(seconds or 0))
    return -value if sign == "-" else value


def format_interval(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}PT{hours}H{minutes}M{seconds}S"


def parse_bool(text: str) -> bool:
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(f"{text!r} is not a boolean (true or false)")


def parse_date(text: str) -> date:
    return date.fromisoformat(text.strip()[:10])
