"""A finished job → the JSON of a typed call; any qbXML answer → its JSON rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.errors import GatewayError
from chalicelib.resources.answer import answer_of, cursor_key, render_messages
from tests.support.paths import SAMPLES_DIR

RESPONSES = sorted((SAMPLES_DIR / "qbxml-responses").glob("*.xml"))


def answer(body: str, request_id: str = "job-1") -> str:
    return (f'<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>{body.replace("$ID", request_id)}</QBXMLMsgsRs>'
            "</QBXML>")


CUSTOMER = ("<CustomerRet><ListID>80000001-1</ListID><TimeCreated>2024-05-01T10:00:00-07:00</TimeCreated>"
            "<TimeModified>2024-05-01T10:00:00-07:00</TimeModified><EditSequence>1714582800</EditSequence>"
            "<Name>Acme</Name><FullName>Acme</FullName><IsActive>true</IsActive><Sublevel>0</Sublevel>"
            "<Balance>10.50</Balance><TotalBalance>10.50</TotalBalance><JobStatus>None</JobStatus></CustomerRet>")


def test_the_responses_are_there() -> None:
    assert len(RESPONSES) >= 8


@pytest.mark.parametrize("sample", RESPONSES, ids=lambda p: p.name)
def test_every_sample_response_renders_as_json(sample: Path) -> None:
    rendered = render_messages(sample.read_text(encoding="utf-8"))
    assert rendered and all(r["type"].endswith("Rs") and "status_code" in r for r in rendered)
    records = [v for r in rendered for k, v in r.items() if k.endswith("_ret")]
    assert records, sample.name  # every sample answers with at least one record


def test_a_record_is_json_with_its_id_revision_and_exact_amounts() -> None:
    text = answer(f'<CustomerQueryRs requestID="$ID" statusCode="0" statusSeverity="Info" statusMessage="OK">'
                  f"{CUSTOMER}</CustomerQueryRs>")
    record = answer_of("retrieve", "succeeded", None, text, "job-1")
    assert record["id"] == record["list_id"] == "80000001-1"
    assert record["revision_number"] == "1714582800" and record["balance"] == "10.50"
    assert record["time_created"] == "2024-05-01T10:00:00-07:00" and record["is_active"] is True
    listed = answer_of("list", "succeeded", None, text, "job-1")
    assert listed == {"object": "list", "data": [record], "has_more": False, "next_cursor": None, "remaining_count": 0}
    page = answer_of("list", "succeeded", None, text, "job-1", paging={"page_size": 1, "pages": 3, "remaining": 4})
    assert (page["has_more"], page["remaining_count"]) == (True, 4)
    assert cursor_key(page["next_cursor"]) == ("job-1", 3)


def test_a_one_page_list_cut_by_its_limit_says_it_has_more_without_a_cursor() -> None:
    # GIVEN a one-page list that asked one record more than its limit of 2, and QuickBooks answered 3
    three = answer('<CustomerQueryRs requestID="$ID" statusCode="0" statusSeverity="Info" statusMessage="OK">'
                   f"{CUSTOMER * 3}</CustomerQueryRs>")
    cut = answer_of("list", "succeeded", None, three, "job-1", limit=2)
    # THEN it carries the limit's records and says there are more, with no cursor to read them by
    assert len(cut["data"]) == 2
    assert (cut["has_more"], cut["next_cursor"], cut["remaining_count"]) == (True, None, None)
    # AND a list the limit did not cut says it is whole
    whole = answer_of("list", "succeeded", None, three, "job-1", limit=3)
    assert (len(whole["data"]), whole["has_more"], whole["remaining_count"]) == (3, False, 0)


def test_a_query_that_matched_nothing_is_an_empty_list_and_a_missing_object_404() -> None:
    text = answer('<CustomerQueryRs requestID="$ID" statusCode="1" statusSeverity="Info" '
                  'statusMessage="A query request did not find a matching object in QuickBooks" />')
    assert answer_of("list", "succeeded", None, text, "job-1")["data"] == []
    with pytest.raises(GatewayError) as missing:
        answer_of("retrieve", "succeeded", None, text, "job-1")
    assert missing.value.code == "object_not_found" and missing.value.http_status == 404


def test_a_failed_job_raises_its_error_and_an_unknown_id_is_404_for_calls_by_id() -> None:
    stale = {"code": "stale_edit_sequence", "message": "statusCode 3200"}
    with pytest.raises(GatewayError) as refused:
        answer_of("update", "failed", stale, None, "job-1")
    assert refused.value.code == "stale_edit_sequence" and refused.value.http_status == 409
    unknown = {"code": "referenced_record_not_found", "message": "statusCode 3120"}
    for operation in ("retrieve", "delete", "void"):
        with pytest.raises(GatewayError) as gone:
            answer_of(operation, "failed", unknown, None, "job-1")
        assert gone.value.code == "object_not_found", operation
    with pytest.raises(GatewayError) as body_ref:  # on a create, the unknown object is one the body names
        answer_of("create", "failed", unknown, None, "job-1")
    assert body_ref.value.code == "referenced_record_not_found"


@pytest.mark.parametrize("operation", ["retrieve", "delete", "void"])
def test_an_unknown_id_keeps_quickbooks_status_code_as_its_integration_code(operation: str) -> None:
    # GIVEN a call by id whose job QuickBooks refused with statusCode 3120 (the object cannot be found)
    unknown = {"code": "referenced_record_not_found", "message": "statusCode 3120: Object not found",
               "integration_code": "3120"}
    # WHEN its answer is made
    with pytest.raises(GatewayError) as gone:
        answer_of(operation, "failed", unknown, None, "job-1")
    # THEN it is 404 object_not_found, and integration_code is still QuickBooks' own code
    assert (gone.value.code, gone.value.http_status) == ("object_not_found", 404)
    assert gone.value.integration_code == "3120" and gone.value.to_dict()["integration_code"] == "3120"


def test_a_retrieve_quickbooks_answered_without_the_object_keeps_its_status_code() -> None:
    # GIVEN a retrieve QuickBooks answered with statusCode 1 (no matching object) and no record
    text = answer('<CustomerQueryRs requestID="$ID" statusCode="1" statusSeverity="Info" '
                  'statusMessage="A query request did not find a matching object in QuickBooks" />')
    # WHEN its answer is made  THEN it is object_not_found carrying QuickBooks' code
    with pytest.raises(GatewayError) as missing:
        answer_of("retrieve", "succeeded", None, text, "job-1")
    assert (missing.value.code, missing.value.integration_code) == ("object_not_found", "1")


def test_a_deletion_and_a_void_say_what_they_did() -> None:
    deleted = answer('<ListDelRs requestID="$ID" statusCode="0" statusSeverity="Info" statusMessage="OK">'
                     "<ListDelType>Customer</ListDelType><ListID>80000001-1</ListID>"
                     "<TimeDeleted>2024-05-02T09:00:00</TimeDeleted><FullName>Acme</FullName></ListDelRs>")
    assert answer_of("delete", "succeeded", None, deleted, "job-1") == {
        "id": "80000001-1", "deleted": True, "list_del_type": "Customer", "list_id": "80000001-1",
        "time_deleted": "2024-05-02T09:00:00", "full_name": "Acme"}
    voided = answer('<TxnVoidRs requestID="$ID" statusCode="0" statusSeverity="Info" statusMessage="OK">'
                    "<TxnVoidType>Invoice</TxnVoidType><TxnID>1A-1</TxnID></TxnVoidRs>")
    assert answer_of("void", "succeeded", None, voided, "job-1") == {
        "id": "1A-1", "voided": True, "txn_void_type": "Invoice", "txn_id": "1A-1"}


def test_an_answer_without_the_call_s_response_is_unreadable() -> None:
    text = answer(f'<CustomerQueryRs requestID="other" statusCode="0">{CUSTOMER}</CustomerQueryRs>')
    with pytest.raises(GatewayError) as unreadable:
        answer_of("list", "succeeded", None, text, "job-1")
    assert unreadable.value.code == "quickbooks_response_unreadable"
    with pytest.raises(GatewayError):
        render_messages("<QBXML><not-closed>")
