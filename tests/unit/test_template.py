"""infra/template.json, on its own and merged into the deployable package, checked where the emulator cannot.

The local stack creates the table, queues and bucket from the template, but moto skips alarms, the
dashboard, policies and log groups, and ignores TTL; so these tests read the template itself. cfn-lint
runs on the template and on what ``make package`` produces (once per session: about 15 s, offline once
Chalice's dependency cache in ``.chalice/deployments`` is filled).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.delivery.retries import ATTEMPT_TIMEOUT_SECONDS
from infra.package import API_NAME, FUNCTION_LOG_GROUPS
from infra.provision import CREATED_TYPES, SKIPPED_TYPES, TEMPLATE, load_template
from tests.support.paths import REPO_DIR

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
DATA_SERVICES = ("dynamodb", "sqs", "s3", "kms", "sns", "logs")


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CFN_LINT), str(path)], capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"])


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``make package STAGE=dev`` into a temporary folder (schemas not needed for the template)."""
    build = tmp_path_factory.mktemp("package") / "dev"
    env = {**os.environ, "QBDGW_PACKAGE_SKIP_SCHEMAS": "1", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(["make", "--no-print-directory", "package", "STAGE=dev", f"BUILD={build}"], cwd=REPO_DIR,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"make package failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert (build / "deployment.zip").is_file()
    yield json.loads((build / "sam.json").read_text())


# cfn-lint --------------------------------------------------------------------------------------------------
def test_cfn_lint_passes_on_the_template() -> None:
    done = cfn_lint(TEMPLATE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_make_package_output_passes_cfn_lint(packaged: dict[str, Any], tmp_path: Path) -> None:
    # `make package` already ran cfn-lint; run it again here so a failure names its findings
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(packaged))
    done = cfn_lint(path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_packaged_stack_is_one_stack_with_regional_api_and_wired_functions(packaged: dict[str, Any]) -> None:
    res = packaged["Resources"]
    template = load_template()
    # every resource of the template is in the package, unchanged
    for name, resource in template["Resources"].items():
        assert res[name] == resource, name
    # the API is REGIONAL and named as the 5xx alarm expects
    (api,) = of_type(res, "AWS::Serverless::Api").values()
    assert api["Properties"]["EndpointConfiguration"] == "REGIONAL"
    assert api["Properties"]["Name"] == API_NAME
    functions = of_type(res, "AWS::Serverless::Function")
    assert set(functions) == set(FUNCTION_LOG_GROUPS)
    for name, function in functions.items():
        props = function["Properties"]
        group = res[FUNCTION_LOG_GROUPS[name]]["Properties"]
        # named for a log group with retention, and logging there
        assert group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/" + props["FunctionName"]["Fn::Sub"]}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert props["LoggingConfig"]["LogGroup"] == {"Ref": FUNCTION_LOG_GROUPS[name]}
        # data resources by reference; the only policy is the template's
        assert props["Environment"]["Variables"]["QBDGW_TABLE"] == {"Ref": "JobsTable"}
        role = res[props["Role"]["Fn::GetAtt"][0]]["Properties"]
        assert role["ManagedPolicyArns"] == [{"Ref": "FunctionPolicy"}] and "Policies" not in role
    trigger = functions["Ingress"]["Properties"]["Events"]["IngressSqsEventSource"]["Properties"]
    assert trigger["Queue"] == {"Fn::GetAtt": ["IngressQueue", "Arn"]}
    assert trigger["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_api_gateway_answers_its_own_errors_in_the_envelope(packaged: dict[str, Any]) -> None:
    # GIVEN the packaged REST API's definition
    (api,) = of_type(packaged["Resources"], "AWS::Serverless::Api").values()
    responses = api["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    # THEN a missing route, an unsupported media type, throttling, a body too large, a timeout and any 5xx
    # of API Gateway's own answer with the envelope, its status and API Gateway's request id
    expected = {"MISSING_AUTHENTICATION_TOKEN": ("route_not_found", 404), "UNSUPPORTED_MEDIA_TYPE":
                ("unsupported_media_type", 415), "THROTTLED": ("rate_limited", 429), "QUOTA_EXCEEDED":
                ("rate_limited", 429), "REQUEST_TOO_LARGE": ("payload_too_large", 413), "INTEGRATION_TIMEOUT":
                ("gateway_timeout", 504), "DEFAULT_5XX": ("internal_error", 500)}
    assert set(responses) == set(expected)
    for response_type, (code, status) in expected.items():
        response = responses[response_type]
        body = json.loads(response["responseTemplates"]["application/json"])["error"]
        assert (response["statusCode"], body["code"], body["http_status"]) == (status, code, status)
        assert body["request_id"] == "$context.requestId" and body["user_facing_message"]
        assert "$context.error" not in response["responseTemplates"]["application/json"]  # never echoes input
        assert response["responseParameters"] == {"gatewayresponse.header.Content-Type": "'application/json'"}


# Data resources ---------------------------------------------------------------------------------------------
def test_table_has_keys_indexes_ttl_pitr_encryption_and_is_retained(resources: dict[str, Any]) -> None:
    table = resources["JobsTable"]
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    indexes = {i["IndexName"] for i in props["LocalSecondaryIndexes"] + props["GlobalSecondaryIndexes"]}
    assert indexes == {"queue", "by_job_id", "outbox", "deadlines", "inflight", "sessions"}


# Standard, not FIFO: an attempt waits for its backoff as a delayed message, and a FIFO queue has no
# per-message delay (a duplicate is harmless: the attempt claims its delivery first).
STANDARD_QUEUES = {"WebhookDeliveryQueue", "WebhookDeliveryDeadLetterQueue"}


def test_every_queue_is_encrypted_and_has_a_dead_letter_queue_fifo_but_the_webhook_ones(
        resources: dict[str, Any]) -> None:
    queues = of_type(resources, "AWS::SQS::Queue")
    targets = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
               for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    sources = {name for name, q in queues.items() if "RedrivePolicy" in q["Properties"]}
    assert sources == {"IngressQueue", "ResultsQueue", "WebhookDeliveryQueue"}
    assert sources | targets == set(queues) and not sources & targets
    for name, queue in queues.items():
        props = queue["Properties"]
        if name in STANDARD_QUEUES:
            assert not props.get("FifoQueue") and not props["QueueName"]["Fn::Sub"].endswith(".fifo"), name
        else:
            assert props["FifoQueue"] is True and props["QueueName"]["Fn::Sub"].endswith(".fifo"), name
        assert props["SqsManagedSseEnabled"] is True, name
        if name in sources:
            # a bad job message (or an attempt that keeps raising) is retried a few times, a result message
            # (the SaaS may be down) longer
            assert props["RedrivePolicy"]["maxReceiveCount"] == {"IngressQueue": 5, "ResultsQueue": 10,
                                                                 "WebhookDeliveryQueue": 5}[name]
            dlq_name = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            dlq = queues[dlq_name]["Properties"]
            assert dlq["MessageRetentionPeriod"] >= props["MessageRetentionPeriod"]
            assert (name in STANDARD_QUEUES) == (dlq_name in STANDARD_QUEUES)  # SQS: a DLQ is of its source's kind
    # every queue refuses plain http
    (policy,) = of_type(resources, "AWS::SQS::QueuePolicy").values()
    assert {q["Ref"] for q in policy["Properties"]["Queues"]} == set(queues)


def test_the_webhook_delivery_queue_feeds_its_function_which_every_function_can_schedule_on(
        template: dict[str, Any], resources: dict[str, Any], packaged: dict[str, Any]) -> None:
    # GIVEN the packaged stack's functions
    functions = of_type(packaged["Resources"], "AWS::Serverless::Function")
    consumer = functions["WebhookDeliveries"]["Properties"]
    # THEN the consumer is app.py's webhook_deliveries, triggered by the template's delivery queue, ten at a time,
    # reporting partial batch failures
    assert consumer["Handler"] == "app.webhook_deliveries"
    (trigger,) = consumer["Events"].values()
    assert trigger["Type"] == "SQS"
    assert trigger["Properties"]["Queue"] == {"Fn::GetAtt": ["WebhookDeliveryQueue", "Arn"]}
    assert trigger["Properties"]["BatchSize"] == 10
    assert trigger["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # AND a message stays hidden while a batch may still run (AWS's advice: six times the function's timeout),
    # and outlives the longest wait of an attempt (15 minutes) by far
    queue = resources["WebhookDeliveryQueue"]["Properties"]
    assert consumer["Timeout"] >= 10 * ATTEMPT_TIMEOUT_SECONDS  # a batch of ten attempts to slow receivers
    assert queue["VisibilityTimeout"] >= 6 * consumer["Timeout"]
    assert queue["MessageRetentionPeriod"] >= 24 * 3600
    # AND every function can schedule an attempt there (a result's fan-out runs where it is published), named by
    # reference, the stage's queue name gone, webhooks off until the stage turns them on
    for name, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["QBDGW_WEBHOOK_QUEUE_URL"] == {"Ref": "WebhookDeliveryQueue"}, name
        assert "QBDGW_WEBHOOK_QUEUE_NAME" not in variables, name
        assert variables.get("QBDGW_WEBHOOKS", "off") == "off", name
    statements = resources["FunctionPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    arn = {"Fn::GetAtt": ["WebhookDeliveryQueue", "Arn"]}
    granted = {a for s in statements if arn in s["Resource"] for a in s["Action"]}
    assert {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= granted
    # AND the store's calls on the table are allowed (a delivery log's page reads its records in one batch)
    (table,) = [s for s in statements if s["Sid"] == "JobsTable"]
    assert "dynamodb:BatchGetItem" in table["Action"]
    # AND the stack tells where the queue and its dead-letter queue are
    assert template["Outputs"]["WebhookDeliveryQueueUrl"]["Value"] == {"Ref": "WebhookDeliveryQueue"}
    dlq_output = template["Outputs"]["WebhookDeliveryDeadLetterQueueUrl"]
    assert dlq_output["Value"] == {"Ref": "WebhookDeliveryDeadLetterQueue"}


def test_payload_bucket_is_private_encrypted_and_expires_objects(resources: dict[str, Any]) -> None:
    props = resources["PayloadBucket"]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"][key] is True for key in (
        "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    rules = props["LifecycleConfiguration"]["Rules"]
    assert any(r["Status"] == "Enabled" and r.get("ExpirationInDays") for r in rules)
    (policy,) = of_type(resources, "AWS::S3::BucketPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def kms_allows(statement: dict[str, Any], context: dict[str, str]) -> bool:
    """Whether ``statement``'s conditions let a call with this encryption context through (the operators the
    template uses: ``StringEquals``, ``Null`` and ``ForAllValues:StringEquals`` on encryption context keys)."""
    for operator, conditions in statement.get("Condition", {}).items():
        for key, wanted in conditions.items():
            values = wanted if isinstance(wanted, list) else [wanted]
            name = str(key).removeprefix("kms:EncryptionContext:")
            if key == "kms:EncryptionContextKeys":
                present = list(context)
            else:
                present = [context[name]] if name in context else []
            if operator == "StringEquals":
                allowed = len(present) == 1 and present[0] in values
            elif operator == "Null":
                allowed = (not present) == (values == ["true"])
            elif operator == "ForAllValues:StringEquals":
                allowed = all(value in values for value in present)
            else:
                raise AssertionError(f"kms_allows does not know {operator}")
            if not allowed:
                return False
    return True


def test_secrets_are_sealed_with_a_rotated_retained_key_only_for_auth_links_and_webhooks(
        resources: dict[str, Any], packaged: dict[str, Any]) -> None:
    from chalicelib.delivery.webhooks import WebhookService
    from chalicelib.store.memory_webhooks import MemoryWebhookStore
    from tests.unit.jobs.fakes import FakeSecretBox

    key = resources["SecretsKey"]
    assert key["DeletionPolicy"] == "Retain" and key["Properties"]["EnableKeyRotation"] is True
    assert resources["SecretsKeyAlias"]["Properties"]["TargetKeyId"] == {"Ref": "SecretsKey"}
    statements = resources["FunctionPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    seals = {s["Sid"]: s for s in statements if any(str(a).startswith("kms:") for a in s["Action"])}
    assert set(seals) == {"SealAuthLinkPasswords", "SealWebhookSecrets"}
    # the functions may only encrypt and decrypt, with this key
    for seal in seals.values():
        assert sorted(seal["Action"]) == ["kms:Decrypt", "kms:Encrypt"]
        assert seal["Resource"] == [{"Fn::GetAtt": ["SecretsKey", "Arn"]}]
    # AND only for what the code seals: an auth link's password, a webhook endpoint's signing secret
    contexts: list[dict[str, str]] = []

    class Recording(FakeSecretBox):
        def seal(self, secret: str, context: Any) -> str:
            contexts.append(dict(context))
            return super().seal(secret, context)

    class NoQueue:
        def schedule(self, delivery_id: str, delay_seconds: int) -> None:
            raise AssertionError("making an endpoint schedules nothing")

    WebhookService(MemoryWebhookStore(), Recording(), lambda: datetime.now(UTC), NoQueue(),
                   local=True).create_endpoint("http://127.0.0.1:9/hooks")
    (webhook,) = contexts
    auth_link = {"purpose": "auth-link-password", "end_user_id": "eu_1", "link": "al_1"}
    from chalicelib.api.endusers import _seal_context

    created = _seal_context("eu_1")  # an end-user created under an Idempotency-Key: its password for the replay
    allowed = {sid: [kms_allows(seal, c) for c in (auth_link, created, webhook)] for sid, seal in seals.items()}
    assert allowed == {"SealAuthLinkPasswords": [True, True, False], "SealWebhookSecrets": [False, False, True]}
    for other in ({}, {"purpose": "something-else"}, {**webhook, "purpose": "something-else"}):
        assert not any(kms_allows(seal, other) for seal in seals.values()), other
    for function in of_type(packaged["Resources"], "AWS::Serverless::Function").values():
        assert function["Properties"]["Environment"]["Variables"]["QBDGW_SECRETS_KEY_ID"] == {"Ref": "SecretsKey"}


def test_the_hash_pepper_is_a_retained_generated_secret_resolved_at_deploy_time(resources: dict[str, Any],
                                                                               packaged: dict[str, Any]) -> None:
    pepper = resources["HashPepper"]
    assert pepper["Type"] == "AWS::SecretsManager::Secret"
    assert pepper["DeletionPolicy"] == pepper["UpdateReplacePolicy"] == "Retain"  # losing it locks everyone out
    generated = pepper["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True  # no comma in it
    resolved = {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "HashPepper"}, ":SecretString}}"]]}
    for function in of_type(packaged["Resources"], "AWS::Serverless::Function").values():
        assert function["Properties"]["Environment"]["Variables"]["QBDGW_SECRET_PEPPERS"] == resolved
    # nothing at run time reads Secrets Manager: the functions are given no access to it
    statements = resources["FunctionPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert not [a for s in statements for a in s["Action"] if str(a).startswith("secretsmanager:")]


def test_the_local_stack_knows_every_resource_type(resources: dict[str, Any]) -> None:
    # each type is created on the emulator or explicitly left to CloudFormation
    assert {r["Type"] for r in resources.values()} <= CREATED_TYPES | SKIPPED_TYPES


# IAM ------------------------------------------------------------------------------------------------------
def test_function_policy_is_least_privilege(resources: dict[str, Any]) -> None:
    statements = resources["FunctionPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            service, _, verb = action.partition(":")
            assert service in DATA_SERVICES and "*" not in verb, action
        # resources are the template's own, by reference, never a bare wildcard
        for resource in statement["Resource"]:
            assert isinstance(resource, dict), resource
            text = json.dumps(resource)
            assert "GetAtt" in text or re.search(r"\$\{\w+\.Arn\}", text), resource


# Alarms and dashboard -------------------------------------------------------------------------------------
def _function_name(logical: str, resources: dict[str, Any]) -> str:
    group = resources[FUNCTION_LOG_GROUPS[logical]]["Properties"]["LogGroupName"]["Fn::Sub"]
    return str(group).removeprefix("/aws/lambda/")


def required_alarms(resources: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(namespace, metric, dimension it must watch) for every alarm the issue names."""
    wanted: list[tuple[str, str, dict[str, Any] | None]] = [
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible",
         {"Name": "QueueName", "Value": {"Fn::GetAtt": ["IngressDeadLetterQueue", "QueueName"]}}),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible",
         {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ResultsDeadLetterQueue", "QueueName"]}}),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible",
         {"Name": "QueueName", "Value": {"Fn::GetAtt": ["WebhookDeliveryDeadLetterQueue", "QueueName"]}}),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage",
         {"Name": "QueueName", "Value": {"Fn::GetAtt": ["IngressQueue", "QueueName"]}}),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage",
         {"Name": "QueueName", "Value": {"Fn::GetAtt": ["WebhookDeliveryQueue", "QueueName"]}}),
        ("AWS/ApiGateway", "5XXError", {"Name": "ApiName", "Value": API_NAME}),
        ("QbdGateway", "OldestQueuedJobAgeSeconds", {"Name": "service", "Value": "qbd-gateway"}),
        ("QbdGateway", "StuckInFlightJobs", {"Name": "service", "Value": "qbd-gateway"}),
        ("QbdGateway", "PublishFailures", {"Name": "service", "Value": "qbd-gateway"}),
        ("QbdGateway", "AuthenticationFailures", {"Name": "service", "Value": "qbd-gateway"}),
    ]
    for logical in FUNCTION_LOG_GROUPS:
        name = {"Name": "FunctionName", "Value": {"Fn::Sub": _function_name(logical, resources)}}
        wanted += [("AWS/Lambda", "Errors", name), ("AWS/Lambda", "Throttles", name)]
    return wanted


def test_every_alarm_the_issue_names_exists_with_a_threshold_and_the_topic(resources: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in of_type(resources, "AWS::CloudWatch::Alarm").values()]
    for namespace, metric, dimension in required_alarms(resources):
        found = [a for a in alarms if a["Namespace"] == namespace and a["MetricName"] == metric
                 and dimension in a["Dimensions"]]
        assert found, f"no alarm on {namespace} {metric} {dimension}"
    for alarm in alarms:
        assert isinstance(alarm["Threshold"], int | float) and alarm["EvaluationPeriods"] >= 1
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], alarm["AlarmName"]
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["AlarmDescription"]
    # thresholds that mean what the docs say
    by_metric = {(a["Namespace"], a["MetricName"]): a for a in alarms}
    assert by_metric[("AWS/SQS", "ApproximateNumberOfMessagesVisible")]["Threshold"] == 1
    assert by_metric[("AWS/ApiGateway", "5XXError")]["Statistic"] == "Average"


def test_alarm_topic_has_an_optional_email_subscription(template: dict[str, Any], resources: dict[str, Any]) -> None:
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


def _dashboard(resources: dict[str, Any]) -> dict[str, Any]:
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return dict(json.loads(body))  # ${…} sit inside JSON strings, so the body parses as it is


def test_dashboard_shows_every_alarm_and_its_metric(resources: dict[str, Any]) -> None:
    widgets = _dashboard(resources)["widgets"]
    lines = [line for w in widgets for line in w["properties"].get("metrics", [])]
    alarm_arns = {arn for w in widgets for arn in w["properties"].get("alarms", [])}
    for logical, alarm in of_type(resources, "AWS::CloudWatch::Alarm").items():
        assert "${" + logical + ".Arn}" in alarm_arns, logical
        props = alarm["Properties"]
        dims: list[str] = []
        for d in props["Dimensions"]:
            value = d["Value"]
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                value = "${" + ".".join(value["Fn::GetAtt"]) + "}"
            elif isinstance(value, dict):
                value = value["Fn::Sub"]
            dims += [d["Name"], value]
        assert any(line[:2] == [props["Namespace"], props["MetricName"]] and line[2:2 + len(dims)] == dims
                   for line in lines), f"dashboard lacks {props['Namespace']} {props['MetricName']} {dims}"


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_the_web_connector_runs_with_the_memory_its_cost_is_priced_at(stage: str) -> None:
    # GIVEN Chalice's own reading of .chalice/config.json for the stage
    from chalice.config import Config

    from bench import cost

    disk = json.loads((REPO_DIR / ".chalice" / "config.json").read_text())
    # WHEN it resolves the Web Connector's function and the API's
    connector = Config(chalice_stage=stage, function_name="web_connector", config_from_disk=disk)
    api = Config(chalice_stage=stage, function_name="api_handler", config_from_disk=disk)
    # THEN the Web Connector gets the memory bench.cost prices (docs/benchmarks.md: more memory bills more
    # GB-s for its polls, which mostly wait on DynamoDB), whatever the stage gives the other functions
    assert connector.lambda_memory_size == cost.MEMORY_GB * 1024 == 512
    assert api.lambda_memory_size == (1024 if stage == "prod" else 512)
    assert connector.reserved_concurrency == api.reserved_concurrency
