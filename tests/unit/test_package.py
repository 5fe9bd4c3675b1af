"""infra/package.py: what it adds to `chalice package` output (tested on a SAM document of that shape)."""

from __future__ import annotations

import json
from pathlib import Path

from infra.package import main

SAM = {
    "Resources": {
        "Ingress": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
            "IngressSqsEventSource": {"Type": "SQS", "Properties": {"Queue": "arn:aws:sqs:…", "BatchSize": 10}}}}},
        "RepublishResults": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
            "RepublishResultsEvent": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}}}},
        "ApiHandlerRole": {"Type": "AWS::IAM::Role", "Properties": {}},
    }
}


def test_package_enables_partial_batch_responses_and_json_logs(tmp_path: Path) -> None:
    # GIVEN a template shaped like chalice package's sam.json
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(SAM))
    # WHEN it is post-processed
    assert main([str(path)]) == 0
    out = json.loads(path.read_text())["Resources"]
    # THEN the SQS event reports batch item failures, the schedule is untouched, every function logs JSON
    sqs = out["Ingress"]["Properties"]["Events"]["IngressSqsEventSource"]["Properties"]
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "FunctionResponseTypes" not in out["RepublishResults"]["Properties"]["Events"]["RepublishResultsEvent"][
        "Properties"]
    for name in ("Ingress", "RepublishResults"):
        assert out[name]["Properties"]["LoggingConfig"]["LogFormat"] == "JSON"
    assert "LoggingConfig" not in out["ApiHandlerRole"]["Properties"]


def test_package_refuses_a_template_without_the_ingress_trigger(tmp_path: Path) -> None:
    # GIVEN a template with no SQS event source / WHEN post-processed / THEN it says so and fails
    path = tmp_path / "sam.json"
    path.write_text(json.dumps({"Resources": {}}))
    assert main([str(path)]) == 1
