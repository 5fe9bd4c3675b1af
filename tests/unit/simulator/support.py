"""Helpers for the simulator's tests: qbXML fixtures (files in ``fixtures/``) and response reading.

Request fixtures are ``string.Template`` files: ``fixture("customer_add_rq.xml", name="Acme")``
fills them (values are XML-escaped) and ``message_set(...)`` wraps request elements into a whole
qbXML document. Responses are read with lxml, never with the simulator's own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template
from xml.sax.saxutils import escape

from lxml import etree

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def fixture(file_name: str, /, **values: str) -> str:
    """The fixture file ``file_name`` with ``$placeholders`` filled from ``values`` (XML-escaped)."""
    template = Template((FIXTURES / file_name).read_text(encoding="utf-8"))
    return template.substitute({key: escape(value, {'"': "&quot;"}) for key, value in values.items()})


def message_set(*requests: str, version: str = "13.0", on_error: str = "stopOnError", attributes: str = "") -> str:
    """A qbXML request document around ``requests`` (already rendered request elements)."""
    template = Template((FIXTURES / "message_set.xml").read_text(encoding="utf-8"))
    return template.substitute(
        version=version,
        on_error=on_error,
        attributes=f" {attributes}" if attributes else "",
        requests="\n".join(requests),
    )


def customer_add(name: str, request_id: str = "1") -> str:
    return fixture("customer_add_rq.xml", name=name, request_id=request_id)


def invoice_add(customer: str, ref_number: str = "INV-1", request_id: str = "2") -> str:
    return fixture("invoice_add_rq.xml", customer=customer, ref_number=ref_number, request_id=request_id)


@dataclass(frozen=True)
class Rs:
    """One ``*Rs`` element of a response, read with lxml."""

    element: etree._Element

    @property
    def name(self) -> str:
        return str(self.element.tag)

    @property
    def status_code(self) -> int:
        return int(self.element.get("statusCode", "-1"))

    @property
    def severity(self) -> str:
        return str(self.element.get("statusSeverity", ""))

    @property
    def message(self) -> str:
        return str(self.element.get("statusMessage", ""))

    @property
    def request_id(self) -> str | None:
        value = self.element.get("requestID")
        return None if value is None else str(value)

    @property
    def rets(self) -> list[etree._Element]:
        return [child for child in self.element if isinstance(child.tag, str)]

    def ret_text(self, path: str, index: int = 0) -> str | None:
        """Text at ``path`` (e.g. ``"ListID"`` or ``"CustomerRef/FullName"``) inside the index-th Ret."""
        rets = self.rets
        found = rets[index].findtext(path) if index < len(rets) else None
        return None if found is None else str(found)


def parse_document(response: str) -> etree._Element:
    """Parse a qbXML response document (QuickBooks' ``<?xml version="1.0" ?>`` declaration included)."""
    return etree.fromstring(response.encode("utf-8"), _PARSER)


def responses(response: str) -> list[Rs]:
    """The ``*Rs`` elements of a response document, in order."""
    root = parse_document(response)
    msgs = root.find("QBXMLMsgsRs")
    assert msgs is not None, response
    return [Rs(child) for child in msgs if isinstance(child.tag, str)]


@lru_cache(maxsize=4)
def _schema(schema_dir: Path, version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_dir / version / f"qbxmlops{version.replace('.', '')}.xsd")))


def schema_errors(schema_dir: Path, version: str, response: str) -> list[str]:
    """Violations of Intuit's schema for ``version`` (its own folder) in a response document."""
    schema = _schema(schema_dir, version)
    schema.validate(parse_document(response).getroottree())
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
