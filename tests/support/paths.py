"""Where the tests find the repository and Intuit's reference material (never copied in)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("QBDGW_SHARED_DIR", REPO_DIR.parent / "shared")).resolve()
REFERENCE_DIR = SHARED_DIR / "reference"
SCHEMA_DIR = Path(os.environ.get("QBDGW_SCHEMA_DIR", REFERENCE_DIR / "qbxml")).resolve()
WSDL_DIR = REFERENCE_DIR / "wsdl"
SAMPLES_DIR = REFERENCE_DIR / "samples"
FIXTURES_DIR = REPO_DIR / "tests" / "fixtures"
