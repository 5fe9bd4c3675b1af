"""What the models refuse and how they read and write: lengths, enumerations, required fields, choices,
exact amounts, dates, names, ``id``, and responses that carry more (or less) than qbXML 16.0 says."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.qbxml import SchemaCatalog, parse_job_qbxml, validate_job
from chalicelib.qbxml.models import (
    IdWithMacro,
    QbxmlParseError,
    from_qbxml,
    model_for,
    skipped_elements,
    to_qbxml,
)
from chalicelib.qbxml.models._common import CustomerRef, ItemGroupRef, ItemRef, TotalBalanceFilter
from chalicelib.qbxml.models._names import PYTHON_NAMES, SPECIAL_CASES
from chalicelib.qbxml.models.customer import (
    CustomerAdd,
    CustomerAddRq,
    CustomerMod,
    CustomerQueryRq,
    CustomerQueryRs,
    CustomerRet,
)
from chalicelib.qbxml.models.data_ext import DataExtAdd
from chalicelib.qbxml.models.invoice import InvoiceAdd, InvoiceAddRq, InvoiceLineAdd, InvoiceLineGroupAdd, InvoiceRet
from chalicelib.safexml import UnsafeXmlError
from tests.unit.qbxml.models.support import schema_errors
from tests.unit.qbxml.support import V16

GUID = "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}"


def _refused(build: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        build()
    return str(caught.value)


# -- refusals ------------------------------------------------------------------------------------


def test_a_string_longer_than_the_schema_allows_is_refused() -> None:
    # GIVEN CustomerAdd.Name, at most 41 characters  WHEN 41 and 42 are given  THEN 42 is refused
    assert CustomerAdd(name="x" * 41).name == "x" * 41
    assert "at most 41 characters" in _refused(lambda: CustomerAdd(name="x" * 42))


def test_a_value_outside_an_enumeration_is_refused() -> None:
    # GIVEN ActiveStatus (ActiveOnly | InactiveOnly | All)  WHEN another value is given  THEN it is refused
    assert "'ActiveOnly', 'InactiveOnly' or 'All'" in _refused(lambda: CustomerQueryRq(active_status="Sometimes"))


def test_a_missing_required_field_is_refused() -> None:
    # GIVEN CustomerAdd without its Name and CustomerAddRq without its CustomerAdd  THEN both are refused
    assert "name\n  Field required" in _refused(lambda: CustomerAdd())
    assert "customer_add\n  Field required" in _refused(lambda: CustomerAddRq())


def test_two_branches_of_a_choice_are_refused() -> None:
    # GIVEN CustomerQueryRq's choice ListID | FullName | (MaxReturned?, ActiveStatus?, …filters)
    # WHEN two branches are set  THEN it is refused, naming both
    message = _refused(lambda: CustomerQueryRq(list_id=("80000001-1",), full_name=("Acme",)))
    assert "set only one of list_id | full_name | (max_returned, active_status" in message
    assert "got list_id and full_name" in message
    assert "set only one of" in _refused(lambda: CustomerQueryRq(full_name=("Acme",), max_returned=5))
    # AND one branch alone, or none (the choice is optional), is fine
    assert CustomerQueryRq(max_returned=5, active_status="All").max_returned == 5
    assert CustomerQueryRq().list_id == ()


def test_a_required_choice_needs_one_complete_branch() -> None:
    # GIVEN DataExtAdd: (ListDataExtType, ListObjRef) | (TxnDataExtType, TxnID, TxnLineID?) | OtherDataExtType
    base: dict[str, Any] = {"owner_id": "0", "data_ext_name": "Colour", "data_ext_value": "red"}
    # WHEN no branch is set, or a branch is incomplete  THEN it is refused
    assert "one of (list_data_ext_type, list_obj_ref) | " in _refused(lambda: DataExtAdd(**base))
    assert "txn_id is required with txn_data_ext_type" in _refused(
        lambda: DataExtAdd(**base, txn_data_ext_type="Invoice")
    )
    # AND a complete branch is fine
    assert DataExtAdd(**base, other_data_ext_type="Company").other_data_ext_type == "Company"


@pytest.mark.parametrize("amount", ["abc", "1.2.3", "", "NaN", "Infinity", 10.5, True, "1.234", "12345678901234"])
def test_an_amount_that_is_not_an_exact_decimal_of_the_right_size_is_refused(amount: object) -> None:
    # GIVEN AMTTYPE: at most 13 digits and 2 decimals, exact  WHEN anything else is given  THEN it is refused
    _refused(lambda: TotalBalanceFilter(operator="LessThan", amount=amount))


def test_amounts_are_decimals_written_with_two_decimals_and_carried_as_strings_in_json() -> None:
    # GIVEN amounts given as a string, an int and a Decimal
    filters = [TotalBalanceFilter(operator="LessThan", amount=value) for value in ("10.5", 7, Decimal("-0.25"))]
    # WHEN they are written  THEN they are Decimals, qbXML has two decimals, JSON a string
    assert [f.amount for f in filters] == [Decimal("10.5"), Decimal(7), Decimal("-0.25")]
    assert "<Amount>10.50</Amount>" in to_qbxml(filters[0])
    assert filters[1].model_dump(mode="json") == {"operator": "LessThan", "amount": "7.00"}


def test_models_are_frozen_and_refuse_unknown_fields() -> None:
    # GIVEN a model  WHEN a field is assigned or an unknown one passed  THEN both are refused
    customer = CustomerAdd(name="Acme")
    with pytest.raises(ValidationError):
        customer.name = "Other"  # type: ignore[misc]
    _refused(lambda: CustomerAdd(name="Acme", nickname="A"))  # type: ignore[call-arg]


# -- writing and reading -------------------------------------------------------------------------


def test_serialisation_follows_schema_order_not_argument_order(catalog: SchemaCatalog) -> None:
    # GIVEN a CustomerAdd whose fields are passed in reverse schema order
    request = CustomerAddRq(customer_add=CustomerAdd(email="a@example.com", phone="555-0100", name="Acme"))
    # WHEN it is written  THEN Name, Phone, Email come in the schema's order and the schema accepts it
    assert to_qbxml(request) == (
        "<CustomerAddRq><CustomerAdd><Name>Acme</Name><Phone>555-0100</Phone>"
        "<Email>a@example.com</Email></CustomerAdd></CustomerAddRq>"
    )
    assert schema_errors(catalog, request) == []


def test_a_request_model_is_a_job_the_gateway_accepts(catalog: SchemaCatalog) -> None:
    # GIVEN a request built from the models
    request = CustomerQueryRq(max_returned=10, active_status="All", include_ret_element=("ListID", "Name"))
    # WHEN its qbXML is submitted as a job's qbxml  THEN the gateway reads it and the 16.0 schema accepts it
    job = parse_job_qbxml(to_qbxml(request))
    assert job.names == ("CustomerQueryRq",)
    validate_job(job, V16, catalog)


def test_a_repeated_choice_keeps_its_items_interleaved(catalog: SchemaCatalog) -> None:
    # GIVEN an invoice whose lines mix lines and line groups
    lines = (
        InvoiceLineAdd(item_ref=ItemRef(full_name="Widget")),
        InvoiceLineGroupAdd(item_group_ref=ItemGroupRef(full_name="Kit")),
        InvoiceLineAdd(desc="Note"),
    )
    request = InvoiceAddRq(invoice_add=InvoiceAdd(customer_ref=CustomerRef(full_name="Acme"), lines=lines))
    # WHEN it is written and read back  THEN the order survives and the schema accepts it
    text = to_qbxml(request)
    assert text.index("<InvoiceLineAdd>") < text.index("<InvoiceLineGroupAdd>") < text.rindex("<InvoiceLineAdd>")
    assert from_qbxml(text) == request
    assert schema_errors(catalog, request) == []


def test_dates_and_date_times_keep_what_quickbooks_sent() -> None:
    # GIVEN a CustomerRet with an offset date-time, a bare date-time and a date
    text = (
        "<CustomerRet><ListID>80000001-1</ListID><TimeCreated>2024-05-01T09:30:00-07:00</TimeCreated>"
        "<TimeModified>2024-05-02T10:00:00</TimeModified><JobStartDate>2024-02-29</JobStartDate></CustomerRet>"
    )
    # WHEN it is read and written again
    customer = from_qbxml(text, CustomerRet)
    # THEN the offset is kept (not converted), the naive one stays naive, and the text is unchanged
    assert customer.time_created == datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=-7)))
    assert customer.time_modified is not None and customer.time_modified.tzinfo is None
    assert customer.job_start_date == date(2024, 2, 29)
    assert to_qbxml(customer) == text


def test_date_only_date_times_and_empty_elements_read() -> None:
    # GIVEN DATETIMETYPE's shortest form and an empty BOOLTYPE (the schema's union with "")
    customer = from_qbxml("<CustomerRet><TimeCreated>2024-05-01</TimeCreated><IsActive/></CustomerRet>", CustomerRet)
    # THEN the date-time is midnight and the empty boolean is absent
    assert customer.time_created == datetime(2024, 5, 1)
    assert customer.is_active is None


def test_names_are_snake_case_with_documented_special_cases() -> None:
    # GIVEN the generated name table  THEN the common names follow snake_case and EditSequence is special
    assert PYTHON_NAMES["ListID"] == "list_id" and PYTHON_NAMES["TxnID"] == "txn_id"
    assert PYTHON_NAMES["FullName"] == "full_name" and PYTHON_NAMES["IsVendorEligibleFor1099"].endswith("for_1099")
    assert SPECIAL_CASES == {"EditSequence": "revision_number"}
    # AND a model uses them, in JSON too
    mod = CustomerMod(list_id="80000001-1", revision_number="1700000000")
    assert "<EditSequence>1700000000</EditSequence>" in to_qbxml(mod)
    assert mod.model_dump(mode="json", exclude_defaults=True) == {"list_id": "80000001-1",
                                                                  "revision_number": "1700000000"}


def test_ret_models_expose_their_list_id_or_txn_id_as_id() -> None:
    # GIVEN a CustomerRet (a list object) and an InvoiceRet (a transaction)
    customer = CustomerRet(list_id="80000001-1", name="Acme")
    invoice = InvoiceRet(txn_id="1A-1700000000")
    # THEN id is the identifier, JSON carries it, and such JSON validates again (id is output only; so is
    # element, which says which class an item of EntityQueryRs.rets is)
    assert (customer.id, invoice.id) == ("80000001-1", "1A-1700000000")
    data = customer.model_dump(mode="json", exclude_defaults=True)
    assert data == {"list_id": "80000001-1", "name": "Acme", "id": "80000001-1", "element": "CustomerRet"}
    assert CustomerRet.model_validate(data) == customer
    assert "<id>" not in to_qbxml(customer) and "<ListID>80000001-1</ListID>" in to_qbxml(customer)


def test_an_id_with_a_macro_is_a_model_and_a_plain_string_is_its_value() -> None:
    # GIVEN DataExtAdd.TxnID, an IDTYPE with a useMacro attribute
    base: dict[str, Any] = {"owner_id": GUID, "data_ext_name": "Colour", "data_ext_value": "red",
                            "txn_data_ext_type": "Invoice"}
    plain = DataExtAdd(**base, txn_id="1A-17")
    macro = DataExtAdd(**base, txn_id=IdWithMacro(value="1A-17", use_macro="TxnID:inv"))
    # THEN both read, and the macro is written as the attribute
    assert plain.txn_id == IdWithMacro(value="1A-17")
    assert '<TxnID useMacro="TxnID:inv">1A-17</TxnID>' in to_qbxml(macro)


def test_model_for_imports_by_name_and_refuses_unknown_names() -> None:
    # GIVEN names of a request, a response and a Ret  THEN each maps to its class; an unknown name is refused
    assert model_for("CustomerAddRq") is CustomerAddRq
    assert model_for("CustomerRet") is CustomerRet
    assert model_for("CustomerQueryRs").__qbxml__.name == "CustomerQueryRs"
    with pytest.raises(KeyError):
        model_for("CustomerFrobnicateRq")


# -- requests strictly, responses leniently ------------------------------------------------------


def test_an_unknown_element_or_bad_value_in_a_request_is_an_error() -> None:
    # GIVEN requests with an element qbXML does not have, and with a value out of its enumeration
    with pytest.raises(QbxmlParseError, match=r"<Nickname> is not part of qbXML 16\.0"):
        from_qbxml("<CustomerAddRq><CustomerAdd><Name>A</Name><Nickname>B</Nickname></CustomerAdd></CustomerAddRq>")
    with pytest.raises(ValidationError):
        from_qbxml("<CustomerQueryRq><ActiveStatus>Sometimes</ActiveStatus></CustomerQueryRq>")


def test_a_response_with_newer_elements_parses_and_says_what_it_skipped() -> None:
    # GIVEN a CustomerQueryRs whose CustomerRet carries an element and an enumeration value newer than 16.0,
    # and a DataExtRet (custom fields) as QuickBooks sends it
    text = (
        '<CustomerQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
        "<CustomerRet><ListID>80000001-1</ListID><Name>Acme</Name><LoyaltyTier>Gold</LoyaltyTier>"
        "<JobStatus>Paused</JobStatus>"
        f"<DataExtRet><OwnerID>{GUID}</OwnerID><DataExtName>Colour</DataExtName>"
        "<DataExtType>STR255TYPE</DataExtType><DataExtValue>red</DataExtValue></DataExtRet>"
        "</CustomerRet></CustomerQueryRs>"
    )
    # WHEN it is read
    response = from_qbxml(text, CustomerQueryRs)
    # THEN the known data is there, typed, and the skipped parts are listed with their paths
    ret = response.customer_ret[0]
    assert (ret.name, ret.data_ext_ret[0].data_ext_value, ret.job_status) == ("Acme", "red", None)
    assert (response.status_code, response.status_severity) == (0, "Info")
    skipped = skipped_elements(response)
    assert skipped[0] == "CustomerRet/LoyaltyTier"
    assert skipped[1].startswith("CustomerRet/JobStatus (Input should be")


def test_reading_uses_the_hardened_parser() -> None:
    # GIVEN a document with a DTD  WHEN it is read  THEN safexml refuses it before anything is expanded
    with pytest.raises(UnsafeXmlError):
        from_qbxml('<!DOCTYPE x [<!ENTITY e "boom">]><CustomerQueryRq><FullName>&e;</FullName></CustomerQueryRq>')
