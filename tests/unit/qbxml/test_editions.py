"""Request elements by qbXML version and country edition: refused when the company file cannot take them.

The data comes from Intuit's annotated qbXML 14.0 sample through ``tools/gen_qbxml_editions.py``; these
tests hold the committed module to what the generator writes, the generator to the annotated format
(OR groups, merges), and the check to never refusing what Intuit's 13.0 schema and the samples allow.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from chalicelib.errors import GatewayError
from chalicelib.qbxml import QbxmlVersion, SchemaCatalog, build_message_set, editions, parse_job_qbxml
from chalicelib.qbxml.editions import Availability, availability, check_elements, parse_outline
from tests.support.paths import FIXTURES_DIR, REFERENCE_DIR, REPO_DIR, SAMPLES_DIR, SCHEMA_DIR
from tools import gen_qbxml_editions as gen

ANNOTATED = REFERENCE_DIR / "qbxml" / "annotated" / "qbxmlops140.xml"
V11, V12, V13, V14, V16 = (QbxmlVersion(major, 0) for major in (11, 12, 13, 14, 16))

CUSTOMER_WITH_CLASS = (  # ClassRef came to CustomerAdd with qbXML 12.0
    "<CustomerAddRq><CustomerAdd><Name>Ada</Name>"
    "<ClassRef><FullName>East</FullName></ClassRef></CustomerAdd></CustomerAddRq>"
)
PLAIN_CUSTOMER = "<CustomerAddRq><CustomerAdd><Name>Ada</Name></CustomerAdd></CustomerAddRq>"
TAX_LINES = "<AccountTaxLineInfoQueryRq/>"  # not in the UK edition, v7.0
ACCOUNT_WITH_TAX_CODE = (  # SalesTaxCodeRef on an account: CA/UK/AU only ("not in QBD")
    "<AccountAddRq><AccountAdd><Name>Sales</Name><AccountType>Income</AccountType>"
    "<SalesTaxCodeRef><FullName>G</FullName></SalesTaxCodeRef></AccountAdd></AccountAddRq>"
)
BILL_WITH_CLASS = (  # ClassRef on the Bill header is in the 16.0 schema, not in the 14.0 data
    "<BillAddRq><BillAdd><VendorRef><FullName>Acme</FullName></VendorRef>"
    "<ClassRef><FullName>East</FullName></ClassRef></BillAdd></BillAddRq>"
)


def refusal(elements: list[str], version: QbxmlVersion, country: str | None) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        check_elements(elements, version, country)
    return caught.value


# Versions ------------------------------------------------------------------------------------------
def test_an_element_of_12_0_is_refused_for_an_11_0_file_naming_it() -> None:
    # GIVEN a CustomerAdd with a ClassRef (qbXML 12.0)  WHEN checked for a file that speaks 11.0
    err = refusal([CUSTOMER_WITH_CLASS], V11, "US")
    # THEN qbxml_version_unsupported names the element path, the version that brought it and the file's
    assert err.code == "qbxml_version_unsupported"
    assert err.message == (
        "CustomerAddRq/CustomerAdd/ClassRef was introduced in qbXML 12.0; this company file speaks "
        "qbXML 11.0: update QuickBooks or leave the element out"
    )


@pytest.mark.parametrize("version", [V12, V13, V14, V16], ids=str)
@pytest.mark.parametrize("country", ["US", "CA", "UK", None])
def test_an_element_of_12_0_is_accepted_from_12_0_on(version: QbxmlVersion, country: str | None) -> None:
    # GIVEN the same CustomerAdd  WHEN checked for 12.0 and later, any country  THEN nothing is refused
    check_elements([CUSTOMER_WITH_CLASS], version, country)


def test_the_first_offending_element_in_document_order_is_named() -> None:
    # GIVEN a fine request, then one with a 12.0 element, then one with a 13.0 element (LeadQueryRq)
    elements = [PLAIN_CUSTOMER, CUSTOMER_WITH_CLASS, "<LeadQueryRq/>"]
    # WHEN checked for 11.0  THEN the ClassRef of the second is named; for 12.0 the LeadQueryRq
    assert "CustomerAddRq/CustomerAdd/ClassRef " in refusal(elements, V11, None).message
    assert refusal(elements, V12, None).message.startswith("LeadQueryRq was introduced in qbXML 13.0;")


def test_an_element_inside_an_annotated_or_group_has_the_group_s_version() -> None:
    # GIVEN SerialNumber, whose line carries no version: it is in a "v11.0, BEGIN OR" group
    line = "<InvoiceAddRq><InvoiceAdd><InvoiceLineAdd><SerialNumber>S1</SerialNumber></InvoiceLineAdd></InvoiceAdd>"
    # WHEN checked for 10.0 and 11.0  THEN it is refused for 10.0 as an 11.0 element, and accepted for 11.0
    err = refusal([line + "</InvoiceAddRq>"], QbxmlVersion(10, 0), "US")
    assert err.message.startswith("InvoiceAddRq/InvoiceAdd/InvoiceLineAdd/SerialNumber was introduced in qbXML 11.0;")
    check_elements([line + "</InvoiceAddRq>"], V11, "US")


# Elements the data does not know --------------------------------------------------------------------
@pytest.mark.parametrize("version", [V13, V14], ids=str)
def test_an_element_not_in_14_0_is_refused_up_to_14_0(version: QbxmlVersion) -> None:
    # GIVEN a Bill with a header ClassRef (16.0 schema, absent from the 14.0 data)  WHEN checked up to 14.0
    err = refusal([BILL_WITH_CLASS], version, None)
    # THEN it is refused as an element newer than 14.0, named with the file's version
    assert err.code == "qbxml_version_unsupported"
    assert err.message == (
        f"BillAddRq/BillAdd/ClassRef is not in qbXML 14.0, so it came with a later version; this company "
        f"file speaks qbXML {version}: update QuickBooks or leave the element out"
    )


@pytest.mark.parametrize("country", ["US", "UK", None])
def test_an_element_not_in_14_0_is_accepted_for_16_0(country: str | None) -> None:
    # GIVEN the same Bill, and a whole request type of 16.0 (PaycheckQueryRq)
    paychecks = parse_job_qbxml((FIXTURES_DIR / "qbxml" / "jobs" / "paycheck_query_16.xml").read_text())
    # WHEN checked for a 16.0 file  THEN nothing is refused: nothing is known against them
    check_elements([BILL_WITH_CLASS, *paychecks.elements], V16, country)
    # AND for 13.0 the new request type is refused at its root
    assert refusal(list(paychecks.elements), V13, country).message.startswith("PaycheckQueryRq is not in qbXML 14.0")


# Country editions -----------------------------------------------------------------------------------
def test_an_element_the_uk_edition_lacks_is_refused_for_uk_and_accepted_for_us() -> None:
    # GIVEN AccountTaxLineInfoQueryRq, "not in QBUK", v7.0
    assert availability("AccountTaxLineInfoQueryRq") == Availability(QbxmlVersion(7, 0), frozenset({"UK"}))
    # WHEN checked for a UK file  THEN qbxml_not_in_edition names it and the edition
    err = refusal([TAX_LINES], V13, "UK")
    assert err.code == "qbxml_not_in_edition"
    assert err.http_status == 422
    assert err.message == (
        "AccountTaxLineInfoQueryRq is not in the UK edition of QuickBooks Desktop (the company file's "
        "country is UK): leave the element out"
    )
    # AND for a US, Canadian or Australian file, or one whose country is not known, it is accepted
    for country in ("US", "CA", "AU", None, "", "NZ"):
        check_elements([TAX_LINES], V13, country)


@pytest.mark.parametrize("version", [V13, V14, V16], ids=str)
def test_an_element_the_us_edition_lacks_is_refused_for_us_at_any_version(version: QbxmlVersion) -> None:
    # GIVEN an AccountAdd with a SalesTaxCodeRef ("not in QBD": Canada, UK and Australia only)
    # WHEN checked for a US file, even a 16.0 one (the US edition is checked too, there is no shortcut)
    err = refusal([ACCOUNT_WITH_TAX_CODE], version, "US")
    # THEN it is refused naming the element; the other editions take it
    assert err.code == "qbxml_not_in_edition"
    assert err.message.startswith("AccountAddRq/AccountAdd/SalesTaxCodeRef is not in the US edition")
    for country in ("CA", "UK", "AU"):
        check_elements([ACCOUNT_WITH_TAX_CODE], version, country)


@pytest.mark.parametrize("spelling", ["uk", " UK ", "Uk"])
def test_the_country_is_read_whatever_its_case_and_spacing(spelling: str) -> None:
    assert refusal([TAX_LINES], V13, spelling).code == "qbxml_not_in_edition"


def test_a_request_element_that_is_not_xml_is_invalid_qbxml() -> None:
    assert refusal(["<CustomerAddRq>"], V13, "US").code == "invalid_qbxml"


# The generator --------------------------------------------------------------------------------------
SNIPPET = """<?xml version="1.0" ?>
<QBXML>
  <QBXMLMsgsRq onError = "ENUMTYPE">
    <!-- ThingAddRq contains 1 optional attribute: 'requestID' -->
    <ThingAddRq requestID = "UUIDTYPE">                     <!-- not in QBOE, v3.0 -->
      <ThingAdd>
        <!-- BEGIN OR: You may have Alpha OR Beta -->
        <Ref>                                               <!-- opt, v12.0, not in QBUK|QBCA -->
          <ListID>IDTYPE</ListID>                           <!-- opt -->
        </Ref>
        <Alpha>STRTYPE</Alpha>                              <!-- max length = 41 for QBD|QBCA|QBUK|QBAU -->
        <!-- OR -->
        <Ref>                                               <!-- opt, not in QBUK|QBAU, v8.0 -->
          <ListID>IDTYPE</ListID>                           <!-- opt -->
          <Extra>STRTYPE</Extra>                            <!-- opt, v13.0 -->
        </Ref>
        <!-- END OR -->
        <!-- v11.0, not in QBOE, BEGIN OR: You may optionally have Gamma OR Delta -->
        <Gamma>STRTYPE</Gamma>                              <!-- opt, not in QBAU|QBOE -->
        <!-- OR -->
        <Delta>                                             <!-- opt, may rep -->
          <Code>ENUMTYPE</Code>                             <!-- opt, min value = .001 -->
        </Delta>
        <!-- END OR -->
        <Memo>STRTYPE</Memo>                                <!-- opt, v2.1 -->
      </ThingAdd>
    </ThingAddRq>
    <EmptyQueryRq requestID = "UUIDTYPE" metaData = "ENUMTYPE"/> <!-- not in QBD|QBOE, v8.0 -->
  </QBXMLMsgsRq>
  <QBXMLMsgsRs>
    <ThingAddRs>                                            <!-- v99.0 -->
    </ThingAddRs>
  </QBXMLMsgsRs>
