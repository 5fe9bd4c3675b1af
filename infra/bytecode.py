"""Precompiled bytecode in the deployment package, so a cold start does not compile the gateway.

Lambda unpacks the code into ``/var/task``, which is read-only: without ``__pycache__`` entries in the
zip, every cold start compiles every module it imports, and cannot keep the result. ``make package``
therefore adds, for each ``.py`` of Chalice's ``deployment.zip``, its ``__pycache__/<name>.cpython-311.pyc``
compiled here — by the same CPython minor version as the functions' runtime (``python3.11``; another
interpreter refuses, since its bytecode would be ignored at best). The ``.pyc`` files are
*unchecked-hash* (PEP 552): Python loads them without comparing the source's timestamp, which a zip
does not keep reliably, and the package is rebuilt whenever the source changes.

::

    python -m infra.bytecode build/deployment.zip
"""

from __future__ import annotations

import py_compile
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

RUNTIME = (3, 11)  # the functions' runtime (python3.11 in the template)


def pyc_name(source: str) -> str:
    """Where CPython looks for ``source``'s bytecode (``pkg/mod.py`` → ``pkg/__pycache__/mod.cpython-311.pyc``)."""
    path = Path(source)
    return (path.parent / "__pycache__" / f"{path.stem}.{sys.implementation.cache_tag}.pyc").as_posix()


def precompile(package: Path) -> int:
    """Add the bytecode of every module of ``package`` (a zip) to it; returns how many were added."""
    if sys.version_info[:2] != RUNTIME:
        raise RuntimeError(f"bytecode for python{RUNTIME[0]}.{RUNTIME[1]} needs that interpreter, not "
                           f"{sys.version_info[0]}.{sys.version_info[1]}")
    added = 0
    with tempfile.TemporaryDirectory() as work:
        rebuilt = Path(work) / package.name
        with zipfile.ZipFile(package) as source, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as out:
            names = set(source.namelist())
            for info in source.infolist():
                data = source.read(info)
                out.writestr(info, data)
                if not info.filename.endswith(".py") or pyc_name(info.filename) in names:
                    continue
                module = Path(work) / "src" / info.filename
                module.parent.mkdir(parents=True, exist_ok=True)
                module.write_bytes(data)
                compiled = Path(work) / "pyc" / pyc_name(info.filename)
                try:
                    py_compile.compile(str(module), cfile=str(compiled), dfile=info.filename, doraise=True,
                                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                except py_compile.PyCompileError:
                    continue  # a file that is not this Python's source (a vendored test fixture, say)
                out.write(compiled, pyc_name(info.filename))
                added += 1
        shutil.move(str(rebuilt), package)
    return added


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m infra.bytecode build/deployment.zip", file=sys.stderr)
        return 2
    path = Path(argv[0])
    print(f"{path}: bytecode of {precompile(path)} module(s) added (unchecked-hash, python3.11)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
