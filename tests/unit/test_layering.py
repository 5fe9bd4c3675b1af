"""The protocol and domain layers stay pure: no boto3, botocore or chalice (DESIGN §9)."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.support.paths import REPO_DIR

PURE = ["chalicelib/qbwc", "chalicelib/qbxml", "chalicelib/jobs"]
FORBIDDEN = {"boto3", "botocore", "chalice"}


def _imports(path: str) -> set[str]:
    tree = ast.parse((REPO_DIR / path).read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PURE)
def test_pure_layer_source_imports_no_aws_or_chalice(package: str) -> None:
    # GIVEN every module of a pure package
    modules = sorted((REPO_DIR / package).rglob("*.py"))
    assert modules, f"{package} has no modules"
    # WHEN its import statements are read THEN none names boto3, botocore or chalice
    for module in modules:
        bad = _imports(str(module.relative_to(REPO_DIR))) & FORBIDDEN
        assert not bad, f"{module.relative_to(REPO_DIR)} imports {sorted(bad)}"


def test_pure_layers_load_without_aws_or_chalice_in_sys_modules() -> None:
    # GIVEN a fresh interpreter WHEN it imports the pure packages THEN boto3/chalice were never loaded,
    # not even transitively
    code = (
        "import sys; import chalicelib.qbwc.service, chalicelib.qbwc.codec, chalicelib.qbxml,"
        " chalicelib.jobs.queue;"
        "print(','.join(sorted(m for m in ('boto3','botocore','chalice') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_DIR, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_importing_the_app_loads_no_typed_qbxml_model() -> None:
    # GIVEN a fresh interpreter WHEN it imports app.py (every Lambda's cold start) THEN neither the typed
    # models' runtime nor any object group of chalicelib.qbxml.models is loaded (they load per group, on use)
    code = ("import sys; import app; "
            "print(','.join(sorted(m for m in sys.modules if m.startswith('chalicelib.qbxml.models'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_DIR, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
