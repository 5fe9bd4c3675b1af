"""Post-process ``chalice package --merge-template infra/template.json`` output for deployment.

``make package`` merges the infrastructure template into Chalice's SAM template, so one stack holds the
functions, the API and everything they use. Chalice's output has no option for what follows, so this
adds it, in place:

* ``ReportBatchItemFailures`` on every SQS event source — without it Lambda would ignore the
  ``batchItemFailures`` the ingress and webhook delivery handlers return and retry (or drop) whole
  batches;
* Lambda's JSON log format at INFO on every function — so the structured fields the code logs
  (``job_id``, ``end_user_id``, …) reach CloudWatch and can be queried;
* the wiring to the template's resources, by reference, so names cannot drift: every function gets
  the name its log group (with retention) is made for, logs there, and reads the table, queue URLs
  and bucket from ``Ref``; each SQS trigger reads its queue by ``Fn::GetAtt`` (``Ingress`` the FIFO
  ``IngressQueue``, ``WebhookDeliveries`` the standard ``WebhookDeliveryQueue``: :data:`EVENT_QUEUES`); every
  function role has exactly the template's ``FunctionPolicy`` (the inline policy Chalice generates
  from ``.chalice/policy-<stage>.json`` is dropped); the REST API is named ``qbd-gateway-<stage>``,
  the ``ApiName`` the 5xx alarm watches, and its gateway responses (a missing route, throttling, a
  body too large, a timeout, its own 5xx) answer in the error envelope (:mod:`chalicelib.api.edge`);
* a Function URL on the ``WebConnector`` function (the Web Connector's SOAP endpoint without API
  Gateway's per-request charge: :mod:`chalicelib.api.function_url`), its URL given to the API
  function as ``QBDGW_QBWC_URL`` for the ``.qwc`` files and in the stack's outputs.

::

    python -m infra.package build/sam.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.api.edge import gateway_responses

LOGGING_CONFIG = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
# Chalice's logical id of each function → the template's log group for it (its name fixes the function's).
FUNCTION_LOG_GROUPS = {
    "APIHandler": "ApiHandlerLogGroup",
    "WebConnector": "WebConnectorLogGroup",
    "Ingress": "IngressLogGroup",
    "WebhookDeliveries": "WebhookDeliveriesLogGroup",
    "RepublishResults": "RepublishResultsLogGroup",
    "ExpireOverdueJobs": "ExpireOverdueJobsLogGroup",
}
FUNCTION_ENVIRONMENT: dict[str, Any] = {
    "QBDGW_STAGE": {"Ref": "Stage"},
    "QBDGW_TABLE": {"Ref": "JobsTable"},
    "QBDGW_RESULTS_QUEUE_URL": {"Ref": "ResultsQueue"},
    "QBDGW_INGRESS_DLQ_URL": {"Ref": "IngressDeadLetterQueue"},
    "QBDGW_WEBHOOK_QUEUE_URL": {"Ref": "WebhookDeliveryQueue"},  # every function may schedule an attempt
    "QBDGW_PAYLOAD_BUCKET": {"Ref": "PayloadBucket"},
    "QBDGW_SECRETS_KEY_ID": {"Ref": "SecretsKey"},
    # Resolved by CloudFormation at deploy time: no Secrets Manager call on a cold start.
    "QBDGW_SECRET_PEPPERS": {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "HashPepper"}, ":SecretString}}"]]},
}
# Names the stage's config may carry for other uses; in the stack the references above replace them.
REPLACED_ENVIRONMENT = ("QBDGW_INGRESS_QUEUE_NAME", "QBDGW_RESULTS_QUEUE_NAME", "QBDGW_INGRESS_DLQ_NAME",
                        "QBDGW_WEBHOOK_QUEUE_NAME")
API_NAME = {"Fn::Sub": "qbd-gateway-${Stage}"}
WEB_CONNECTOR_URL = {"Fn::GetAtt": ["WebConnectorUrl", "FunctionUrl"]}  # made by SAM from FunctionUrlConfig
# The function with an SQS trigger → the template's queue it consumes, and whether that queue is FIFO.
EVENT_QUEUES = {"Ingress": ("IngressQueue", True), "WebhookDeliveries": ("WebhookDeliveryQueue", False)}
MERGED = ("JobsTable", "ResultsQueue", "FunctionPolicy", *(queue for queue, _fifo in EVENT_QUEUES.values()),
          *FUNCTION_LOG_GROUPS.values())


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in template.get("Resources", {}).items()
            if resource.get("Type") == "AWS::Serverless::Function"}


def add_batch_item_failures(template: dict[str, Any]) -> int:
    """Enable ReportBatchItemFailures on every SQS event of every function; returns how many."""
    changed = 0
    for resource in _functions(template).values():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") == "SQS":
                event.setdefault("Properties", {})["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
                changed += 1
    return changed


def add_json_logging(template: dict[str, Any]) -> int:
    """Switch every function to Lambda's JSON log format; returns how many."""
    for resource in _functions(template).values():
        config = resource.setdefault("Properties", {}).setdefault("LoggingConfig", {})
        config.update(LOGGING_CONFIG)
    return len(_functions(template))


