"""The qbXML layer is pure: it imports neither boto3, botocore nor chalice."""

from __future__ import annotations

import ast

from tests.support.paths import REPO_DIR

FORBIDDEN = {"boto3", "botocore", "chalice"}


def test_qbxml_package_imports_no_aws_or_chalice() -> None:
    # GIVEN every module of chalicelib/qbxml
    modules = sorted((REPO_DIR / "chalicelib" / "qbxml").glob("*.py"))
    assert modules
    # WHEN their imports are collected
    imported: set[str] = set()
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    # THEN none of them is boto3, botocore or chalice (and lxml is, so the walk saw real imports)
    assert "lxml" in imported
    assert not imported & FORBIDDEN
