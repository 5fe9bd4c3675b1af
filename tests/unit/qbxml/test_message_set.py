"""Message sets out: requestIDs, attributes and Intuit's schema applied to what a job asked for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from chalicelib.errors import GatewayError
from chalicelib.qbxml import (
    JobRequests,
    QbxmlVersion,
    SchemaCatalog,
    build_message_set,
    company_query_request,
    parse_job_qbxml,
    validate_job,
)
from tests.support.paths import SAMPLES_DIR
from tests.unit.qbxml.support import V13, V16

REQUEST_SAMPLES = sorted((SAMPLES_DIR / "qbxml-requests" / "other").glob("*.xml"))
Read = Callable[[str], str]


def test_there_are_request_samples_to_test() -> None:
    # GIVEN the reference samples  WHEN listed  THEN the parametrised tests below have work to do
    assert len(REQUEST_SAMPLES) >= 10


@pytest.mark.parametrize("sample", REQUEST_SAMPLES, ids=lambda path: path.name)
@pytest.mark.parametrize("version", [V13, V16], ids=str)
def test_every_request_sample_parses_and_its_message_set_validates(
    sample: Path, version: QbxmlVersion, catalog: SchemaCatalog
) -> None:
    # GIVEN one of the reference request documents (a whole QBXML document with requestIDs)
    requests = parse_job_qbxml(sample.read_text(encoding="utf-8"))
    # WHEN a message set is built from it for the version and validated
    document = build_message_set(requests, version=version, request_id="job-1")
    validate_job(requests, version, catalog)
    # THEN the schema accepts it, the sample's own requestIDs are gone and ours is set
    assert catalog.validate(document, version) == []
    assert all("requestID" not in element for element in requests.elements)
    root = etree.fromstring(document.encode())
    assert [el.get("requestID") for el in root.find("QBXMLMsgsRq")] == ["job-1"]
    assert requests.is_write == any(name.endswith(("AddRq", "ModRq")) for name in requests.names)


def test_wrong_element_order_is_refused_naming_the_element(
    fixture_text: Read, catalog: SchemaCatalog
) -> None:
    # GIVEN a CustomerAdd with <Phone> after <Email> (the schema wants Phone first)
    requests = parse_job_qbxml(fixture_text("jobs/customer_add_wrong_order.xml"))
    # WHEN it is validated for 16.0
    with pytest.raises(GatewayError) as caught:
        validate_job(requests, V16, catalog)
    # THEN invalid_qbxml names the request, the version and the misplaced element with its path
    assert caught.value.code == "invalid_qbxml"
    message = caught.value.message
    assert message.startswith("CustomerAddRq is not valid qbXML 16.0: ")
    assert "at CustomerAddRq/CustomerAdd/Phone: Element 'Phone': This element is not expected" in message


def test_over_long_field_is_refused_naming_the_limit(fixture_text: Read, catalog: SchemaCatalog) -> None:
    # GIVEN a customer Name longer than QuickBooks' 41 characters
    requests = parse_job_qbxml(fixture_text("jobs/customer_add_name_too_long.xml"))
    # WHEN it is validated for 13.0
    with pytest.raises(GatewayError) as caught:
        validate_job(requests, V13, catalog)
    # THEN the message names the field and the maximum
    assert caught.value.code == "invalid_qbxml"
    assert "Element 'Name'" in caught.value.message and "41" in caught.value.message


def test_request_newer_than_the_version_is_refused_as_version_unsupported(
    fixture_text: Read, catalog: SchemaCatalog
) -> None:
    # GIVEN a PaycheckQueryRq, which qbXML 16.0 has and 13.0 does not
    requests = parse_job_qbxml(fixture_text("jobs/paycheck_query_16.xml"))
    # WHEN it is validated for 16.0 and for 13.0
    validate_job(requests, V16, catalog)
    with pytest.raises(GatewayError) as caught:
        validate_job(requests, V13, catalog)
    # THEN 16.0 accepts it and 13.0 says it needs a newer QuickBooks
    assert caught.value.code == "qbxml_version_unsupported"
    assert "valid qbXML 16.0 but not qbXML 13.0" in caught.value.message


def test_validation_off_accepts_anything_well_formed(fixture_text: Read) -> None:
    # GIVEN a catalog without schemas and a job in the wrong order
    requests = parse_job_qbxml(fixture_text("jobs/customer_add_wrong_order.xml"))
    catalog = SchemaCatalog(None)
    # WHEN it is validated  THEN nothing is raised, and schemas would have refused it
    validate_job(requests, V16, catalog)
    assert not catalog.enabled and requests.names == ("CustomerAddRq",)


def test_several_requests_get_numbered_request_ids(fixture_text: Read, catalog: SchemaCatalog) -> None:
    # GIVEN a CustomerAddRq followed by an InvoiceAddRq
    requests = parse_job_qbxml(fixture_text("jobs/two_requests.xml"))
    # WHEN the message set is built
    document = build_message_set(requests, version=V16, request_id="job-9", new_message_set_id="job-9")
    # THEN they keep their order, get requestIDs job-9.1 and job-9.2, and validate for both versions
    message_set = etree.fromstring(document.encode()).find("QBXMLMsgsRq")
    assert [(el.tag, el.get("requestID")) for el in message_set] == [
        ("CustomerAddRq", "job-9.1"),
        ("InvoiceAddRq", "job-9.2"),
    ]
    assert requests.is_write
    assert catalog.validate(document, V16) == []
    assert catalog.validate(build_message_set(requests, version=V13, request_id="x"), V13) == []


def test_message_set_header_and_attributes(fixture_text: Read) -> None:
    # GIVEN one read request
    requests = parse_job_qbxml(fixture_text("jobs/paycheck_query_16.xml"))
    # WHEN it is built without and with a newMessageSetID
    plain = build_message_set(requests, version=V16, request_id="r1")
    write = build_message_set(requests, version=V13, request_id="r1", on_error="continueOnError",
                              new_message_set_id="ms-1")
    # THEN the header names the version and the attributes appear only when given
    assert plain.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="16.0"?>\n<QBXML>')
    assert '<QBXMLMsgsRq onError="stopOnError"><PaycheckQueryRq requestID="r1">' in plain
    assert "newMessageSetID" not in plain
    assert '<?qbxml version="13.0"?>' in write
    assert '<QBXMLMsgsRq onError="continueOnError" newMessageSetID="ms-1">' in write


def test_error_recovery_message_set_validates(catalog: SchemaCatalog) -> None:
    # GIVEN no requests, only the id of a message set whose fate is unknown
    # WHEN a recovery message set is built
    document = build_message_set(JobRequests((), ()), version=V13, request_id="r",
                                 new_message_set_id="ms-2", old_message_set_id="ms-1")
    # THEN it carries both ids and is valid
    assert 'oldMessageSetID="ms-1"' in document and 'newMessageSetID="ms-2"' in document
    assert catalog.validate(document, V13) == []


def test_request_id_limits() -> None:
    # GIVEN the health-check request and request ids at and beyond QuickBooks' 50 characters
    requests = company_query_request()
    ten = JobRequests(requests.elements * 10, requests.names * 10)
    # WHEN message sets are built
    build_message_set(requests, version=V13, request_id="x" * 50)
    # THEN 50 characters are fine, 51 (also after ".10" numbering) are refused, as is an empty id
    with pytest.raises(ValueError, match="51 characters"):
        build_message_set(requests, version=V13, request_id="x" * 51)
    with pytest.raises(ValueError, match="51 characters"):
        build_message_set(ten, version=V13, request_id="x" * 48)
    with pytest.raises(ValueError, match="empty"):
        build_message_set(requests, version=V13, request_id="")


def test_unknown_on_error_and_empty_set_are_refused() -> None:
    # GIVEN a bad onError value, and a set with neither requests nor an oldMessageSetID
    # WHEN they are built  THEN ValueError is raised
    with pytest.raises(ValueError, match="onError"):
        build_message_set(company_query_request(), version=V13, request_id="r", on_error="ignore")
    with pytest.raises(ValueError, match="at least one request"):
        build_message_set(JobRequests((), ()), version=V13, request_id="r")


def test_company_query_request_is_a_valid_read(catalog: SchemaCatalog) -> None:
    # GIVEN the health-check request
    requests = company_query_request()
    # WHEN it is built for both versions
    documents = [build_message_set(requests, version=version, request_id="hc") for version in (V13, V16)]
    # THEN it is a plain CompanyQueryRq, a read, valid for both
    assert requests.names == ("CompanyQueryRq",) and not requests.is_write
    assert catalog.validate(documents[0], V13) == [] and catalog.validate(documents[1], V16) == []


def _built_as_a_tree(requests: JobRequests, request_id: str, new_message_set_id: str | None) -> str:
    """The message set as lxml builds it: each element parsed, ``requestID`` set first, the set serialised."""
    root = etree.Element("QBXML")
    message_set = etree.SubElement(root, "QBXMLMsgsRq", onError="stopOnError")
    if new_message_set_id is not None:
        message_set.set("newMessageSetID", new_message_set_id)
    ids = [request_id] if len(requests.elements) == 1 else [f"{request_id}.{i}" for i in
                                                              range(1, len(requests.elements) + 1)]
    for text, rid in zip(requests.elements, ids, strict=True):
        element = etree.fromstring(text)
        attributes = dict(element.attrib)
        element.attrib.clear()
        element.set("requestID", rid)
        for key, value in attributes.items():
            element.set(key, value)
        message_set.append(element)
    return etree.tostring(root, encoding="unicode")


def _is_a_job(path: Path) -> bool:
    try:
        parse_job_qbxml(path.read_text(encoding="utf-8"))
    except GatewayError:  # an error-recovery set of no requests: not a job
        return False
    return True


ALL_REQUEST_SAMPLES = [path for path in sorted((SAMPLES_DIR / "qbxml-requests").rglob("*.xml")) if _is_a_job(path)]


def test_most_request_samples_are_jobs() -> None:
    assert len(ALL_REQUEST_SAMPLES) >= 25


@pytest.mark.parametrize("sample", ALL_REQUEST_SAMPLES, ids=lambda path: path.name)
def test_the_message_set_built_as_text_is_the_one_lxml_builds(sample: Path) -> None:
    # GIVEN a reference request document as a job (several requests, attributes, non-ASCII text)
    requests = parse_job_qbxml(sample.read_text(encoding="utf-8"))
    # WHEN its message set is built (as text, without parsing the elements again)
    built = build_message_set(requests, version=V16, request_id="job_eu_1_7", new_message_set_id="m-1&2")
    # THEN it is byte for byte what parsing each element and serialising the tree gives
    head, _, body = built.partition("?>\n<?qbxml version=\"16.0\"?>\n")
    assert head == '<?xml version="1.0" encoding="utf-8"'
    assert body == _built_as_a_tree(requests, "job_eu_1_7", "m-1&2")


def test_an_element_that_carries_a_request_id_gets_ours_instead() -> None:
    # GIVEN an element with a requestID of its own (a page request built elsewhere, say) and another attribute
    requests = JobRequests(('<CustomerQueryRq metaData="MetaDataOnly" requestID="theirs"><MaxReturned>1'
                            '</MaxReturned></CustomerQueryRq>',), ("CustomerQueryRq",))
    # WHEN the message set is built
    built = build_message_set(requests, version=V13, request_id="ours")
    # THEN ours replaces theirs, first among the attributes
    assert '<CustomerQueryRq requestID="ours" metaData="MetaDataOnly">' in built
    assert "theirs" not in built
