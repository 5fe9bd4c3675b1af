"""Post-process ``chalice package`` output for deployment.

Chalice's SAM template subscribes the ``ingress`` function to the jobs-in queue but has no option
for partial batch responses; without ``ReportBatchItemFailures`` Lambda would ignore the
``batchItemFailures`` the handler returns and retry (or drop) whole batches. This adds it to every
SQS event source, in place::

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
    path.write_text(json.dumps(template, indent=2))
    print(f"{path}: ReportBatchItemFailures on {changed} SQS event source(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