</QBXML>
"""


def test_the_generator_reads_paths_inherits_and_merges_or_branches() -> None:
    # GIVEN a small annotated snippet in Intuit's format  WHEN parsed
    found = {path: entry.encode() for path, entry in gen.parse_annotated(SNIPPET).items()}
    # THEN every request element is there by path (the response section is not), inheriting its
    # ancestors and its annotated OR group; the two Ref branches merge into the lower version and the
    # common exclusion (UK), and what only one branch has keeps that branch's availability
    assert found == {
        "ThingAddRq": "3.0",
        "ThingAddRq/ThingAdd": "3.0",
        "ThingAddRq/ThingAdd/Ref": "8.0|UK",
        "ThingAddRq/ThingAdd/Ref/ListID": "8.0|UK",
        "ThingAddRq/ThingAdd/Ref/Extra": "13.0|UK,AU",
        "ThingAddRq/ThingAdd/Alpha": "3.0",
        "ThingAddRq/ThingAdd/Gamma": "11.0|AU",
        "ThingAddRq/ThingAdd/Delta": "11.0",
        "ThingAddRq/ThingAdd/Delta/Code": "11.0",
        "ThingAddRq/ThingAdd/Memo": "3.0",
        "EmptyQueryRq": "8.0|US",
    }


def test_the_outline_written_reads_back_as_what_was_parsed() -> None:
    # GIVEN the snippet parsed, rendered as the generated module and executed
    found = gen.parse_annotated(SNIPPET)
    namespace: dict[str, object] = {}
    exec(compile(gen.render(found, "snippet", "0" * 40), "snippet", "exec"), namespace)  # noqa: S102
    # WHEN its outline is read as the runtime reads it  THEN every path has the same availability
    read = parse_outline(str(namespace["OUTLINE"]))
    assert {path: _encode(entry) for path, entry in read.items()} == {
        path: entry.encode() for path, entry in found.items()
    }


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('<Thing>STRTYPE</Thing>      <!-- opt, sometimes -->', "unknown annotation 'sometimes'"),
        ('<Thing>STRTYPE</Thing>      <!-- not in QBNZ -->', "unknown edition 'QBNZ'"),
        ('<Thing>STRTYPE</Thung>', "<Thing> closed by </Thung>"),
        ('<Thing attr = "x"', "not a line of the annotated format"),
        ("<!-- OR -->", "OR outside an OR group"),
        ("<!-- v12.0 -->", "annotation on a comment of its own"),
    ],
)
def test_the_generator_stops_at_what_it_does_not_know(line: str, complaint: str) -> None:
    # GIVEN a request section with one line the parser does not know (line 3)
    text = f"<QBXMLMsgsRq>\n  <ThingRq>\n    {line}\n  </ThingRq>\n</QBXMLMsgsRq>\n"
    # WHEN parsed  THEN it stops, naming the line
    with pytest.raises(gen.AnnotatedFormatError, match="line 3: ") as caught:
        gen.parse_annotated(text)
    assert complaint in str(caught.value)


def test_the_committed_module_is_what_the_generator_writes(tmp_path: Path) -> None:
    # GIVEN the annotated reference file  WHEN the generator writes the module into a temporary path
    out = tmp_path / "editions_data.py"
    assert gen.main(["--source", str(ANNOTATED), "--out", str(out)]) == 0
    # THEN it is the committed one, byte for byte (regenerate with python -m tools.gen_qbxml_editions)
    committed = REPO_DIR / "chalicelib" / "qbxml" / "editions_data.py"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def test_the_runtime_reads_every_path_of_the_reference_as_the_generator_parsed_it() -> None:
    # GIVEN the reference parsed by the generator, and the committed outline read by the runtime
    from chalicelib.qbxml import editions_data

    parsed = gen.parse_annotated(ANNOTATED.read_text(encoding="utf-8"))
    read = parse_outline(editions_data.OUTLINE)
    # WHEN compared  THEN they hold the same ~8,200 paths with the same availability, and the
    # data's version is the one the check assumes
    assert len(parsed) > 8000
    assert {path: _encode(entry) for path, entry in read.items()} == {
        path: entry.encode() for path, entry in parsed.items()
    }
    assert QbxmlVersion.parse(editions_data.DATA_VERSION) == editions.DATA_VERSION


def _encode(entry: Availability) -> str:
    version = "" if entry.introduced == editions.BASELINE else str(entry.introduced)
    countries = ",".join(country for country in ("US", "CA", "UK", "AU") if country in entry.excluded)
    return f"{version}|{countries}" if countries else version


# No false refusals ----------------------------------------------------------------------------------
def _request_samples() -> list[Path]:
    fixtures = sorted((FIXTURES_DIR / "qbxml").rglob("*.xml"))
    reference = sorted((SAMPLES_DIR / "qbxml-requests").rglob("*.xml"))
    return [*fixtures, *reference]


def test_no_request_sample_valid_for_13_0_is_refused_for_a_us_13_0_file(catalog: SchemaCatalog) -> None:
    # GIVEN every request among the fixtures and Intuit's SDK samples that the 13.0 schema accepts
    checked: list[str] = []
    for sample in _request_samples():
        try:
            requests = parse_job_qbxml(sample.read_text(encoding="utf-8"))
        except GatewayError:
            continue  # not a request document, or one the gateway refuses anyway
        if catalog.validate(build_message_set(requests, version=V13, request_id="x"), V13):
            continue
        # WHEN checked for a US company file that speaks 13.0  THEN nothing is refused
        check_elements(requests.elements, V13, "US")
        checked.append(sample.name)
    assert len(checked) >= 40, checked
    assert {"CustomerAddRq.xml", "invoice_add_rq.xml", "JournalEntryAddRq.xml", "customer_add.xml"} <= set(checked)


XS = "{http://www.w3.org/2001/XMLSchema}"


def schema_request_paths(folder: Path) -> set[str]:
    """Every element path a request may hold under one version's XSD set, rooted at the ``*Rq`` element."""
    declared: dict[str, dict[str, etree._Element]] = {"element": {}, "complexType": {}, "group": {}}
    for xsd in folder.glob("*.xsd"):
        for node in etree.parse(str(xsd)).getroot():
            kind = node.tag.removeprefix(XS) if isinstance(node.tag, str) else ""
            if kind in declared:
                declared[kind][node.get("name", "")] = node
    paths: set[str] = set()

    def content(node: etree._Element, path: str) -> None:
        for child in node:
            kind = child.tag.removeprefix(XS) if isinstance(child.tag, str) else ""
            if kind == "element":
                element(declared["element"][child.get("ref", "")] if child.get("ref") else child, path)
            elif kind == "group":
                content(declared["group"][child.get("ref", "")] if child.get("ref") else child, path)
            elif kind in ("extension", "restriction") and child.get("base") in declared["complexType"]:
                content(declared["complexType"][child.get("base", "")], path)
                content(child, path)
            elif kind in ("sequence", "choice", "all", "complexContent", "complexType", "extension", "restriction"):
                content(child, path)

    def element(node: etree._Element, parent: str) -> None:
        path = f"{parent}/{node.get('name')}" if parent else str(node.get("name"))
        assert path.count("/") < 30, path  # qbXML requests do not nest recursively
        paths.add(path)
        if node.get("type") in declared["complexType"]:
            content(declared["complexType"][node.get("type", "")], path)
        content(node, path)

    message_set = declared["element"]["QBXMLMsgsRq"]
    for child in message_set.iter(f"{XS}element"):
        if child is not message_set and child.get("name", "").endswith("Rq"):
            element(child, "")
    return paths


