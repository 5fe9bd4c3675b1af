"""Metrics as CloudWatch EMF documents, and the JSON log lines (chalicelib.observability).

The services run in memory with :class:`EmfMetrics` writing to stdout (captured by ``capsys``); the
tests parse the documents as CloudWatch would and assert on namespace, dimensions and values.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.api.auth import ApiKeyAuthenticator
from chalicelib.api.soap import handle_soap
from chalicelib.errors import GatewayError
from chalicelib.jobs.health import HealthCheck
from chalicelib.jobs.queue import JobQueue
from chalicelib.observability import (
    NAMESPACE,
    SERVICE,
    EmfMetrics,
    JsonFormatter,
    bind,
    configure_logging,
    correlation,
    invocation,
    scope,
)
from chalicelib.store.memory import MemoryStore
from tests.support.paths import FIXTURES_DIR
from tests.unit.jobs.fakes import PASSWORD, FakeClock, RecordingPublisher
from tests.unit.jobs.harness import LEASE_TTL, Harness, catalog


def documents(out: str) -> list[dict[str, Any]]:
    """Every EMF document printed to stdout."""
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [d for d in docs if "_aws" in d]


def values(docs: list[dict[str, Any]], name: str, **dimensions: str) -> list[float]:
    """The values of ``name`` in documents whose dimension set is exactly ``service`` + ``dimensions``."""
    wanted = {"service", *dimensions}
    found: list[float] = []
    for doc in docs:
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE and doc["service"] == SERVICE
        if name not in {m["Name"] for m in directive["Metrics"]}:
            continue
        if any(set(dims) == wanted for dims in directive["Dimensions"]) and \
                all(doc.get(k) == v for k, v in dimensions.items()):
            value = doc[name]
            found.extend(value if isinstance(value, list) else [value])
    return found


def unit_of(docs: list[dict[str, Any]], name: str) -> str:
    units = {m["Unit"] for d in docs for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"] if m["Name"] == name}
    (unit,) = units
    return str(unit)


@pytest.fixture
def metrics() -> EmfMetrics:
    return EmfMetrics()  # writes to stdout, as in Lambda


@pytest.fixture
def harness(metrics: EmfMetrics) -> Harness:
    built = Harness.build(session_idle=timedelta(0))
    built.queue.metrics = metrics
    built.service.metrics = metrics
    return built


def test_an_accepted_job_counts_jobs_enqueued(harness: Harness, metrics: EmfMetrics,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an end-user WHEN one job is accepted and the invocation's metrics are flushed
    harness.enqueue()
    metrics.flush()
    docs = documents(capsys.readouterr().out)
    # THEN one EMF document says JobsEnqueued = 1, in namespace QbdGateway with dimension service only
    assert values(docs, "JobsEnqueued") == [1.0]
    assert docs[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert unit_of(docs, "JobsEnqueued") == "Count"


def test_a_flush_without_values_writes_nothing(metrics: EmfMetrics, capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN nothing was counted THEN a flush prints no document at all (no empty EMF)
    metrics.flush()
    assert capsys.readouterr().out == ""


def test_a_failed_job_counts_jobs_failed_by_error_code(harness: Harness, metrics: EmfMetrics,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a query QuickBooks could not parse (an HRESULT on a read: a plain failure)
    job = harness.enqueue()
    ticket = harness.open_session()
    harness.send(ticket, first=True)
    harness.receive(ticket, hresult="0x80040400", message="QuickBooks found an error when parsing")
    metrics.flush()
    docs = documents(capsys.readouterr().out)
    code = (harness.job(job.id).error or {})["code"]
    # THEN JobsFailed is counted in total and under its error code, and nothing succeeded
    assert values(docs, "JobsFailed") == [1.0]
    assert values(docs, "JobsFailed", error_code=code) == [1.0]
    assert values(docs, "JobsSucceeded") == []


def test_a_succeeded_job_counts_jobs_succeeded(harness: Harness, metrics: EmfMetrics,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    job = harness.enqueue()
    ticket = harness.open_session()
    harness.send(ticket, first=True)
    harness.answer(ticket, job)
    metrics.flush()
    assert values(documents(capsys.readouterr().out), "JobsSucceeded") == [1.0]


def test_an_expired_job_counts_as_failed_with_job_deadline_passed(harness: Harness, metrics: EmfMetrics,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a job with a 60 s deadline WHEN the sweeper runs after it passed
    text = (FIXTURES_DIR / "qbwc" / "customer_query_rq.xml").read_text()
    harness.queue.enqueue(harness.user.id, text, source="rest", deadline_seconds=60)
    harness.clock.advance(seconds=61)
    assert harness.service.dispatcher.expire_overdue() == 1
    metrics.flush()
    # THEN it counts as failed with job_deadline_passed
    assert values(documents(capsys.readouterr().out), "JobsFailed", error_code="job_deadline_passed") == [1.0]


def test_soap_calls_count_calls_and_latency_by_method(harness: Harness, metrics: EmfMetrics,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN two serverVersion calls and one undecodable request through the SOAP edge
    body = (FIXTURES_DIR / "soap" / "get_server_version.xml").read_bytes()
    for _ in range(2):
        assert handle_soap(harness.service, body, None).status_code == 200
    malformed = (FIXTURES_DIR / "soap" / "malformed.xml").read_bytes()
    assert handle_soap(harness.service, malformed, None).status_code == 500
    metrics.flush()
    docs = documents(capsys.readouterr().out)
    # THEN SoapCalls and SoapLatency (ms) are published by method, the bad one under method=invalid
    assert values(docs, "SoapCalls", method="getServerVersion") == [1.0, 1.0]
    latencies = values(docs, "SoapLatency", method="getServerVersion")
    assert len(latencies) == 2 and all(v >= 0 for v in latencies)
    assert unit_of(docs, "SoapLatency") == "Milliseconds"
    assert values(docs, "SoapCalls", method="invalid") == [1.0]


def test_a_wrong_web_connector_password_counts_an_authentication_failure(
        harness: Harness, metrics: EmfMetrics, capsys: pytest.CaptureFixture[str]) -> None:
    harness.enqueue()
    assert harness.authenticate("not-the-password")[1] == "nvu"
    assert harness.authenticate(PASSWORD)[1] not in ("nvu", "none")
    metrics.flush()
    docs = documents(capsys.readouterr().out)
    assert values(docs, "AuthenticationFailures", kind="web_connector") == [1.0]


def test_a_bad_api_key_counts_an_authentication_failure(metrics: EmfMetrics,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a stored key WHEN one request has no header, one a wrong key and one the right key
    auth = ApiKeyAuthenticator(MemoryStore(), FakeClock(), metrics=metrics)
    _record, key = auth.create("tests")
    for header in (None, "Bearer qbdgw_wrong_key"):
        with pytest.raises(GatewayError):
            auth.authenticate(header)
    auth.authenticate(f"Bearer {key}")
    metrics.flush()
    # THEN two failures are counted, of kind api_key
    assert values(documents(capsys.readouterr().out), "AuthenticationFailures", kind="api_key") == [1.0, 1.0]


def test_a_health_check_counts_its_result(harness: Harness, metrics: EmfMetrics,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an end-user whose Web Connector never called WHEN a health check runs
    check = HealthCheck(harness.store, harness.queue, harness.clock, budget=timedelta(seconds=25),
                        offline_grace=timedelta(seconds=30), metrics=metrics)
    with pytest.raises(GatewayError) as caught:
        check.run(harness.user.id)
    metrics.flush()
    # THEN HealthChecks is counted with result = the error code
    assert values(documents(capsys.readouterr().out), "HealthChecks", result=caught.value.code) == [1.0]


def test_a_failed_publish_counts_publish_failures(metrics: EmfMetrics, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a results queue that is unreachable
    harness = Harness.build(session_idle=timedelta(0))
    harness.publisher.fail = True
    harness.queue.metrics = metrics
    job = harness.enqueue()
    ticket = harness.open_session()
    harness.send(ticket, first=True)
    # WHEN the job finishes
    harness.answer(ticket, job)
    metrics.flush()
    # THEN the result stays in the outbox and PublishFailures = 1
    assert harness.job(job.id).published_at is None
    assert values(documents(capsys.readouterr().out), "PublishFailures") == [1.0]


def test_the_sweeper_gauges_queue_depth_and_oldest_age(metrics: EmfMetrics,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN two queued jobs, enqueued 90 s and 30 s ago
    store, clock = MemoryStore(), FakeClock()
    queue = JobQueue(store, RecordingPublisher(store=store), catalog(), clock, lease_ttl=LEASE_TTL,
                     max_job_bytes=256_000, default_deadline=timedelta(minutes=10), metrics=metrics)
    harness = Harness.build(store=store)
    text = (FIXTURES_DIR / "qbwc" / "customer_query_rq.xml").read_text()
    clock.now = harness.clock.now
    queue.enqueue(harness.user.id, text, source="rest")
    clock.advance(seconds=60)
    queue.enqueue(harness.user.id, text, source="rest")
    clock.advance(seconds=30)
    # WHEN the sweeper measures the queue
    assert queue.report_gauges() == (2, 90.0)
    metrics.flush()
    docs = documents(capsys.readouterr().out)
    # THEN QueueDepth and OldestQueuedJobAgeSeconds are published
    assert values(docs, "QueueDepth") == [2.0]
    assert values(docs, "OldestQueuedJobAgeSeconds") == [90.0]
    assert unit_of(docs, "OldestQueuedJobAgeSeconds") == "Seconds"


def test_an_empty_queue_gauges_zero(metrics: EmfMetrics, capsys: pytest.CaptureFixture[str]) -> None:
    store = MemoryStore()
    queue = JobQueue(store, RecordingPublisher(store=store), catalog(), FakeClock(), lease_ttl=LEASE_TTL,
                     max_job_bytes=256_000, metrics=metrics)
    assert queue.report_gauges() == (0, 0.0)
    metrics.flush()
    assert values(documents(capsys.readouterr().out), "QueueDepth") == [0.0]


def test_many_values_of_one_metric_are_split_over_documents(metrics: EmfMetrics,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN more values than one EMF document may carry (100) WHEN flushed
    for _ in range(150):
        metrics.put("SoapCalls", method="sendRequestXML")
    metrics.flush()
    docs = documents(capsys.readouterr().out)
    # THEN every value arrives, in documents of at most 100 values, all through the same sink
    assert len(docs) == 2 and all(len(d["SoapCalls"]) <= 100 for d in docs)
    assert sum(values(docs, "SoapCalls", method="sendRequestXML")) == 150


def test_a_disabled_sink_drops_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = EmfMetrics(sink=None)
    quiet.put("JobsEnqueued")
    quiet.flush()
    assert capsys.readouterr().out == ""


# JSON log lines --------------------------------------------------------------------------------------------
@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_logging(force=True, stream=stream, level="DEBUG")
    assert handler is not None
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_log_line_carries_fixed_fields_correlation_keys_and_extras(json_log: io.StringIO) -> None:
    # GIVEN correlation keys bound for this unit of work (inside an invocation that has none)
    with scope():
        with scope(request_id="req-1"):
            bind(end_user_id="eu_1", ticket_hash="0123456789abcdef")
            # WHEN a module logs with extra fields
            logging.getLogger("chalicelib.jobs.queue").info("job accepted", extra={"job_id": "job_1", "seq": 3})
        logging.getLogger("chalicelib.jobs.queue").info("outside")
    first, second = lines(json_log)
    # THEN the line is one JSON object with the fixed fields, the keys and the extras
    assert {k: first[k] for k in ("level", "message", "service", "request_id", "end_user_id", "ticket_hash",
                                  "job_id", "seq")} == {
        "level": "INFO", "message": "job accepted", "service": "qbd-gateway", "request_id": "req-1",
        "end_user_id": "eu_1", "ticket_hash": "0123456789abcdef", "job_id": "job_1", "seq": 3}
    assert first["timestamp"].endswith("+00:00")
    # AND the keys end with their scope
    assert "request_id" not in second and "end_user_id" not in second


def test_fields_named_like_secrets_are_redacted(json_log: io.StringIO) -> None:
    logging.getLogger("x").warning("careful", extra={"password": "hunter2", "ticket": "t-123",
                                                     "qbxml": "<CustomerAddRq/>", "authorization": "Bearer k"})
    (line,) = lines(json_log)
    text = json.dumps(line)
    assert "hunter2" not in text and "t-123" not in text and "CustomerAddRq" not in text and "Bearer k" not in text
    assert line["password"] == "[redacted]"


def test_fields_named_like_secrets_are_redacted_inside_nested_fields_too(json_log: io.StringIO) -> None:
    # GIVEN a record whose extra field nests secrets in dicts and lists (a request's headers, a body's parts)
    logging.getLogger("x").warning("careful", extra={
        "request": {"headers": {"Authorization": "Bearer k-nested", "Accept": "*/*"},
                    "items": [{"api_key": "sk-deep", "id": "eu_1"}]},
        "change": {"QBWC_Password": "hunter3"}})
    (line,) = lines(json_log)
    text = json.dumps(line)
    # THEN no secret appears, whatever the depth or the case of its name
    assert "k-nested" not in text and "sk-deep" not in text and "hunter3" not in text
    # AND what is not secret is kept as it was
    assert line["request"]["headers"] == {"Authorization": "[redacted]", "Accept": "*/*"}
    assert line["request"]["items"][0] == {"api_key": "[redacted]", "id": "eu_1"}
    assert line["change"] == {"QBWC_Password": "[redacted]"}


def test_an_exception_is_logged_with_its_trace(json_log: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("it broke")
    (line,) = lines(json_log)
    assert line["level"] == "ERROR" and line["exception_type"] == "ValueError" and "boom" in line["exception"]


def test_outside_lambda_logging_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no Lambda and no QBDGW_LOG_FORMAT WHEN logging is configured THEN nothing is added or changed
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("QBDGW_LOG_FORMAT", raising=False)
    before = [(h, h.formatter) for h in logging.getLogger().handlers]
    assert configure_logging() is None
    assert [(h, h.formatter) for h in logging.getLogger().handlers] == before


def test_in_lambda_the_runtime_handler_gets_the_json_formatter(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a Lambda-like root logger with the runtime's handler
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "qbd-gateway-app-dev-APIHandler")
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    runtime = logging.StreamHandler(io.StringIO())
    root.handlers = [runtime]
    try:
        # WHEN logging is configured THEN no handler is added and the runtime's formats JSON at INFO
        assert configure_logging() is None
        assert root.handlers == [runtime] and isinstance(runtime.formatter, JsonFormatter)
        assert root.level == logging.INFO
    finally:
        root.handlers, root.level = saved_handlers, saved_level


def test_an_invocation_starts_with_fresh_keys_and_flushes_at_the_end() -> None:
    # GIVEN keys left over from earlier work and an SQS-like event carrying the Lambda context
    class LambdaContext:
        aws_request_id = "lambda-req-7"

    class Event:
        context = LambdaContext()

    flushed: list[bool] = []
    seen: dict[str, str] = {}
    bind(end_user_id="eu_leftover")

    def handler(_event: object) -> str:
        seen.update(correlation())
        raise RuntimeError("the handler failed")

    # WHEN the middleware runs a failing handler
    with pytest.raises(RuntimeError):
        invocation(lambda: flushed.append(True))(Event(), handler)
    # THEN the handler saw only this invocation's ids, and the metrics were flushed anyway
    assert seen == {"request_id": "lambda-req-7", "aws_request_id": "lambda-req-7"}
    assert flushed == [True]


_NAMES = st.sampled_from(["SoapCalls", "SoapLatency", "JobsFailed", "service", "method", "_aws", "Zé ✓", 'q"b\\x'])
_DIMENSIONS = st.dictionaries(st.sampled_from(["method", "error_code", "kind", "ké"]),
                              st.text(min_size=1, max_size=8).filter(str.strip), max_size=2)
_VALUES = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True))


@given(puts=st.lists(st.tuples(_NAMES, _VALUES, st.sampled_from(["Count", "Milliseconds", "NoUnit"]), _DIMENSIONS),
                     max_size=12))
def test_a_document_written_as_text_is_what_encoding_its_dict_gives(puts: list[Any]) -> None:
    # GIVEN any puts, names that collide with the document's own keys and non-finite values included
    from chalicelib.observability import _COMPACT, MetricError

    written: list[str] = []
    metrics = EmfMetrics(sink=written.append)
    for name, value, unit, dimensions in puts:
        with contextlib.suppress(MetricError):  # 'service' as a dimension name: refused, as before
            metrics.put(name, value, unit, **dimensions)
    # WHEN flushed (the clock stands still: the timestamp is the one thing that moves)
    with mock.patch("chalicelib.observability.time.time", return_value=1764633600.123):
        expected = [_COMPACT.encode(buffered.document(NAMESPACE)) for buffered in metrics._sets.values()
                    if buffered.metrics]
        metrics.flush()
    # THEN each document is byte for byte the dict's encoding
    assert written == expected
