"""Intuit's sample requests and real QuickBooks responses (``$QBDGW_SHARED_DIR/reference/samples``) read
into the models; a request sample that the 16.0 schema accepts is written back as valid qbXML 16.0.

Some samples hold a whole message set with several requests (``legacy/CustomerAddRq.xml`` has two, and
``QueryFilterRq.xml`` an AccountQueryRq and a CustomerQueryRq); each ``*Rq`` is read on its own. Two
(``ErrRecovery2/3.xml``) are error-recovery message sets with no request at all. One response,
``receive_payment_query_rs.xml``, is NOT valid under 16.0 (its ``CreditCardTxnInfo`` was trimmed by its
author); it still reads, and :func:`skipped_elements` names the part left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.qbxml import SchemaCatalog
from chalicelib.qbxml.models import (
    QbxmlRequest,
    QbxmlResponse,
    from_qbxml,
    messages_from_qbxml,
    skipped_elements,
    to_qbxml,
)
from chalicelib.safexml import local_name, parse_xml
from tests.support.paths import SAMPLES_DIR
from tests.unit.qbxml.models.support import schema_errors
from tests.unit.qbxml.support import V16

REQUESTS = sorted((SAMPLES_DIR / "qbxml-requests").rglob("*.xml"))
RESPONSES = sorted((SAMPLES_DIR / "qbxml-responses").rglob("*.xml"))
WITHOUT_REQUESTS = {"ErrRecovery2.xml", "ErrRecovery3.xml"}
INVALID_UNDER_16 = {"receive_payment_query_rs.xml"}


def _name(path: Path) -> str:
    return str(path.relative_to(SAMPLES_DIR))


def test_the_samples_are_there() -> None:
    # GIVEN the shared reference folder  THEN it has the 38 request and 8 response samples these tests read
    assert len(REQUESTS) == 38
    assert len(RESPONSES) == 8


@pytest.mark.parametrize("sample", REQUESTS, ids=_name)
def test_every_request_sample_reads_and_writes_back_valid(sample: Path, catalog: SchemaCatalog) -> None:
    # GIVEN a sample request document, valid under Intuit's 16.0 schema
    text = sample.read_text(encoding="utf-8")
    assert catalog.validate(text, V16) == []
    # WHEN each of its requests is read (strictly: nothing unknown)
    requests = messages_from_qbxml(text)
    # THEN there is one model per *Rq; written back they are valid 16.0 and read back equal
    assert [type(request).__qbxml__.name for request in requests] == _request_elements(text)
    if sample.name in WITHOUT_REQUESTS:
        assert requests == []
        return
    assert requests and all(isinstance(request, QbxmlRequest) for request in requests)
    assert schema_errors(catalog, *requests) == []  # type: ignore[arg-type]
    assert [from_qbxml(to_qbxml(request)) for request in requests] == requests


def _request_elements(text: str) -> list[str]:
    """The names of the children of <QBXMLMsgsRq>, read independently of the models."""
    root = parse_xml(text)
    return [local_name(child) for box in root.iter("QBXMLMsgsRq") for child in box if isinstance(child.tag, str)]


@pytest.mark.parametrize("sample", RESPONSES, ids=_name)
def test_every_response_sample_reads_into_its_rs_model(sample: Path, catalog: SchemaCatalog) -> None:
    # GIVEN a response document QuickBooks sent
    text = sample.read_text(encoding="utf-8")
    valid = catalog.validate(text, V16) == []
    # WHEN it is read
    responses = messages_from_qbxml(text)
    # THEN each *Rs is its model, with its status; nothing is skipped unless the sample breaks the schema
    assert responses and all(isinstance(response, QbxmlResponse) for response in responses)
    assert all(type(response).__name__.endswith("Rs") for response in responses)
    assert all(getattr(response, "status_code", None) is not None for response in responses)
    skipped = [entry for response in responses for entry in skipped_elements(response)]
    assert valid == (sample.name not in INVALID_UNDER_16)
    assert (skipped == []) == valid, skipped


def test_the_invalid_response_sample_says_what_it_skipped() -> None:
    # GIVEN the trimmed ReceivePaymentQueryRs  WHEN it is read
    (response,) = messages_from_qbxml((SAMPLES_DIR / "qbxml-responses" / "receive_payment_query_rs.xml").read_bytes())
    # THEN the payment is there, without the broken CreditCardTxnInfo, which is reported
    ret = response.receive_payment_ret[0]  # type: ignore[attr-defined]
    assert ret.txn_id and ret.credit_card_txn_info is None
    assert skipped_elements(response) == (
        "ReceivePaymentRet/CreditCardTxnInfo (credit_card_txn_input_info: Field required)",
    )
