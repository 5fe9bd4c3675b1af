"""infra/package.py: what it adds to `chalice package --merge-template infra/template.json` output.

Tested on a SAM document of Chalice's shape merged with the real template; the real `chalice package`
output is linted and checked in tests/unit/test_template.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.package import main
from infra.provision import load_template

SAM: dict[str, Any] = {
    "Resources": {
        "Ingress": {"Type": "AWS::Serverless::Function", "Properties": {
            "Role": {"Fn::GetAtt": ["IngressRole", "Arn"]},
            "Environment": {"Variables": {"QBDGW_STAGE": "dev", "QBDGW_INGRESS_QUEUE_NAME": "jobs-in-dev.fifo"}},
            "Events": {"IngressSqsEventSource": {"Type": "SQS", "Properties": {
                "Queue": {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs-in-dev.fifo"},
                "BatchSize": 10, "MaximumBatchingWindowInSeconds": 0}}}}},
        "WebhookDeliveries": {"Type": "AWS::Serverless::Function", "Properties": {
            "Role": {"Fn::GetAtt": ["WebhookDeliveriesRole", "Arn"]},
            "Environment": {"Variables": {"QBDGW_STAGE": "dev", "QBDGW_WEBHOOK_QUEUE_NAME": "webhooks-dev"}},
            "Events": {"WebhookDeliveriesSqsEventSource": {"Type": "SQS", "Properties": {
                "Queue": {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:webhooks-dev"},
                "BatchSize": 10, "MaximumBatchingWindowInSeconds": 0}}}}},
        "RepublishResults": {"Type": "AWS::Serverless::Function", "Properties": {
            "Role": {"Fn::GetAtt": ["RepublishResultsRole", "Arn"]},
            "Events": {"RepublishResultsEvent": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}}}},
        "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {
            "Role": {"Fn::GetAtt": ["DefaultRole", "Arn"]}, "Events": {}}},
        "WebConnector": {"Type": "AWS::Serverless::Function", "Properties": {
            "Role": {"Fn::GetAtt": ["DefaultRole", "Arn"]}, "Handler": "app.web_connector"}},
        "DefaultRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "from-file"}]}},
        "IngressRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "from-file"}]}},
        "WebhookDeliveriesRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "from-file"}]}},
        "RepublishResultsRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "from-file"}]}},
        "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": {"info": {"title": "x"}}}},
    }
}


def merged() -> dict[str, Any]:
    """What `--merge-template infra/template.json` does: the template's resources join Chalice's."""
    sam = copy.deepcopy(SAM)
    template = load_template()
    sam["Resources"].update(template["Resources"])
    sam["Parameters"] = template["Parameters"]
    return sam


def test_package_enables_partial_batch_responses_and_json_logs(tmp_path: Path) -> None:
    # GIVEN a template shaped like chalice package's merged sam.json
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(merged()))
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
    assert "LoggingConfig" not in out["IngressRole"]["Properties"]


def test_package_wires_functions_to_the_template_by_reference(tmp_path: Path) -> None:
    # GIVEN the merged template / WHEN post-processed
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(merged()))
    assert main([str(path)]) == 0
    out = json.loads(path.read_text())["Resources"]
    ingress = out["Ingress"]["Properties"]
    # THEN the trigger reads the template's FIFO queue (no batching window: FIFO has none)
    sqs = ingress["Events"]["IngressSqsEventSource"]["Properties"]
    assert sqs["Queue"] == {"Fn::GetAtt": ["IngressQueue", "Arn"]}
    assert "MaximumBatchingWindowInSeconds" not in sqs
    # AND the function is named for its log group and logs there
    assert ingress["FunctionName"] == {"Fn::Sub": "qbd-gateway-${Stage}-ingress"}
    group = out["IngressLogGroup"]["Properties"]["LogGroupName"]
    assert group == {"Fn::Sub": "/aws/lambda/qbd-gateway-${Stage}-ingress"}
    assert ingress["LoggingConfig"]["LogGroup"] == {"Ref": "IngressLogGroup"}
    # AND its settings are references, the stale names gone
    variables = ingress["Environment"]["Variables"]
    assert variables["QBDGW_TABLE"] == {"Ref": "JobsTable"}
    assert variables["QBDGW_RESULTS_QUEUE_URL"] == {"Ref": "ResultsQueue"}
    assert variables["QBDGW_INGRESS_DLQ_URL"] == {"Ref": "IngressDeadLetterQueue"}
    assert variables["QBDGW_STAGE"] == {"Ref": "Stage"}
    assert "QBDGW_INGRESS_QUEUE_NAME" not in variables
    # AND every role has exactly the template's policy, the API the name the 5xx alarm watches
    for role in ("IngressRole", "RepublishResultsRole"):
        assert out[role]["Properties"] == {"ManagedPolicyArns": [{"Ref": "FunctionPolicy"}]}
    assert out["RestAPI"]["Properties"]["Name"] == {"Fn::Sub": "qbd-gateway-${Stage}"}
    assert out["RestAPI"]["Properties"]["DefinitionBody"]["info"]["title"] == {"Fn::Sub": "qbd-gateway-${Stage}"}


def test_package_wires_the_webhook_delivery_trigger_to_its_standard_queue(tmp_path: Path) -> None:
    # GIVEN the merged template with the webhook_deliveries function / WHEN post-processed
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(merged()))
    assert main([str(path)]) == 0
    out = json.loads(path.read_text())["Resources"]
    consumer = out["WebhookDeliveries"]["Properties"]
    # THEN its trigger reads the template's delivery queue and reports partial batch failures; a standard
    # queue keeps the batching window Chalice set
    sqs = consumer["Events"]["WebhookDeliveriesSqsEventSource"]["Properties"]
    assert sqs["Queue"] == {"Fn::GetAtt": ["WebhookDeliveryQueue", "Arn"]}
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert sqs["MaximumBatchingWindowInSeconds"] == 0
    # AND it is named for its log group and logs there
    assert consumer["FunctionName"] == {"Fn::Sub": "qbd-gateway-${Stage}-webhook-deliveries"}
    assert out["WebhookDeliveriesLogGroup"]["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/qbd-gateway-${Stage}-webhook-deliveries"}
    assert consumer["LoggingConfig"]["LogGroup"] == {"Ref": "WebhookDeliveriesLogGroup"}
    assert out["WebhookDeliveriesRole"]["Properties"] == {"ManagedPolicyArns": [{"Ref": "FunctionPolicy"}]}
    # AND every function, not only the consumer, knows the queue by reference (a fan-out schedules attempts
    # wherever a result is published); the stage's queue name is gone
    for name in ("WebhookDeliveries", "Ingress", "APIHandler", "WebConnector", "RepublishResults"):
        variables = out[name]["Properties"]["Environment"]["Variables"]
        assert variables["QBDGW_WEBHOOK_QUEUE_URL"] == {"Ref": "WebhookDeliveryQueue"}, name
        assert "QBDGW_WEBHOOK_QUEUE_NAME" not in variables, name


def test_package_refuses_an_sqs_trigger_with_no_queue_of_its_own(tmp_path: Path) -> None:
    # GIVEN a scheduled function that also got an SQS trigger (no queue in the template is meant for it)
    sam = merged()
    sam["Resources"]["RepublishResults"]["Properties"]["Events"]["Stray"] = {
        "Type": "SQS", "Properties": {"Queue": "arn:aws:sqs:us-east-1:000000000000:stray", "BatchSize": 10}}
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(sam))
    # WHEN post-processed / THEN it refuses, naming the map to extend, rather than point it at some queue
    with pytest.raises(ValueError, match="EVENT_QUEUES"):
        main([str(path)])


def test_package_refuses_a_template_without_the_ingress_trigger(tmp_path: Path) -> None:
    # GIVEN a template with no SQS event source / WHEN post-processed / THEN it says so and fails
    path = tmp_path / "sam.json"
    path.write_text(json.dumps({"Resources": {}}))
    assert main([str(path)]) == 1


def test_package_refuses_output_not_merged_with_the_template(tmp_path: Path) -> None:
    # GIVEN chalice package output without --merge-template / WHEN post-processed / THEN it fails
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(SAM))
    assert main([str(path)]) == 1
    assert json.loads(path.read_text()) == SAM


def test_the_package_carries_bytecode_that_loads_without_checking_the_source(tmp_path: Path) -> None:
    # GIVEN a deployment zip as Chalice writes it: sources only
    import subprocess
    import sys
    import zipfile

    from infra.bytecode import precompile, pyc_name

    package = tmp_path / "deployment.zip"
    with zipfile.ZipFile(package, "w") as out:
        out.writestr("app.py", "import chalicelib.part\nVALUE = chalicelib.part.VALUE\n")
        out.writestr("chalicelib/__init__.py", "")
        out.writestr("chalicelib/part.py", "VALUE = 'compiled'\n")
        out.writestr("chalicelib/vendor/qbxml/readme.txt", "not python")
    # WHEN make package precompiles it
    assert precompile(package) == 3
    # THEN every module has its __pycache__ entry, hash-based and unchecked (PEP 552 flags = 1)
    with zipfile.ZipFile(package) as done:
        names = set(done.namelist())
        assert {pyc_name(n) for n in ("app.py", "chalicelib/__init__.py", "chalicelib/part.py")} <= names
        assert int.from_bytes(done.read(pyc_name("chalicelib/part.py"))[4:8], "little") == 1
        done.extractall(tmp_path / "task")
    # AND Python loads the bytecode as it is, without compiling (the source changed after, and is not read)
    (tmp_path / "task" / "chalicelib" / "part.py").write_text("VALUE = 'source'\n")
    out = subprocess.run([sys.executable, "-B", "-c", "import app; print(app.VALUE)"], cwd=tmp_path / "task",
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "compiled"
    assert precompile(package) == 0  # a second run adds nothing


def test_package_serves_the_web_connector_from_a_function_url_the_qwc_files_name(tmp_path: Path) -> None:
    # GIVEN the merged template / WHEN post-processed
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(merged()))
    assert main([str(path)]) == 0
    out = json.loads(path.read_text())
    resources = out["Resources"]
    # THEN the Web Connector's function has a public Function URL (the SOAP service checks the password)
    connector = resources["WebConnector"]["Properties"]
    assert connector["FunctionUrlConfig"] == {"AuthType": "NONE", "InvokeMode": "BUFFERED"}
    assert connector["FunctionName"] == {"Fn::Sub": "qbd-gateway-${Stage}-web-connector"}
    assert connector["LoggingConfig"]["LogGroup"] == {"Ref": "WebConnectorLogGroup"}
    # AND the API, which hands out the .qwc files, knows it; so does the stack's output
    url = {"Fn::GetAtt": ["WebConnectorUrl", "FunctionUrl"]}
    assert resources["APIHandler"]["Properties"]["Environment"]["Variables"]["QBDGW_QBWC_URL"] == url
    assert "QBDGW_QBWC_URL" not in connector["Environment"]["Variables"]  # its own URL would be a cycle
    assert out["Outputs"]["WebConnectorUrl"]["Value"] == url


def test_package_refuses_a_template_without_the_web_connector_function(tmp_path: Path) -> None:
    sam = merged()
    del sam["Resources"]["WebConnector"]
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(sam))
    assert main([str(path)]) == 1


def test_a_stage_s_own_web_connector_url_is_kept_and_the_function_url_still_made(tmp_path: Path) -> None:
    # GIVEN a stage whose environment names its own Web Connector endpoint (CloudFront in front of the
    # Function URL, operations.md "Deploy"), as chalice package writes a stage's environment_variables
    sam = merged()
    variables = sam["Resources"]["APIHandler"]["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
    variables["QBDGW_QBWC_URL"] = "https://qbwc.example.com"
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(sam))
    # WHEN post-processed
    assert main([str(path)]) == 0
    out = json.loads(path.read_text())
    # THEN the .qwc files keep naming the stage's endpoint, and the Function URL behind it is still made
    assert out["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["QBDGW_QBWC_URL"] == (
        "https://qbwc.example.com")
    assert out["Resources"]["WebConnector"]["Properties"]["FunctionUrlConfig"]["AuthType"] == "NONE"
    assert out["Outputs"]["WebConnectorUrl"]["Value"] == {"Fn::GetAtt": ["WebConnectorUrl", "FunctionUrl"]}
