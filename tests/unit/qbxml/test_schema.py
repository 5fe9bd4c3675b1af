"""The schema catalog: which versions it holds, how it picks one, what its messages look like."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from chalicelib.qbxml import QbxmlVersion, SchemaCatalog, build_message_set, parse_job_qbxml
from tests.support.paths import SCHEMA_DIR
from tests.unit.qbxml.support import V13, V16


def test_catalog_finds_13_and_16_and_says_so(catalog: SchemaCatalog) -> None:
    # GIVEN Intuit's schema folder
    # WHEN the catalog describes itself
    line = catalog.describe()
    # THEN validation is on for both versions
    assert catalog.enabled
    assert line.startswith("qbXML schema validation is ON")
    assert "13.0, 16.0" in line


def test_catalog_without_folder_is_off_and_accepts_everything() -> None:
    # GIVEN no schema folder
    catalog = SchemaCatalog(None)
    # WHEN anything is validated
    messages = catalog.validate("<QBXML><NotQbxml/></QBXML>", V16)
    # THEN validation is off, says so, and reports nothing
    assert not catalog.enabled
    assert catalog.available() == ()
    assert catalog.describe().startswith("qbXML schema validation is OFF: ")
    assert messages == []


def test_catalog_with_an_empty_or_missing_folder_is_off(tmp_path: Path) -> None:
    # GIVEN an empty folder and a folder that does not exist
    empty, missing = SchemaCatalog(tmp_path), SchemaCatalog(tmp_path / "nope")
    # WHEN they describe themselves  THEN both are off and name the folder
    assert not empty.enabled and not missing.enabled
    assert str(tmp_path) in empty.describe() and "OFF" in empty.describe()
    assert "does not exist" in missing.describe()


def test_schema_choice_is_exact_then_nearest_lower_then_lowest(
    catalog: SchemaCatalog, tmp_path: Path
) -> None:
    # GIVEN the full catalog, and one that holds only 16.0
    (tmp_path / "16.0").symlink_to(SCHEMA_DIR / "16.0", target_is_directory=True)
    only16 = SchemaCatalog(tmp_path)
    # WHEN schemas are chosen for various versions
    # THEN exact beats nearest lower, which beats the lowest available
    assert catalog.schema_version_for(V16) == V16
    assert catalog.schema_version_for(QbxmlVersion(15, 0)) == V13
    assert catalog.schema_version_for(QbxmlVersion(17, 0)) == V16
    assert catalog.schema_version_for(QbxmlVersion(12, 0)) == V13
    assert only16.available() == (V16,)
    assert only16.schema_version_for(V13) == V16


def test_validate_reports_line_and_element(
    catalog: SchemaCatalog, fixture_text: Callable[[str], str]
) -> None:
    # GIVEN a message set whose onError attribute is missing (on line 3)
    document = fixture_text("message_set_without_on_error.xml")
    # WHEN it is validated
    messages = catalog.validate(document, V13)
    # THEN one short message names the line and the element
    assert len(messages) == 1
    assert messages[0].startswith("line 3: Element 'QBXMLMsgsRq'")
    assert "onError" in messages[0]


def test_validate_reports_at_most_five_messages(catalog: SchemaCatalog) -> None:
    # GIVEN seven requests, each with an invalid iterator attribute
    requests = "".join(f'<CustomerQueryRq iterator="Sideways{i}"/>' for i in range(7))
    document = f'<QBXML><QBXMLMsgsRq onError="stopOnError">{requests}</QBXMLMsgsRq></QBXML>'
    # WHEN it is validated
    messages = catalog.validate(document, V16)
    # THEN only the first five are reported
    assert len(messages) == 5
    assert all("iterator" in message for message in messages)


def test_validate_reports_unreadable_documents(
    catalog: SchemaCatalog, fixture_text: Callable[[str], str]
) -> None:
    # GIVEN a document that is not well-formed
    # WHEN it is validated  THEN the message says so instead of raising
    messages = catalog.validate(fixture_text("jobs/malformed.xml"), V16)
    assert len(messages) == 1 and "not well-formed" in messages[0]


def test_validate_is_thread_safe(catalog: SchemaCatalog, fixture_text: Callable[[str], str]) -> None:
    # GIVEN one valid and one invalid message set
    good = build_message_set(
        parse_job_qbxml(fixture_text("jobs/customer_add.xml")), version=V16, request_id="g"
    )
    bad = build_message_set(
        parse_job_qbxml(fixture_text("jobs/customer_add_wrong_order.xml")), version=V16, request_id="b"
    )
    expected = {good: catalog.validate(good, V16), bad: catalog.validate(bad, V16)}
    assert expected[good] == [] and expected[bad] != []
    # WHEN sixteen threads validate them at once, many times
    failures: list[str] = []

    def worker(document: str) -> None:
        for _ in range(20):
            if catalog.validate(document, V16) != expected[document]:
                failures.append(document)

    threads = [threading.Thread(target=worker, args=(good if i % 2 else bad,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every thread saw exactly its own document's result
    assert failures == []


def test_fresh_catalog_loads_schemas_on_first_use_from_several_threads(
    fixture_text: Callable[[str], str],
) -> None:
    # GIVEN a fresh catalog (nothing loaded yet) and a valid message set
    catalog = SchemaCatalog(SCHEMA_DIR)
    document = fixture_text("message_set_company_query.xml")
    results: list[list[str]] = []
    # WHEN eight threads validate at once
    def worker() -> None:
        results.append(catalog.validate(document, V13))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN all of them get the same (valid) answer
    assert results == [[]] * 8
