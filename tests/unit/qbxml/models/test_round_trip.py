"""Every one of qbXML 16.0's 268 requests: a generated valid instance round-trips through qbXML and JSON.

For each request two deterministic instances are built from the model alone (``tools.qbxml_examples``): ``minimal``
(required fields, first branch of every choice) and ``full`` (every optional field, last branch of every
choice, one item of each class in a repeated choice). Each must serialise to qbXML that Intuit's own 16.0
XSD accepts inside a real message set, read back to an equal model, and survive JSON the same way.
"""

from __future__ import annotations

import pytest

from chalicelib.qbxml import SchemaCatalog
from chalicelib.qbxml.models import REQUESTS, RESPONSES, from_qbxml, model_for, to_qbxml
from tests.unit.qbxml.models.support import schema_errors
from tools.qbxml_examples import build


def test_there_are_268_requests_each_with_its_response() -> None:
    # GIVEN the generated registry  WHEN its messages are counted  THEN qbXML 16.0's 268 requests are there
    assert len(REQUESTS) == len(set(REQUESTS)) == 268
    assert all(name.endswith("Rq") for name in REQUESTS)
    assert {name[:-2] + "Rs" for name in REQUESTS} == set(RESPONSES)


@pytest.mark.parametrize("full", [False, True], ids=["minimal", "full"])
@pytest.mark.parametrize("name", REQUESTS)
def test_request_round_trips_valid_against_the_xsd(name: str, full: bool, catalog: SchemaCatalog) -> None:
    # GIVEN a valid instance of the request, built from its model
    model = model_for(name)
    request = build(model, full=full)
    # WHEN it is written as qbXML, checked by Intuit's schema in a message set, and read back
    text = to_qbxml(request)
    errors = schema_errors(catalog, request)
    back = from_qbxml(text)
    # THEN the element is the request's, the schema accepts it, and what is read equals what was written
    assert text.startswith(f"<{name}")
    assert errors == []
    assert back == request
    assert type(back) is model


@pytest.mark.parametrize("name", REQUESTS)
def test_request_round_trips_through_json(name: str) -> None:
    # GIVEN the full instance of a request
    model = model_for(name)
    request = build(model, full=True)
    # WHEN it is dumped to JSON-friendly data and validated again
    data = request.model_dump(mode="json", by_alias=False)
    back = model.model_validate(data)
    json_back = model.model_validate_json(request.model_dump_json())
    # THEN nothing is lost either way
    assert back == request
    assert json_back == request
