"""Simulated company files with many customers, for the paged-query tests."""

from __future__ import annotations

import random

from chalicelib.qbxml import QbxmlVersion, build_message_set, parse_job_qbxml
from simulator.quickbooks import CompanyFile
from tests.support.paths import SCHEMA_DIR

V13 = QbxmlVersion(13, 0)


def company_with(count: int, seed: int = 3, name: str = "Paging Co") -> tuple[CompanyFile, list[str]]:
    """GIVEN a company file with ``count`` customers of assorted names; returns it and their names in order."""
    company = CompanyFile(name, schema_dir=SCHEMA_DIR)
    rng = random.Random(seed)
    names = set()
    while len(names) < count:
        names.add(rng.choice(["Acme", "acme", "Bolt", "Émile", "Zed", "zulu", "Mc", "O'Neil"])
                  + f" {rng.randrange(10**6):06d}")
    adds = "".join(f"<CustomerAddRq requestID='{i}'><CustomerAdd><Name>{n}</Name></CustomerAdd></CustomerAddRq>"
                   for i, n in enumerate(sorted(names)))
    for start in range(0, count, 100):
        chunk = "".join(adds.split("</CustomerAddRq>")[start:start + 100])
        chunk = chunk.replace("<CustomerAddRq", "</CustomerAddRq><CustomerAddRq")[len("</CustomerAddRq>"):]
        company.process(build_message_set(parse_job_qbxml(chunk + "</CustomerAddRq>"), version=V13,
                                          request_id="add"))
    return company, sorted(names, key=str.casefold)
