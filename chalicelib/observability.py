"""Logs and metrics: structured JSON log lines with correlation keys, and CloudWatch metrics (EMF).

**Logs.** Every module logs with the standard library (``logging.getLogger(__name__)``), passing ids
as ``extra=`` fields. :func:`configure_logging` — called once by ``app.py`` — puts
:class:`JsonFormatter` on the root logger's handlers in Lambda (or when ``QBDGW_LOG_FORMAT=json``),
so each record becomes one JSON line: ``timestamp``, ``level``, ``message``, ``service``,
``logger``, the correlation keys of the current invocation (``request_id``, ``end_user_id``,
``job_id``, ``ticket_hash``, ``method``; and ``aws_request_id``, the Lambda invocation) and the
record's own fields. The correlation keys live in a :class:`contextvars.ContextVar`: edges set them
with :func:`bind` (the REST middleware the API Gateway request id, the SOAP edge the call's method
and ticket hash, the session service the end-user), and :func:`invocation` starts afresh per Lambda
invocation. A ticket is logged only as the first 16 hex characters of its SHA-256
(:func:`short_hash`); fields named like secrets (``password``, ``ticket``, ``qbxml``,
``authorization``…) are replaced by ``"[redacted]"`` whatever their value, at any depth of a field's
dicts and lists.

**Metrics.** The domain layers (``qbwc/``, ``jobs/``) see only the :class:`Metrics` protocol and get
:data:`NO_METRICS` unless :mod:`chalicelib.wiring` injects :class:`EmfMetrics`, which buffers values
per dimension set (namespace ``QbdGateway``, default dimension ``service=qbd-gateway``) and writes
one CloudWatch embedded metric format (EMF) document per dimension set on :meth:`EmfMetrics.flush`
— after every invocation (the :func:`invocation` middleware). It builds the documents itself, in the
shape aws-lambda-powertools' EMF provider wrote before (a few dicts per put instead of a provider
object per dimension set). In Lambda the documents go to stdout, where CloudWatch turns them into
metrics; elsewhere (the local stack, tests) to the ``qbd-gateway.metrics`` logger at DEBUG unless
``QBDGW_METRICS_STDOUT=1``. ``POWERTOOLS_METRICS_DISABLED=true`` (the name powertools used) drops them.

This module imports only the standard library, so the pure layers may import :func:`bind` and
:class:`Metrics` from it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import numbers
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any, Protocol

NAMESPACE = "QbdGateway"
SERVICE = "qbd-gateway"
METRICS_LOGGER = "qbd-gateway.metrics"
CORRELATION_KEYS = ("request_id", "end_user_id", "job_id", "ticket_hash", "method")
REDACTED = "[redacted]"
# Record fields whose *name* says they may hold a secret or a customer's qbXML: never written out.
SECRET_FIELDS = frozenset({
    "password", "qbwc_password", "ticket", "token", "api_key", "key", "authorization", "secret",
    "qbxml", "response_qbxml", "request_xml", "response", "body", "hcp_response", "strhcpresponse",
})
# The AWS SDK logs whole request and response bodies (job qbXML, results) at DEBUG: never below INFO.
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
# EMF allows 100 values per metric and 100 metrics per document; a document is written early at 99 of
# either, as when powertools built them (it printed a full set itself at 100), so the split is unchanged.
_MAX_VALUES = 99
_MAX_DIMENSIONS = 29  # CloudWatch's limit per dimension set (``service`` included)
_MAX_NAME_LENGTH = 255
_KEPT_SETS = 64  # dimension sets kept between flushes (their constant parts are made once)
# The units CloudWatch accepts, by their EMF name and by powertools' enum name (``CountPerSecond``,
# ``NoUnit``…), which callers could pass before: each maps to the name written in the document.
_EMF_UNITS = ("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
              "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
              "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
              "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
              "Count/Second", "None")
UNITS: Mapping[str, str] = {**{u: u for u in _EMF_UNITS}, "NoUnit": "None",
                            **{u.replace("/Second", "PerSecond"): u for u in _EMF_UNITS if u.endswith("/Second")}}
_COMPACT = json.JSONEncoder(separators=(",", ":"))  # one encoder: json.dumps(separators=…) builds one per call

_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("qbdgw_log_context",
                                                                                default=None)
log = logging.getLogger(__name__)


# Correlation keys -------------------------------------------------------------------------------------------
def short_hash(sha256_hex: str) -> str:
    """A ticket's (or token's) SHA-256 as logged: its first 16 hex characters."""
    return sha256_hex[:16]


def bind(**keys: str | None) -> None:
    """Add correlation keys to every log line of the current invocation (None values are ignored)."""
    current = _context.get() or {}
    _context.set({**current, **{k: str(v) for k, v in keys.items() if v is not None and v != ""}})


def correlation() -> dict[str, str]:
    """The correlation keys bound so far in this invocation."""
    return dict(_context.get() or {})


@contextmanager
def scope(*, fresh: bool = False, **keys: str | None) -> Iterator[None]:
    """New correlation keys for one unit of work (an SQS record, a test), the previous ones restored after.

    Keys other than :data:`CORRELATION_KEYS` (``aws_request_id``) carry over unless ``fresh``.
    """
    kept = {} if fresh else {k: v for k, v in (_context.get() or {}).items() if k not in CORRELATION_KEYS}
    token = _context.set(kept)
    bind(**keys)
    try:
        yield
    finally:
        _context.reset(token)


# JSON log lines ---------------------------------------------------------------------------------------------
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime",
                                                                                   "taskName"}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):  # a secret nested in a field is redacted as a field of its own is
        return {str(k): _safe(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def _safe(key: str, value: Any) -> Any:
    return REDACTED if key.lower() in SECRET_FIELDS else _plain(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: fixed fields, correlation keys, then the record's ``extra`` fields."""

    def __init__(self, service: str = SERVICE) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "message": record.getMessage(),
            "service": self.service,
            "logger": record.name,
        }
        line.update(_context.get() or {})
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                line[key] = _safe(key, value)
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            line["exception_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
        return json.dumps(line, ensure_ascii=False, default=str)


def json_wanted() -> bool:
    """JSON lines in Lambda, or wherever ``QBDGW_LOG_FORMAT=json`` asks for them."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) or os.environ.get("QBDGW_LOG_FORMAT") == "json"


def _quiet_sdk(root: logging.Logger) -> None:
    """The AWS SDK's loggers at the root's level, but never below INFO."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.getEffectiveLevel()))


def configure_logging(*, force: bool = False, stream: IO[str] | None = None,
                      level: str | None = None) -> logging.Handler | None:
    """Format the root logger's output as JSON lines (idempotent). Returns the handler it added, if any.

    In Lambda the runtime's own handler is kept and given :class:`JsonFormatter` (its line is then the
    JSON object itself); with no handler at all one is added on ``stream`` (stderr). Outside Lambda
    nothing changes unless ``force`` or ``QBDGW_LOG_FORMAT=json``: the local stack keeps its short
    text lines. Always: the AWS SDK's loggers stay at INFO or above, as their DEBUG lines hold bodies.
    """
    root = logging.getLogger()
    if not (force or json_wanted()):
        _quiet_sdk(root)
        return None
    wanted = level or os.environ.get("QBDGW_LOG_LEVEL") or os.environ.get("AWS_LAMBDA_LOG_LEVEL") or (
        "INFO" if json_wanted() else None)
    if wanted:
        root.setLevel(wanted)
    _quiet_sdk(root)
    formatter = JsonFormatter()
    added: logging.Handler | None = None
    if stream is not None or not root.handlers:
        added = logging.StreamHandler(stream or sys.stderr)
        root.addHandler(added)
    for handler in root.handlers:
        if stream is None or handler is added:
            handler.setFormatter(formatter)
    return added


# Metrics ----------------------------------------------------------------------------------------------------
class Metrics(Protocol):
    """Where the domain reports what it did; values are buffered until :meth:`flush`."""

    def put(self, name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None: ...
    def flush(self) -> None: ...


class NullMetrics:
    """The default of every service: metrics go nowhere."""

    def put(self, name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
        return None

    def flush(self) -> None:
        return None


NO_METRICS: Metrics = NullMetrics()


def _stdout(document: str) -> None:
    sys.stdout.write(document + "\n")
    sys.stdout.flush()


def _debug_log(document: str) -> None:
    logging.getLogger(METRICS_LOGGER).debug("metrics", extra={"emf": json.loads(document)})


def default_sink() -> Callable[[str], None] | None:
    """stdout in Lambda or with ``QBDGW_METRICS_STDOUT=1``; a DEBUG logger locally; None when disabled."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true", "yes", "on"):
        return None
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or os.environ.get("QBDGW_METRICS_STDOUT") == "1":
        return _stdout
    return _debug_log


class MetricError(ValueError):
    """A metric CloudWatch would refuse: bad name, value, unit or dimensions (a programming error)."""


_Key = tuple[tuple[str, str], ...]  # a dimension set: sorted (name, value) pairs


def _metric_name(name: str) -> str:
    """The name as published: stripped (as powertools did), within CloudWatch's length limit."""
    stripped = name.strip()
    if not 1 <= len(stripped) <= _MAX_NAME_LENGTH:
        raise MetricError(f"a metric name has 1 to {_MAX_NAME_LENGTH} characters: {name!r}")
    return stripped


def _number(value: float) -> float:
    # type() first: an int or a float is the common case, and cheaper than the ABC's isinstance
    if type(value) is not float and type(value) is not int and not isinstance(value, numbers.Number):
        raise MetricError(f"{value!r} is not a number")
    return float(value)


def _unit(unit: str) -> str:
    """The EMF name of ``unit``; an unknown unit raises, as CloudWatch would refuse the document."""
    try:
        return UNITS[unit]
    except (KeyError, TypeError):
        raise MetricError(f"unknown metric unit {unit!r}, expected one of {sorted(UNITS)}") from None


def _key(dimensions: Mapping[str, Any]) -> _Key:
    """The dimension set of a put: sorted (name, value) pairs, values as text.

    None, empty and blank values are left out: CloudWatch refuses an empty dimension value (powertools
    dropped a blank one with a warning), and the metric still counts under ``[service]``.
    """
    if not dimensions:
        return ()
    pairs = [(name, text) for name, value in dimensions.items()
             if value is not None and (text := str(value)).strip() and name.strip()]
    pairs.sort()
    return tuple(pairs)


class _DimensionSet:
    """The values buffered for one dimension set, with the parts of its documents that never change."""

    __slots__ = ("_dimensions_text", "_fields_text", "dimensions", "fields", "metrics")

    def __init__(self, service: str, key: _Key) -> None:
        names = [name for name, _ in key]
        if "service" in names:
            raise MetricError("'service' is the default dimension: name the metric's own dimension otherwise")
        if len(names) + 1 > _MAX_DIMENSIONS:
            raise MetricError(f"at most {_MAX_DIMENSIONS} dimensions, service included: {names}")
        # A metric with dimensions is published under [service] (the total) and [service, <its dimensions>]
        self.dimensions: list[list[str]] = [["service"], ["service", *names]] if names else [["service"]]
        self.fields: dict[str, str] = {"service": service, **dict(key)}
        self.metrics: dict[str, tuple[str, list[float]]] = {}  # name -> (unit, values)
        self._fields_text = _COMPACT.encode(self.fields)[1:-1]  # the parts of render() that never change
        self._dimensions_text = _COMPACT.encode(self.dimensions)

    def add(self, name: str, unit: str, value: float) -> None:
        entry = self.metrics.get(name)
        if entry is None:
            self.metrics[name] = (unit, [value])
            return
        entry[1].append(value)
        if entry[0] != unit:  # the last put's unit wins, as with powertools
            self.metrics[name] = (unit, entry[1])

    def full(self, name: str) -> bool:
        """Whether one more value of ``name`` would break EMF's limits (:data:`_MAX_VALUES`)."""
        entry = self.metrics.get(name)
        return len(self.metrics) >= _MAX_VALUES if entry is None else len(entry[1]) >= _MAX_VALUES

    def document(self, namespace: str) -> dict[str, Any]:
        """The EMF document of the buffered values (each metric's values as a list, even a single one)."""
        metrics = self.metrics
        return {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": self.dimensions,
                    "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _values) in metrics.items()],
                }],
            },
            **self.fields,
            **{name: values for name, (_unit, values) in metrics.items()},
        }


    def render(self, namespace: str) -> str:
        """:meth:`document` as compact JSON text, byte for byte what encoding it gives, written directly
        (the document of every invocation: a property test compares the two)."""
        metrics = self.metrics
        if "_aws" in metrics or not metrics.keys().isdisjoint(self.fields):  # a name that overrides a key
            return _COMPACT.encode(self.document(namespace))
        declared = ",".join(f'{{"Name":{_json_text(name)},"Unit":{_json_text(unit)}}}'
                            for name, (unit, _values) in metrics.items())
        values = ",".join(f'{_json_text(name)}:[{",".join(map(_json_number, numbers_))}]'
                          for name, (_unit, numbers_) in metrics.items())
        return (f'{{"_aws":{{"Timestamp":{int(time.time() * 1000)},"CloudWatchMetrics":[{{"Namespace":'
                f'{_json_text(namespace)},"Dimensions":{self._dimensions_text},"Metrics":[{declared}]}}]}},'
                f"{self._fields_text},{values}}}")


