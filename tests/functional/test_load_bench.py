"""The load run (``python -m bench --load``, :mod:`bench.load`) measures what it says, run tiny end to end.

20 simulated Web Connectors polling every 2 s one gateway whose table is on dynalite (real HTTP on
127.0.0.1, the gateway counting its own AWS calls with ``--count-aws-calls``), an idle phase and a mixed
phase of 4 s, then one end-user on a fresh stack; about 45 s.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench import load
from bench.report import load_lines

METHODS = ("serverVersion", "clientVersion", "authenticate", "sendRequestXML", "receiveResponseXML",
           "getLastError", "closeConnection")
CONFIG = load.LoadConfig(connectors=20, poll_seconds=2.0, phase_seconds=4.0, jobs=8, one_user_jobs=2,
                         noop_wait=0.5, session_idle=1, results_timeout=45.0)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return load.run(CONFIG)


def test_every_job_has_one_succeeded_result_and_no_write_is_applied_twice(report: dict[str, Any]) -> None:
    for checks in (report["at_n"]["checks"], report["at_1"]["checks"]):
        assert checks["lost"] == 0 and checks["failed"] == 0
        assert checks["succeeded"] == checks["jobs"] > 0
        assert checks["writes"] >= 1
        assert checks["writes_in_file_twice"] == checks["writes_missing_from_file"] == 0
        assert checks["writes_executed_twice"] == 0
        # the company files ran the jobs and nothing else (besides the gateway's closing HostQuery)
        assert checks["requests_executed"] == checks["jobs"]
        assert checks["session_closing_host_queries"] >= 1
        assert checks["lost_or_duplicated_jobs"] == 0
    assert report["at_n"]["checks"]["jobs"] == CONFIG.job_count == 8


def test_aws_calls_per_idle_poll_and_per_job_are_counted_and_flat(report: dict[str, Any]) -> None:
    n, one = report["at_n"], report["at_1"]
    idle_n, idle_1 = n["phase_a"]["aws_calls_per_idle_poll"], one["aws_calls_per_idle_poll"]
    job_n, job_1 = n["phase_b"]["aws_calls_per_job"], one["aws_calls_per_job"]
    assert n["phase_a"]["idle_polls"] >= CONFIG.connectors  # every connector polled in the idle phase
    assert one["idle_polls"] >= 2
    # an idle poll reads the file (at N, a poll in flight at a snapshot may fall on either side of it); a job
    # is at least its enqueue's write, reads, and its result on SQS
    assert idle_1["reads"] >= 1 and idle_n["reads"] == pytest.approx(idle_1["reads"], rel=0.15)
    assert job_n["total"] > idle_n["total"] > 0 and job_1["total"] > idle_1["total"] > 0
    assert job_n["writes"] >= 1 and job_n["sqs_sends"] == pytest.approx(1.0, abs=0.3)
    assert job_1["sqs_sends"] == pytest.approx(1.0)
    # the stack's own threads (the ingress poller) are counted apart, not in the per-poll figures
    assert "sqs:ReceiveMessage" not in n["phase_a"]["aws_calls"]
    assert n["phase_a"]["background_aws_calls"].get("sqs:ReceiveMessage", 0) >= 1
    flat = report["flat"]
    assert 0.75 <= flat["idle_poll"]["ratio"] <= 1.33
    assert 0.6 <= flat["job"]["ratio"] <= 1.6
    assert n["phase_b"]["jobs_per_job_session"] == pytest.approx(1.0, abs=0.5)  # one job per end-user


def test_soap_latency_is_sampled_for_every_call_and_method(report: dict[str, Any]) -> None:
    n = report["at_n"]
    assert n["timed_calls"] == n["session_calls"] > 0  # each call the sessions made was timed exactly once
    assert n["connector_threads_left"] == 0
    for soap in (n["phase_b"]["soap"], n["soap"]):
        by_method = soap["by_method"]
        assert set(METHODS) <= set(by_method)
        assert all(by_method[m]["n"] > 0 for m in METHODS)
        assert sum(item["n"] for item in by_method.values()) == soap["calls"] == soap["all"]["n"]
        assert soap["failed"] == 0
        assert 0 < soap["all"]["p50_ms"] <= soap["all"]["p95_ms"] <= soap["all"]["p99_ms"] <= soap["all"]["max_ms"]
    idle = n["phase_a"]["soap"]["by_method"]
    assert set(idle) == {"serverVersion", "clientVersion", "authenticate", "closeConnection"}
    assert idle["authenticate"]["n"] == n["phase_a"]["idle_polls"]
    assert n["phase_b"]["enqueue_to_result"]["n"] == n["phase_b"]["jobs"]


def test_cpu_limits_and_the_lambda_extrapolation_are_reported(report: dict[str, Any]) -> None:
    cpu = report["at_n"]["phase_b"]["machine"]["cpu"]
    assert set(cpu) == {"gateway", "dynalite", "aws_emulator", "driver"}
    assert cpu["gateway"]["cpu_s"] > 0 and cpu["driver"]["cpu_s"] > 0
    assert isinstance(report["limits"]["gateway_saturated"], bool)
    paper = report["lambda"]
    assert paper["gateway_cpu_ms_per_soap_call"] > 0
    assert paper["idle"]["concurrency"] > 0 and paper["mixed"]["concurrency"] > 0
    # the CPU measured here runs 3.46 times as long in a 512 MB function, as the cost model bills it …
    assert paper["lambda_cpu_ms_per_soap_call"] == pytest.approx(paper["gateway_cpu_ms_per_soap_call"] * 1769 / 512,
                                                                 abs=0.03)
    assert paper["idle"]["ms_per_call"] > paper["lambda_cpu_ms_per_soap_call"]  # … + the assumed AWS latency
    text = "\n".join(load_lines({"load": report}))
    assert "AWS calls per idle poll" in text and "Lambda on paper" in text and "lost 0" in text
