"""The README's quick start, run as written: the local stack as ``make run`` starts it, its printed
``export`` lines pasted into a second shell (bash), then every line of the README's "Quick start"
block — so the first commands a new user types cannot drift from what the code does."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_local_loop import start_stack
from tests.support.paths import REPO_DIR

pytestmark = pytest.mark.e2e
HEADING = "### Quick start, in a second shell"


def quickstart_block() -> str:
    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(HEADING):]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's quick start has no bash block"
    return block.group(1)


def test_every_line_of_the_readme_quick_start_works_against_the_local_stack(tmp_path: Path) -> None:
    # GIVEN the local stack as make run starts it (no demo), and the export lines it printed
    stack = start_stack(tmp_path, "--no-demo")
    try:
        exports = [line for line in stack.output.splitlines() if line.startswith(("export ", "unset "))]
        assert any(line.startswith("export QBDGW_API_KEY=") for line in exports)
        # WHEN a second shell pastes them and runs the README's quick start, line by line (set -e)
        script = "set -euo pipefail\n" + "\n".join(exports) + "\n" + quickstart_block()
        shell = tmp_path / "shell"
        shell.mkdir()
        out = subprocess.run(["bash", "-c", script], cwd=shell, capture_output=True, text=True, timeout=240,
                             env={"PATH": f"{REPO_DIR / '.venv' / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)})
        # THEN every command succeeded, and the results tail printed the CustomerQuery's result
        assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
        assert re.search(r"job_eu_\w+_1\b.*succeeded|succeeded.*job_eu_\w+_1\b", out.stdout), out.stdout
    finally:
        stack.interrupt()
