"""``make run`` as a user runs it: ``python -m infra.localstack`` starts, serves, and stops cleanly on
Ctrl-C (SIGINT) or SIGTERM — exit code 0, no process left behind, the port free again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.localstack import free_port
from tests.support.paths import REPO_DIR, SCHEMA_DIR

pytestmark = pytest.mark.e2e

STOP_TIMEOUT = 15


def children_of(pid: int) -> set[int]:
    """Every live descendant of ``pid``, from a /proc scan."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid …" — comm may hold spaces and parentheses
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """The ``pids`` that still run (zombies count as gone)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Stack:
    """``python -m infra.localstack`` in a subprocess, its output in a file."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        self.output = tmp_path / "stdout.txt"
        env = {**os.environ, "QBDGW_SCHEMA_DIR": str(SCHEMA_DIR), "PYTHONUNBUFFERED": "1"}
        with self.output.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "infra.localstack", "--port", str(self.port), "--api-key", "lifecycle-key",
                 *args], cwd=REPO_DIR, env=env, stdout=sink, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_output(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared:\n{self.text()[-4000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def stacks(tmp_path: Path) -> Iterator[list[Stack]]:
    started: list[Stack] = []
    yield started
    for stack in started:  # only on failure: never leave a server behind
        stack.kill()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_local_stack_stops_cleanly_on_signal(tmp_path: Path, stacks: list[Stack], signum: int) -> None:
    # GIVEN the local stack serving, without the demo
    stack = Stack(tmp_path, "--no-demo")
    stacks.append(stack)
    stack.wait_for_output("Serving until Ctrl-C.", timeout=60)
    assert not port_is_free(stack.port)
    pid = stack.process.pid
    descendants = children_of(pid)
    # WHEN it is sent the signal
    stack.process.send_signal(signum)
    # THEN it exits 0 in time, with no process left behind and the port free again
    assert stack.process.wait(STOP_TIMEOUT) == 0, stack.text()[-4000:]
    assert alive(descendants) == set()
    assert children_of(pid) == set()
    assert port_is_free(stack.port)
    assert "Stopped." in stack.text()


def test_demo_prints_three_succeeded_results_then_stops_on_ctrl_c(tmp_path: Path, stacks: list[Stack]) -> None:
    # GIVEN the local stack with its demo (fast NoOp pause, 1 s idle limit)
    stack = Stack(tmp_path, "--noop-wait", "0.2", "--session-idle", "1")
    stacks.append(stack)
    # WHEN the demo has run
    stack.wait_for_output("Serving until Ctrl-C.", timeout=120)
    text = stack.text()
    # THEN it showed the three results read back from SQS, all succeeded, and finished
    assert "Demo done" in text
    assert "demo failed" not in text
    results = [line for line in text.splitlines() if line.strip().startswith("job_")]
    assert len(results) == 3, text
    assert all(line.split()[1] == "succeeded" for line in results), text
    # AND Ctrl-C stops it cleanly
    descendants = children_of(stack.process.pid)
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(STOP_TIMEOUT) == 0, stack.text()[-4000:]
    assert alive(descendants) == set()
    assert port_is_free(stack.port)