def test_every_path_the_13_0_schema_allows_is_known_with_a_version_of_at_most_13_0() -> None:
    # GIVEN every element path Intuit's 13.0 XSD allows in a request
    allowed = schema_request_paths(SCHEMA_DIR / "13.0")
    assert len(allowed) > 8000 and "CustomerAddRq/CustomerAdd/ClassRef/FullName" in allowed
    # WHEN each is looked up  THEN the data knows it, as introduced in 13.0 or earlier: a job valid for
    # 13.0 is never refused as too new for a 13.0 file (the rule "unknown means newer" is safe)
    unknown = sorted(path for path in allowed if availability(path) is None)
    assert unknown == []
    too_new = sorted(path for path in allowed if (entry := availability(path)) and entry.introduced > V13)
    assert too_new == []


def test_every_path_of_the_data_is_allowed_by_the_16_0_schema() -> None:
    # GIVEN the data's paths and those Intuit's 16.0 XSD allows  WHEN compared
    # THEN the data holds no path the schema does not (a parser that lost its place would)
    from chalicelib.qbxml import editions_data

    data = set(parse_outline(editions_data.OUTLINE))
    assert data - schema_request_paths(SCHEMA_DIR / "16.0") == set()


# Loading ------------------------------------------------------------------------------------------
def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_DIR, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_the_data_is_loaded_on_first_use_only() -> None:
    # GIVEN a fresh interpreter
    loaded = "print('chalicelib.qbxml.editions_data' in sys.modules)"
    base = "import sys; from chalicelib.qbxml import editions, QbxmlVersion as V; "
    # WHEN it imports the module, or checks for a 16.0 file of unknown country
    # THEN the data is not imported; a check that needs it imports it
    assert _fresh(base + loaded) == "False"
    assert _fresh(base + "editions.check_elements(['<CompanyQueryRq/>'], V(16, 0), None); " + loaded) == "False"
    assert _fresh(base + "editions.check_elements(['<CompanyQueryRq/>'], V(13, 0), 'US'); " + loaded) == "True"
