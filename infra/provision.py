"""Create the data resources of ``infra/template.json`` on an AWS-compatible endpoint.

A deployment hands the template (merged into ``chalice package`` output) to CloudFormation. The local
stack and the tests use this module to create exactly the same table, queues, bucket and KMS key on
the embedded emulator (moto) or on dynalite, so local and production never drift apart: the template
is the single definition.

The emulator cannot create, or has no use for, the rest of the template: alarms, the dashboard, the
alarm topic, log groups, IAM, queue and bucket policies (:data:`SKIPPED_TYPES`). They are skipped by
name, never silently, and ``tests/unit/test_template.py`` asserts on the template itself that they are
present and correct. A type in neither list stops provisioning, so a new resource type is a decision.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("template.json")
CREATED_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::KMS::Key",
                           "AWS::KMS::Alias"})
SKIPPED_TYPES = frozenset({
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::IAM::ManagedPolicy",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",  # the hash pepper: the local stack makes its own (infra.localstack)
})
PSEUDO_PARAMETERS = {"AWS::AccountId": "000000000000", "AWS::Region": "us-east-1", "AWS::Partition": "aws",
                     "AWS::URLSuffix": "amazonaws.com"}
_SUB = re.compile(r"\$\{([^}!]+)\}")


@dataclass(frozen=True)
class Outputs:
    table_name: str
    results_queue_url: str
    ingress_queue_url: str
    ingress_dlq_url: str
    results_dlq_url: str = ""
    payload_bucket: str = ""
    secrets_key_id: str = ""
    webhook_queue_url: str = ""
    webhook_dlq_url: str = ""

    def env(self) -> dict[str, str]:
        """The gateway's environment variables for these resources."""
        env = {
            "QBDGW_TABLE": self.table_name,
            "QBDGW_RESULTS_QUEUE_URL": self.results_queue_url,
            "QBDGW_INGRESS_QUEUE_URL": self.ingress_queue_url,
            "QBDGW_INGRESS_DLQ_URL": self.ingress_dlq_url,
        }
        if self.payload_bucket:
            env["QBDGW_PAYLOAD_BUCKET"] = self.payload_bucket
        if self.secrets_key_id:
            env["QBDGW_SECRETS_KEY_ID"] = self.secrets_key_id
        if self.webhook_queue_url:
            env["QBDGW_WEBHOOK_QUEUE_URL"] = self.webhook_queue_url
        return env


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def parameter_values(doc: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """The template's parameter defaults, overridden by ``given``, plus the pseudo parameters."""
    values = {name: str(spec["Default"]) for name, spec in doc.get("Parameters", {}).items() if "Default" in spec}
    return {**PSEUDO_PARAMETERS, **values, **given}


class _Resolver:
    """Resolves ``Ref``, ``Fn::Sub`` and ``Fn::GetAtt`` against parameters and already-created resources."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = params
        self.refs: dict[str, str] = {}
        self.attrs: dict[tuple[str, str], str] = {}

    def _lookup(self, name: str) -> str:
        if "." in name:
            logical, attr = name.split(".", 1)
            if (logical, attr) not in self.attrs:
                raise LookupError(f"cannot resolve {logical}.{attr} yet")
            return self.attrs[(logical, attr)]
        if name in self.params:
            return self.params[name]
        if name in self.refs:
            return self.refs[name]
        raise LookupError(f"cannot resolve {name} yet")

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "Fn::Sub" in value:
                return _SUB.sub(lambda match: self._lookup(match.group(1)), str(value["Fn::Sub"]))
            if "Ref" in value:
                return self._lookup(str(value["Ref"]))
            if "Fn::GetAtt" in value:
                logical, attr = value["Fn::GetAtt"]
                return self._lookup(f"{logical}.{attr}")
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


def _queue_attributes(props: dict[str, Any]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for key, value in props.items():
        if key == "QueueName":
            continue
        if key in ("RedrivePolicy", "RedriveAllowPolicy"):
            attributes[key] = json.dumps(value)
        elif isinstance(value, bool):
            attributes[key] = "true" if value else "false"
        else:
            attributes[key] = str(value)
    return attributes


def _create_queue(sqs: Any, props: dict[str, Any]) -> tuple[str, str]:
    url = str(sqs.create_queue(QueueName=props["QueueName"], Attributes=_queue_attributes(props))["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, str(arn)


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """One rule of ``LifecycleConfiguration`` in the S3 API's shape (CloudFormation's is flatter)."""
    out: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"],
                           "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    return out


def _create_bucket(s3: Any, props: dict[str, Any]) -> str:
    name = str(props["BucketName"])
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        s3.create_bucket(Bucket=name)
    encryption = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration")
    if encryption:
        rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                  **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {})}
                 for rule in encryption]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    block = props.get("PublicAccessBlockConfiguration")
    if block:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    rules = props.get("LifecycleConfiguration", {}).get("Rules")
    if rules:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in rules]})
    return name


def _create_key(kms: Any, props: dict[str, Any]) -> str:
    """The key named by the description: found again on a second run (an alias points at it), else made."""
    for alias in kms.list_aliases().get("Aliases", []):
        if alias.get("TargetKeyId") and not str(alias["AliasName"]).startswith("alias/aws/") and kms.describe_key(
                KeyId=alias["TargetKeyId"])["KeyMetadata"].get("Description") == props.get("Description"):
            return str(alias["TargetKeyId"])
    made = kms.create_key(Description=str(props.get("Description", "")), KeySpec=str(props["KeySpec"]),
                          KeyUsage=str(props["KeyUsage"]))
    return str(made["KeyMetadata"]["KeyId"])


def _create_alias(kms: Any, props: dict[str, Any]) -> None:
    names = {alias["AliasName"] for alias in kms.list_aliases().get("Aliases", [])}
    if props["AliasName"] not in names:
        kms.create_alias(AliasName=str(props["AliasName"]), TargetKeyId=str(props["TargetKeyId"]))


def provision(stage: str, *, dynamodb: Any, sqs: Any | None, s3: Any | None = None, kms: Any | None = None,
              template: Path = TEMPLATE) -> Outputs:
    """Create the template's table, queues, bucket and key (idempotent) and return the stack's outputs.

    ``sqs=None``, ``s3=None`` or ``kms=None`` leaves those resources out (tests that need only the
    table). Every resource of a type in :data:`SKIPPED_TYPES` is left to CloudFormation.
    """
    doc = load_template(template)
    resolve = _Resolver(parameter_values(doc, {"Stage": stage}))
    pending = {logical: resource for logical, resource in doc["Resources"].items()
               if resource["Type"] not in SKIPPED_TYPES}
    unknown = sorted(f"{logical} ({r['Type']})" for logical, r in pending.items() if r["Type"] not in CREATED_TYPES)
    if unknown:
        raise ValueError(f"the local stack does not know how to create {', '.join(unknown)}")
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
                    url = arn = ""
                else:
                    url, arn = _create_queue(sqs, props)
                resolve.refs[logical], resolve.attrs[(logical, "Arn")] = url, arn
                resolve.attrs[(logical, "QueueName")] = str(props["QueueName"])
            elif kind == "AWS::KMS::Key":
                resolve.refs[logical] = "" if kms is None else _create_key(kms, props)
                resolve.attrs[(logical, "Arn")] = resolve.refs[logical]
            elif kind == "AWS::KMS::Alias":
                if kms is not None:
                    _create_alias(kms, props)
                resolve.refs[logical] = str(props["AliasName"])
            else:  # AWS::S3::Bucket
                name = str(props["BucketName"]) if s3 is None else _create_bucket(s3, props)
                resolve.refs[logical] = name
                resolve.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"
            del pending[logical]
            progressed = True
        if not progressed:
            raise LookupError(f"unresolvable references among {sorted(pending)}")

    def output(name: str) -> str:
        return str(resolve(doc["Outputs"][name]["Value"]))

    return Outputs(
        table_name=output("TableName"),
        results_queue_url=output("ResultsQueueUrl"),
        ingress_queue_url=output("IngressQueueUrl"),
        ingress_dlq_url=output("IngressDeadLetterQueueUrl"),
        results_dlq_url=output("ResultsDeadLetterQueueUrl"),
        payload_bucket=output("PayloadBucketName"),
        secrets_key_id=output("SecretsKeyId"),
        webhook_queue_url=output("WebhookDeliveryQueueUrl"),
        webhook_dlq_url=output("WebhookDeliveryDeadLetterQueueUrl"),
    )
