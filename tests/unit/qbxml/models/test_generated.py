"""The committed models are what ``tools/gen_qbxml_models.py`` writes from Intuit's 16.0 schema, and the
package loads one object group at a time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.qbxml.models._names import SPECIAL_CASES, UNION_FIELDS
from tests.support.paths import REPO_DIR, SCHEMA_DIR
from tools.gen_qbxml_models import generate, is_generated, write

PACKAGE_DIR = REPO_DIR / "chalicelib" / "qbxml" / "models"
HAND_WRITTEN = {"__init__.py", "_base.py", "_scalars.py", "_xml.py"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models")
    write(generate(SCHEMA_DIR), out)
    return out


def test_the_committed_models_are_up_to_date(regenerated: Path) -> None:
    # GIVEN the modules regenerated into a fresh folder from the schema
    fresh = {path.name: path.read_text(encoding="utf-8") for path in regenerated.glob("*.py")}
    committed = {
        path.name: path.read_text(encoding="utf-8")
        for path in PACKAGE_DIR.glob("*.py")
        if path.name not in HAND_WRITTEN
    }
    # WHEN they are compared with the committed ones
    stale = sorted(name for name in committed.keys() - fresh.keys())
    missing = sorted(name for name in fresh.keys() - committed.keys())
    differ = sorted(name for name in fresh.keys() & committed.keys() if fresh[name] != committed[name])
    # THEN they are the same files with the same text
    hint = "run python -m tools.gen_qbxml_models"
    assert (stale, missing, differ) == ([], [], []), hint
    assert all(is_generated(text) for text in committed.values())
    assert not any(is_generated((PACKAGE_DIR / name).read_text(encoding="utf-8")) for name in HAND_WRITTEN)


def test_the_docs_list_every_special_name_and_union_field() -> None:
    # GIVEN docs/models.md  THEN each special-case name and each repeated-choice field is in it
    page = (REPO_DIR / "docs" / "models.md").read_text(encoding="utf-8")
    assert all(f"`{xml}`" in page and f"`{python}`" in page for xml, python in SPECIAL_CASES.items())
    assert all(f"`{field.split('.')[1]}`" in page for field in UNION_FIELDS)


def _modules_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nprint(sorted(m for m in sys.modules if m.startswith('chalicelib.qbxml.models.')))"
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_DIR, capture_output=True, text=True, check=True)
    return [name.removeprefix("chalicelib.qbxml.models.") for name in ast.literal_eval(result.stdout)]


def test_importing_the_package_imports_no_object_group() -> None:
    # GIVEN a fresh interpreter  WHEN it imports chalicelib.qbxml.models
    loaded = _modules_after("import chalicelib.qbxml.models")
    # THEN only the runtime and the registry are loaded: no group, not even _common
    assert loaded == ["_base", "_registry", "_scalars", "_xml"]


def test_model_for_imports_only_that_group() -> None:
    # GIVEN a fresh interpreter  WHEN it asks for CustomerAddRq
    loaded = _modules_after("from chalicelib.qbxml.models import model_for; model_for('CustomerAddRq')")
    # THEN the customer group and the shared modules are loaded, and no other group
    assert loaded == ["_base", "_common", "_registry", "_scalars", "_types", "_xml", "customer"]
