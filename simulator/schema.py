"""Intuit's qbXML schemas, as QuickBooks' own parser applies them.

QuickBooks rejects a request that is not valid for the qbXML version it names — an element out of
schema order, a missing ``onError``, a name longer than its ``maxLength`` — with HRESULT
``0x80040400`` and no detail at all. With a schema directory the simulator does the same, so a
gateway bug of this kind shows up in tests exactly as it would at a customer's.

The directory holds one folder per version with Intuit's files (``16.0/qbxmlops160.xsd`` and the
files it includes). A version without its own folder is checked against the nearest lower version
available (the closest approximation of what that QuickBooks accepts), and a version older than
every folder against the oldest one. Compiled schemas are cached per version (loading takes about
0.1 s).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from lxml import etree

from simulator.company_profile import version_key
from simulator.records import PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, HResultError


def schema_file(folder: Path) -> Path:
    """``…/16.0`` → ``…/16.0/qbxmlops160.xsd``."""
    return folder / f"qbxmlops{folder.name.replace('.', '')}.xsd"


class SchemaSet:
    """The qbXML schemas of one directory, compiled on first use."""

    def __init__(self, schema_dir: Path) -> None:
        self._dir = Path(schema_dir)
        self._lock = threading.RLock()
        self._compiled: dict[Path, etree.XMLSchema] = {}
        self._folders = sorted(
            (
                folder
                for folder in self._dir.iterdir()
                if folder.is_dir() and re.fullmatch(r"\d+\.\d+", folder.name) and schema_file(folder).is_file()
            ),
            key=lambda folder: version_key(folder.name),
        )
        if not self._folders:
            raise FileNotFoundError(f"no qbXML schema folders (like 16.0/qbxmlops160.xsd) in {self._dir}")

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions that have their own folder, oldest first."""
        return tuple(folder.name for folder in self._folders)

    def folder_for(self, version: str) -> Path:
        """The folder for ``version``: its own, else the nearest lower one, else the oldest."""
        wanted = version_key(version)
        lower = [folder for folder in self._folders if version_key(folder.name) <= wanted]
        return lower[-1] if lower else self._folders[0]

    def schema_for(self, version: str) -> etree.XMLSchema:
        path = schema_file(self.folder_for(version))
        with self._lock:
            schema = self._compiled.get(path)
            if schema is None:
                schema = etree.XMLSchema(etree.parse(str(path)))
                self._compiled[path] = schema
            return schema

    def validate(self, document: etree._ElementTree, version: str) -> None:
        """Raise :class:`HResultError` 0x80040400 (detail: the first violation) if invalid."""
        problems = self.errors(document, version)
        if problems:
            raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail=problems[0])

    def errors(self, document: etree._ElementTree, version: str) -> list[str]:
        """Every violation (empty when valid); for tests that check what the simulator emits."""
        with self._lock:  # a compiled schema keeps its error log on itself: one validation at a time
            schema = self.schema_for(version)
            schema.validate(document)
            return [f"line {error.line}: {error.message}" for error in schema.error_log]

    @classmethod
    def shared(cls, schema_dir: Path) -> SchemaSet:
        """One compiled set per directory for the whole process (load tests run many company files)."""
        key = Path(schema_dir).resolve()
        with _SHARED_LOCK:
            found = _SHARED.get(key)
            if found is None:
                found = _SHARED[key] = cls(key)
            return found


_SHARED: dict[Path, SchemaSet] = {}
_SHARED_LOCK = threading.Lock()