def missing_merge(template: dict[str, Any]) -> list[str]:
    """The template's resources that are not in this document (``--merge-template`` was not used)."""
    resources = template.get("Resources", {})
    return [name for name in MERGED if name not in resources]


def wire_resources(template: dict[str, Any]) -> list[str]:
    """Point the functions, their roles and the API at the merged template's resources; returns the roles."""
    resources = template["Resources"]
    roles: list[str] = []
    for logical, function in _functions(template).items():
        props = function.setdefault("Properties", {})
        log_group = FUNCTION_LOG_GROUPS.get(logical)
        if log_group is None:
            raise ValueError(f"function {logical} has no log group in infra/template.json (FUNCTION_LOG_GROUPS)")
        group_name = resources[log_group]["Properties"]["LogGroupName"]["Fn::Sub"]
        props["FunctionName"] = {"Fn::Sub": str(group_name).removeprefix("/aws/lambda/")}
        props.setdefault("LoggingConfig", {})["LogGroup"] = {"Ref": log_group}
        variables = props.setdefault("Environment", {}).setdefault("Variables", {})
        for name in REPLACED_ENVIRONMENT:
            variables.pop(name, None)
        variables.update(FUNCTION_ENVIRONMENT)
        for event in props.get("Events", {}).values():
            if event.get("Type") == "SQS":
                _wire_queue(logical, event["Properties"])
        role = props.get("Role", {}).get("Fn::GetAtt", [None])[0]
        if role in resources:
            role_props = resources[role].setdefault("Properties", {})
            role_props.pop("Policies", None)
            role_props["ManagedPolicyArns"] = [{"Ref": "FunctionPolicy"}]
            roles.append(str(role))
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::Api":
            api = resource.setdefault("Properties", {})
            api["Name"] = dict(API_NAME)
            definition = api.setdefault("DefinitionBody", {})
            definition.setdefault("info", {})["title"] = dict(API_NAME)
            definition["x-amazon-apigateway-gateway-responses"] = gateway_responses()
    return roles


def _wire_queue(function: str, event: dict[str, Any]) -> None:
    """Point an SQS trigger of ``function`` at the template's queue for it (Chalice names the queue instead)."""
    if function not in EVENT_QUEUES:
        raise ValueError(f"function {function} has an SQS trigger but no queue in infra/template.json (EVENT_QUEUES)")
    queue, fifo = EVENT_QUEUES[function]
    event["Queue"] = {"Fn::GetAtt": [queue, "Arn"]}
    if fifo:
        event.pop("MaximumBatchingWindowInSeconds", None)  # not for FIFO queues


def add_web_connector_url(template: dict[str, Any]) -> bool:
    """Serve the ``WebConnector`` function from a Function URL (no per-request charge, unlike the REST API:
    chalicelib/api/function_url.py) and hand its URL to the API, whose ``.qwc`` files name it — unless the
    stage names its own endpoint in front of it (``QBDGW_QBWC_URL`` in its ``environment_variables``, e.g.
    CloudFront on a custom domain): that one is kept."""
    functions = _functions(template)
    if "WebConnector" not in functions:
        return False
    functions["WebConnector"]["Properties"]["FunctionUrlConfig"] = {"AuthType": "NONE", "InvokeMode": "BUFFERED"}
    variables = functions["APIHandler"]["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
    if not str(variables.get("QBDGW_QBWC_URL") or "").strip():
        variables["QBDGW_QBWC_URL"] = dict(WEB_CONNECTOR_URL)
    template.setdefault("Outputs", {})["WebConnectorUrl"] = {
        "Description": "The Web Connector's endpoint (a Lambda Function URL): the .qwc files name it",
        "Value": dict(WEB_CONNECTOR_URL)}
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m infra.package build/sam.json", file=sys.stderr)
        return 2
    path = Path(argv[0])
    template = json.loads(path.read_text())
    changed = add_batch_item_failures(template)
    if not changed:
        print(f"{path}: no SQS event source found", file=sys.stderr)
        return 1
    missing = missing_merge(template)
    if missing:
        print(f"{path}: not merged with infra/template.json (missing {', '.join(missing)}): "
              "run chalice package with --merge-template infra/template.json", file=sys.stderr)
        return 1
    functions = add_json_logging(template)
    roles = wire_resources(template)
    if not add_web_connector_url(template):
        print(f"{path}: no WebConnector function (app.py's web_connector)", file=sys.stderr)
        return 1
    path.write_text(json.dumps(template, indent=2))
    print(f"{path}: ReportBatchItemFailures on {changed} SQS event source(s); JSON logs, log group, environment "
          f"on {functions} function(s); FunctionPolicy on {len(roles)} role(s); the Web Connector's Function URL")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
