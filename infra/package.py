"""Post-process ``chalice package`` output for deployment.

Chalice's SAM template has no option for two things the gateway needs, so this adds them, in place:

* ``ReportBatchItemFailures`` on every SQS event source — without it Lambda would ignore the
  ``batchItemFailures`` the ingress handler returns and retry (or drop) whole batches;
* Lambda's JSON log format at INFO on every function — so the structured fields the code logs
  (``job_id``, ``end_user_id``, …) reach CloudWatch and can be queried.

::

    python -m infra.package build/sam.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def add_batch_item_failures(template: dict[str, Any]) -> int:
    """Enable ReportBatchItemFailures on every SQS event of every function; returns how many."""
    changed = 0
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") == "SQS":
                event.setdefault("Properties", {})["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
                changed += 1
    return changed


LOGGING_CONFIG = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}


def add_json_logging(template: dict[str, Any]) -> int:
    """Switch every function to Lambda's JSON log format; returns how many."""
    changed = 0
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["LoggingConfig"] = dict(LOGGING_CONFIG)
            changed += 1
    return changed


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
    functions = add_json_logging(template)
    path.write_text(json.dumps(template, indent=2))
    print(f"{path}: ReportBatchItemFailures on {changed} SQS event source(s); JSON logs on {functions} function(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
