"""AWS API call budgets of the queue core (docs/queue-core.md, "Costs"), counted by ``bench.calls``.

The gateway's real code and real boto3 clients run in process against ``moto.mock_aws``; a botocore
``before-call`` hook on every client the services use counts each call. Counts are deterministic (a
manual clock, one simulated Web Connector), so these are budgets, not timings. Everything is measured
once per module, with 1 end-user and with 1,000 others in the table (about 20 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bench.calls import POPULATION, aws_calls
from tests.support.paths import SCHEMA_DIR

SIZES = ("1", str(POPULATION))
SAME_AT_ANY_SIZE = ("enqueue", "one_job_session", "ten_job_session", "marginal_job", "keep_alive", "idle_poll")


@pytest.fixture(scope="module")
def counted() -> dict[str, Any]:
    return aws_calls(SCHEMA_DIR if SCHEMA_DIR.is_dir() else None, population=POPULATION)


def show(t: Mapping[str, Any]) -> str:
    return (f"{t['total']} calls ({t['reads']} reads, {t['writes']} writes, {t['sqs_sends']} SQS sends, "
            f"{t['other']} other): {t['calls']}")


def by_call(t: Mapping[str, Any]) -> str:
    return "; ".join(f"{name}: {show(part)}" for name, part in (t.get("by_call") or {}).items())


@pytest.mark.parametrize("size", SIZES)
def test_a_marginal_job_costs_at_most_six_calls(counted: dict[str, Any], size: str) -> None:
    job = counted["end_users"][size]["marginal_job"]
    assert job["total"] <= 6, f"marginal job ({size} end-users): {show(job)}; by call: {by_call(job)}"


@pytest.mark.parametrize("size", SIZES)
def test_an_idle_keep_alive_send_request_xml_reads_at_most_once(counted: dict[str, Any], size: str) -> None:
    keep = counted["end_users"][size]["keep_alive"]
    assert keep["send_request_xml_worst"]["reads"] <= 1, (
        f"idle sendRequestXML ({size} end-users), worst of {keep['cycles']}: {keep['send_request_xml_worst']}; "
        f"average {show(keep['send_request_xml'])}")


@pytest.mark.parametrize("size", SIZES)
def test_an_idle_keep_alive_send_request_xml_never_writes(counted: dict[str, Any], size: str) -> None:
    keep = counted["end_users"][size]["keep_alive"]
    assert keep["send_request_xml_writing"] == 0, (
        f"{keep['send_request_xml_writing']} of {keep['cycles']} idle sendRequestXML wrote ({size} end-users); "
        f"average {show(keep['send_request_xml'])}; worst {keep['send_request_xml_worst']}")


@pytest.mark.parametrize("size", SIZES)
def test_an_idle_poll_makes_at_most_two_calls(counted: dict[str, Any], size: str) -> None:
    poll = counted["end_users"][size]["idle_poll"]
    assert poll["worst_total"] <= 2, f"idle poll ({size} end-users): {show(poll)}; by call: {by_call(poll)}"


@pytest.mark.parametrize("size", SIZES)
def test_an_idle_poll_reads_once_and_writes_the_heartbeat_every_other_poll(counted: dict[str, Any], size: str) -> None:
    poll = counted["end_users"][size]["idle_poll"]
    assert (poll["polls"], poll["reads"], poll["writes"]) == (4, 1, 0.5), f"{show(poll)}; by call: {by_call(poll)}"


def test_the_soap_path_never_counts(counted: dict[str, Any]) -> None:
    assert counted["soap_path_queries"] > 0
    assert counted["soap_path_count_queries"] == 0, (
        f"{counted['soap_path_count_queries']} Query with Select=COUNT in SOAP calls: "
        f"{[counted['end_users'][s]['soap_path']['count_queries_in'] for s in SIZES]}")


@pytest.mark.parametrize("size", SIZES)
def test_the_answer_is_written_once(counted: dict[str, Any], size: str) -> None:
    carried = counted["end_users"][size]["marginal_job"]["answer_carried_by"]
    writes = {name: n for name, n in carried.items() if name.startswith("dynamodb.")}
    assert sum(writes.values()) == 1, f"QuickBooks' answer went to DynamoDB in {writes} per job ({size} end-users)"


@pytest.mark.parametrize("path", SAME_AT_ANY_SIZE)
def test_a_thousand_end_users_cost_what_one_costs(counted: dict[str, Any], path: str) -> None:
    one, many = counted["end_users"]["1"][path], counted["end_users"][str(POPULATION)][path]
    assert many == one, f"{path}: 1 end-user {show(one)}, {POPULATION} end-users {show(many)}"


def test_the_cost_model_prices_the_counted_calls(counted: dict[str, Any]) -> None:
    from bench import cost
    from tests.support.paths import SCHEMA_DIR

    priced = cost.model(counted, SCHEMA_DIR)
    measured = priced["measured"]
    # what was measured in process is there: an idle poll logs less than a job's round trip, and costs less CPU
    assert 0 < measured["idle_poll"]["log_bytes"] < measured["job_round_trip"]["log_bytes"]
    assert 0 < measured["idle_poll"]["cpu_ms"] < measured["job_round_trip"]["cpu_ms"]
    # … and on the AWS SDK over HTTP, which costs more CPU than the gateway's own work, and is what is billed
    sdk = measured["sdk"]
    assert measured["idle_poll"]["cpu_ms"] < sdk["idle_poll"]["cpu_ms"] < sdk["job_round_trip"]["cpu_ms"]
    assert measured["job_round_trip"]["cpu_ms"] < sdk["job_round_trip"]["cpu_ms"]
    assert cost.billed_cpu_ms(measured, "idle_poll") == pytest.approx(sdk["idle_poll"]["cpu_ms"] * 1769 / 512)
    # … on connections kept alive, as a function's clients keep them: hundreds of requests, (almost) no socket
    assert sdk["http"]["requests"] >= 10 * sdk["rounds"] and sdk["http"]["sockets_opened"] <= 3
    paths = ("idle_poll", "job_round_trip")
    heavier = {**measured, "sdk": {path: {"cpu_ms": 10 * sdk[path]["cpu_ms"]} for path in paths}}
    plain_month = cost.monthly(counted, measured, poll_seconds=20, door="function_url")
    heavier_month = cost.monthly(counted, heavier, poll_seconds=20, door="function_url")
    assert heavier_month["lambda_gb_seconds"] > plain_month["lambda_gb_seconds"]
    held = [m for m in priced["per_end_user_month"] if m["long_poll"]]
    larger = [m for m in priced["per_end_user_month"] if m["memory_gb"] != cost.MEMORY_GB]
    months = {(m["poll_seconds"], m["door"]): m for m in priced["per_end_user_month"]
              if not m["long_poll"] and m["memory_gb"] == cost.MEMORY_GB}
    # twice the memory runs the CPU twice as fast, but not the AWS calls' wait: it bills more GB-s
    assert [(m["poll_seconds"], m["door"], m["memory_gb"]) for m in larger] == [(20, "function_url", 1.0)]
    assert larger[0]["lambda_gb_seconds"] > plain_month["lambda_gb_seconds"]
    assert cost.cpu_scale(1.0) == pytest.approx(cost.cpu_scale() / 2)
    for (poll, door), month in months.items():
        assert month["total"] == pytest.approx(sum(month["parts"].values()), abs=0.002)
        assert month["polls"] == 30 * 86_400 // poll
        if door == "function_url":  # the Web Connector's requests are free; only the SaaS's enqueues are not
            assert month["parts"]["front_door"] == pytest.approx(1000 * cost.PRICES["rest_api_request"], abs=1e-4)
        else:
            rest = months[(poll, "function_url")]
            per_request = cost.PRICES[cost.FRONT_DOORS[door]]
            assert month["parts"]["front_door"] - rest["parts"]["front_door"] == pytest.approx(
                month["soap_requests"] * per_request, rel=0.01)
    # polling less often costs less, whatever the door; the doors differ only by their requests' price
    for door in cost.FRONT_DOORS:
        assert months[(60, door)]["total"] < months[(20, door)]["total"]
    assert months[(20, "function_url")]["total"] < months[(20, "http_api")]["total"] < months[(20, "rest_api")]["total"]
    # the long-poll: fewer SOAP calls in a session's keep-alive window, but every held second is billed, and
    # read every 0.25 s: 1,000 sessions of ~22 s held at 512 MB, about $0.19 of Lambda time
    assert len(held) == 1 and held[0]["door"] == "function_url" and held[0]["poll_seconds"] == 20
    plain = months[(20, "function_url")]
    assert held[0]["soap_requests"] < plain["soap_requests"]
    extra_gb_s = 1000 * 30 * cost.LONG_POLL_HOLD / (cost.LONG_POLL_HOLD + cost.KEEP_ALIVE_PAUSE) * cost.MEMORY_GB
    assert held[0]["lambda_gb_seconds"] - plain["lambda_gb_seconds"] == pytest.approx(extra_gb_s, rel=0.1)
    assert held[0]["parts"]["dynamodb"] > plain["parts"]["dynamodb"]