_json_text = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]  # what _COMPACT writes strings with
_NOT_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _json_number(value: float) -> str:
    """A float as the json module writes it (``repr``; NaN and the infinities by their JavaScript names)."""
    text = float.__repr__(value)
    return _NOT_FINITE.get(text, text)


class EmfMetrics:
    """Metrics as CloudWatch embedded metric format documents, one per dimension set per flush.

    A metric with dimensions is published under two dimension sets: ``[service]`` (the total, for
    alarms) and ``[service, <its dimensions>]`` (the breakdown, e.g. by ``error_code``). A metric
    CloudWatch would refuse (see :class:`MetricError`) raises from :meth:`put`; a sink that fails is
    logged, never raised.
    """

    def __init__(self, *, namespace: str = NAMESPACE, service: str = SERVICE,
                 sink: Callable[[str], None] | None = _stdout) -> None:
        self.namespace = namespace
        self.service = service
        self.sink = sink
        self._sets: dict[_Key, _DimensionSet] = {}
        self._lock = threading.Lock()

    def put(self, name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
        if self.sink is None:
            return
        name, number, emf_unit, key = _metric_name(name), _number(value), _unit(unit), _key(dimensions)
        with self._lock:
            buffered = self._sets.get(key)
            if buffered is None:
                buffered = self._sets[key] = _DimensionSet(self.service, key)
            if buffered.full(name):
                self._write(buffered)
            buffered.add(name, emf_unit, number)

    def _write(self, buffered: _DimensionSet) -> None:
        if not buffered.metrics or self.sink is None:
            return
        document = buffered.render(self.namespace)
        buffered.metrics.clear()
        try:
            self.sink(document)
        except Exception:  # metrics never break a request
            log.exception("could not write metrics")

    def flush(self) -> None:
        """Write one EMF document per dimension set that has values, and forget them."""
        with self._lock:
            for buffered in self._sets.values():
                self._write(buffered)
            if len(self._sets) > _KEPT_SETS:  # kept for the next invocation, unless the dimension values vary
                self._sets.clear()


_default: Metrics | None = None
_default_lock = threading.Lock()


def default_metrics() -> Metrics:
    """The process's metrics (what :func:`chalicelib.wiring.build` injects unless given others)."""
    global _default
    with _default_lock:
        if _default is None:
            sink = default_sink()
            _default = EmfMetrics(sink=sink) if sink is not None else NO_METRICS
        return _default


def flush_metrics() -> None:
    if _default is not None:
        _default.flush()


# Per invocation ---------------------------------------------------------------------------------------------
def _request_ids(event: Any) -> dict[str, str | None]:
    """API Gateway's request id (HTTP) and the Lambda invocation's, from a Chalice event."""
    context = getattr(event, "context", None)
    lambda_context = getattr(event, "lambda_context", None) or (None if isinstance(context, Mapping) else context)
    aws_request_id = getattr(lambda_context, "aws_request_id", None)
    api_request_id = (str(context.get("requestId") or "") or None) if isinstance(context, Mapping) else None
    return {"request_id": api_request_id or aws_request_id, "aws_request_id": aws_request_id}


Middleware = Callable[[Any, Callable[[Any], Any]], Any]


def invocation(flush: Callable[[], None] = flush_metrics) -> Middleware:
    """Chalice middleware for every event: fresh correlation keys, then ``flush`` (the metrics) at the end."""

    def middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
        with scope(fresh=True, **_request_ids(event)):
            try:
                return get_response(event)
            finally:
                try:
                    flush()
                except Exception:  # metrics never fail an invocation
                    log.exception("could not flush metrics")

    return middleware
