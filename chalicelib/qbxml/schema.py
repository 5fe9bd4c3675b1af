"""Intuit's qbXML schemas, loaded once and used to check every message set before it is accepted.

qbXML is strict about order: every aggregate is an ``xsd:sequence``, and one optional element in
the wrong place makes QuickBooks reject the whole message with ``0x80040400`` and no detail (field
lesson #1). Validating with Intuit's own XSD when a job is accepted turns that into a precise
error for the integration, before anything reaches a bookkeeper's machine.

A :class:`SchemaCatalog` looks at a folder laid out like Intuit's SDK::

    13.0/qbxmlops130.xsd   (includes qbxml130.xsd, qbxmltypes130.xsd, qbxmlso130.xsd)
    16.0/qbxmlops160.xsd

Schemas load lazily on first use (about 0.1 s each) and are cached; loading and validating are
guarded by locks so one catalog can serve several threads. Without a folder, validation is off
and :meth:`SchemaCatalog.describe` says so in the start-up log.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from chalicelib.qbxml.text import strip_declaration
from chalicelib.qbxml.versions import QbxmlVersion
from chalicelib.safexml import UnsafeXmlError, parse_xml

MAX_MESSAGES = 5
_MAX_MESSAGE_CHARS = 400
_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class SchemaViolation:
    """One schema error: where (line, element path) and what lxml said."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _schema_file(folder: Path, version: QbxmlVersion) -> Path:
    return folder / str(version) / f"qbxmlops{version.major}{version.minor}.xsd"


def _shorten(message: str) -> str:
    message = " ".join(message.split())
    if len(message) <= _MAX_MESSAGE_CHARS:
        return message
    return message[: _MAX_MESSAGE_CHARS - 4].rstrip() + " ..."


class SchemaCatalog:
    """The qbXML schemas available in one folder, by version."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = Path(folder) if folder is not None else None
        self._files: dict[QbxmlVersion, Path] = self._scan(self._folder)
        self._schemas: dict[QbxmlVersion, Any] = {}
        self._load_lock = threading.Lock()
        self._validate_locks = {version: threading.Lock() for version in self._files}

    @staticmethod
    def _scan(folder: Path | None) -> dict[QbxmlVersion, Path]:
        if folder is None or not folder.is_dir():
            return {}
        found: dict[QbxmlVersion, Path] = {}
        for child in folder.iterdir():
            try:
                version = QbxmlVersion.parse(child.name)
            except ValueError:
                continue
            if child.name == str(version) and _schema_file(folder, version).is_file():
                found[version] = _schema_file(folder, version)
        return found

    @property
    def enabled(self) -> bool:
        """True when a folder was given and holds at least one schema."""
        return bool(self._files)

    def available(self) -> tuple[QbxmlVersion, ...]:
        """The versions with a schema, lowest first."""
        return tuple(sorted(self._files))

    def describe(self) -> str:
        """One line for the start-up log."""
        if self._folder is None:
            return "qbXML schema validation is OFF: no schema folder is configured"
        if not self._folder.is_dir():
            return f"qbXML schema validation is OFF: schema folder {self._folder} does not exist"
        if not self._files:
            return f"qbXML schema validation is OFF: no <version>/qbxmlops<NN>.xsd under {self._folder}"
        versions = ", ".join(str(version) for version in self.available())
        return f"qbXML schema validation is ON: versions {versions} from {self._folder}"

    def schema_version_for(self, version: QbxmlVersion) -> QbxmlVersion | None:
        """The schema used for ``version``: exact, else nearest lower, else the lowest we have."""
        available = self.available()
        if not available:
            return None
        lower = [candidate for candidate in available if candidate <= version]
        return lower[-1] if lower else available[0]

    def _schema(self, version: QbxmlVersion) -> Any:
        with self._load_lock:
            schema = self._schemas.get(version)
            if schema is None:
                parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
                schema = etree.XMLSchema(etree.parse(str(self._files[version]), parser))
                self._schemas[version] = schema
            return schema

    def violations(self, document: str | bytes, version: QbxmlVersion) -> list[SchemaViolation]:
        """Up to five schema errors in ``document`` for ``version``; [] when valid or disabled."""
        schema_version = self.schema_version_for(version)
        if schema_version is None:
            return []
        if isinstance(document, str):
            document = strip_declaration(document)
        try:
            root = parse_xml(document, max_bytes=_MAX_DOCUMENT_BYTES)
        except (UnsafeXmlError, UnicodeError) as exc:
            return [SchemaViolation(0, "", str(exc))]
        schema = self._schema(schema_version)
        with self._validate_locks[schema_version]:
            if schema.validate(root):
                return []
            entries = list(schema.error_log)[:MAX_MESSAGES]
        return [
            SchemaViolation(int(entry.line), str(entry.path or ""), _shorten(str(entry.message)))
            for entry in entries
        ]

    def validate(self, document: str | bytes, version: QbxmlVersion) -> list[str]:
        """Up to five messages such as ``"line 3: Element 'Name': …"``; [] when valid or disabled."""
        return [str(violation) for violation in self.violations(document, version)]
