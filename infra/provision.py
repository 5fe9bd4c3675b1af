"""Create the tables and queues of ``infra/template.json`` on an AWS-compatible endpoint.

A deployment hands the template to CloudFormation. The local stack and the tests use this module to
create exactly the same resources on the embedded emulator (moto) or on dynalite, so local and
production never drift apart: the template is the single definition.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("template.json")


@dataclass(frozen=True)
class Outputs:
    table_name: str
    results_queue_url: str
    ingress_queue_url: str
    ingress_dlq_url: str

    def env(self) -> dict[str, str]:
        """The gateway's environment variables for these resources."""
        return {
            "QBDGW_TABLE": self.table_name,
            "QBDGW_RESULTS_QUEUE_URL": self.results_queue_url,
            "QBDGW_INGRESS_QUEUE_URL": self.ingress_queue_url,
            "QBDGW_INGRESS_DLQ_URL": self.ingress_dlq_url,
        }


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


class _Resolver:
    def __init__(self, params: dict[str, str]) -> None:
        self.params = params
        self.refs: dict[str, str] = {}
        self.arns: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "Fn::Sub" in value:
                text = str(value["Fn::Sub"])
                for name, param in self.params.items():
                    text = text.replace("${" + name + "}", param)
                return text
            if "Ref" in value:
                ref = str(value["Ref"])
                return self.params.get(ref, self.refs.get(ref))
            if "Fn::GetAtt" in value:
                logical, attr = value["Fn::GetAtt"]
                if attr != "Arn" or logical not in self.arns:
                    raise LookupError(f"cannot resolve {logical}.{attr} yet")
                return self.arns[logical]
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _create_table(dynamodb: Any, props: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = {k: props[k] for k in ("TableName", "AttributeDefinitions", "KeySchema")}
    kwargs["BillingMode"] = props.get("BillingMode", "PAY_PER_REQUEST")
    for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        if props.get(key):
            kwargs[key] = props[key]
    name = str(props["TableName"])
    if name not in dynamodb.list_tables().get("TableNames", []):
        dynamodb.create_table(**kwargs)
    for _ in range(200):
        if dynamodb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        try:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        except Exception as exc:  # dynalite has no TTL API; TTL is a cost measure, not a behaviour
            if "UnknownOperation" not in repr(exc) and "not supported" not in repr(exc).lower():
                raise
    return name


def _create_queue(sqs: Any, props: dict[str, Any]) -> tuple[str, str]:
    attributes: dict[str, str] = {}
    for key, value in props.items():
        if key == "QueueName":
            continue
        if key == "RedrivePolicy":
            attributes[key] = json.dumps(value)
        elif isinstance(value, bool):
            attributes[key] = "true" if value else "false"
        else:
            attributes[key] = str(value)
    url = str(sqs.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, str(arn)


def provision(stage: str, *, dynamodb: Any, sqs: Any | None, template: Path = TEMPLATE) -> Outputs:
    """Create every resource of the template (idempotent) and return the stack's outputs."""
    doc = load_template(template)
    resolve = _Resolver({"Stage": stage})
    pending = dict(doc["Resources"])
    while pending:
        progressed = False
        for logical, resource in list(pending.items()):
            try:
                props = resolve(resource.get("Properties", {}))
            except LookupError:
                continue
            kind = resource["Type"]
            if kind == "AWS::DynamoDB::Table":
                resolve.refs[logical] = _create_table(dynamodb, props)
            elif kind == "AWS::SQS::Queue":
                if sqs is None:
                    resolve.refs[logical] = resolve.arns[logical] = ""
                else:
                    resolve.refs[logical], resolve.arns[logical] = _create_queue(sqs, props)
            else:
                raise ValueError(f"the local stack does not know how to create {kind} ({logical})")
            del pending[logical]
            progressed = True
        if not progressed:
            raise LookupError(f"unresolvable references among {sorted(pending)}")
    out = {name: resolve(spec["Value"]) for name, spec in doc["Outputs"].items()}
    return Outputs(
        table_name=out["TableName"],
        results_queue_url=out["ResultsQueueUrl"],
        ingress_queue_url=out["IngressQueueUrl"],
        ingress_dlq_url=out["IngressDeadLetterQueueUrl"],
    )
