"""The memory of another process, read from ``/proc`` (Linux): resident set now, its high-water mark, its tree.

The large sync (:mod:`bench.sync`) measures the gateway subprocess this way, from outside:

* :func:`status_kb` reads one ``kB`` field of ``/proc/<pid>/status`` — ``VmRSS`` (resident now) or
  ``VmHWM`` (the kernel's record of the most ever resident, since the process started);
* :func:`descendants` walks ``/proc/<pid>/task/<tid>/children``, so a gateway that forks a worker is
  seen (the local stack does not: one process, threads only);
* :func:`rss_parts_kb` splits ``VmRSS`` into ``RssAnon`` (the heap: objects, buffers, freed memory
  the allocator keeps) and ``RssFile`` (mapped code: the interpreter, extension modules);
* :class:`MemoryWatch` polls ``VmRSS`` of one or more processes and their descendants in a thread,
  for the timeline and a peak taken over the whole tree (``VmHWM`` is per process), each root's
  tree apart and all together (the large sync watches the gateway and the AWS emulator, two
  separate processes).

Nothing here signals or changes the process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path


def status_kb(pid: int, field: str) -> int | None:
    """``field`` (e.g. ``VmRSS``, ``VmHWM``) of ``/proc/<pid>/status`` in kB; None if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def rss_parts_kb(pid: int) -> dict[str, int | None]:
    """``VmRSS``, ``RssAnon``, ``RssFile``, ``VmHWM`` of ``/proc/<pid>/status`` in kB (None if gone)."""
    return {field: status_kb(pid, field) for field in ("VmRSS", "RssAnon", "RssFile", "VmHWM")}


def threads(pid: int) -> int | None:
    """How many threads the process has (``Threads:`` of its status)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, …), depth first."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for child in children:
            if child not in found:
                found.append(child)
                found += [d for d in descendants(child) if d not in found]
    return found


def tree_rss_kb(pid: int) -> int:
    """``VmRSS`` of ``pid`` and its descendants together (pages they share are counted in each)."""
    return sum(status_kb(p, "VmRSS") or 0 for p in [pid, *descendants(pid)])


class MemoryWatch:
    """Polls the resident set of process trees every ``every`` seconds until :meth:`stop`.

    ``pid`` is the main root (the gateway); ``others`` are watched alongside (the emulator). Each sample
    holds every root's tree apart; :attr:`samples` and :attr:`peak_kb` are over all roots together.
    """

    def __init__(self, pid: int, *others: int, every: float = 0.25) -> None:
        self.pid = pid
        self.roots = (pid, *others)
        self.every = every
        self.by_root: list[tuple[float, dict[int, int]]] = []  # (time.monotonic(), {root: kB of its tree})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)

    def start(self) -> MemoryWatch:
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            self.by_root.append((time.monotonic(), {root: tree_rss_kb(root) for root in self.roots}))
            if self._stop.wait(self.every):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _series(self, root: int | None) -> list[tuple[float, int]]:
        if root is None:
            return [(at, sum(kb.values())) for at, kb in self.by_root]
        return [(at, kb[root]) for at, kb in self.by_root]

    @property
    def samples(self) -> list[tuple[float, int]]:
        """(time.monotonic(), kB of every root's tree together)."""
        return self._series(None)

    @property
    def peak_kb(self) -> int:
        return self.peak_of(None)

    def peak_of(self, root: int | None) -> int:
        """The highest polled resident set of ``root``'s tree (None: all roots together)."""
        return max((kb for _, kb in self._series(root)), default=0)

    def at(self, root: int, when: float) -> int | None:
        """``root``'s tree in kB at the last sample taken at or before ``when`` (time.monotonic())."""
        found = None
        for at, kb in self.by_root:
            if at > when:
                break
            found = kb[root]
        return found

    def timeline_mb(self, since: float, points: int = 40, root: int | None = None) -> list[tuple[float, float]]:
        """About ``points`` samples, evenly spread: (seconds after ``since``, MB); ``root`` None: all together."""
        series = self._series(root)
        step = max(1, len(series) // points)
        picked = series[::step]
        if series and picked[-1] is not series[-1]:
            picked.append(series[-1])
        return [(round(at - since, 1), round(kb / 1024, 1)) for at, kb in picked]
