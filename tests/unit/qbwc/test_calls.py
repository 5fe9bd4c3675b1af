"""The typed SOAP call models: names, defaults, immutability, and no secrets in ``repr``."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import typing

import pytest

from chalicelib.qbwc import calls
from chalicelib.qbwc.calls import (
    CALL_TYPES,
    CALLS_BY_METHOD,
    Authenticate,
    CallType,
    GetInteractiveURL,
    SendRequestXML,
    SoapCall,
)
from tests.support.paths import REPO_DIR

TWELVE_METHODS = {
    "serverVersion", "clientVersion", "authenticate", "sendRequestXML", "receiveResponseXML",
    "connectionError", "getLastError", "closeConnection", "getInteractiveURL", "interactiveDone",
    "interactiveRejected", "getServerVersion",
}


def test_every_soap_operation_has_exactly_one_call_class() -> None:
    # GIVEN the call registry  WHEN its method names are listed
    methods = [cls.METHOD for cls in CALL_TYPES]
    # THEN they are the twelve QBWC operations, each once, and the union covers the same classes
    assert sorted(methods) == sorted(TWELVE_METHODS)
    assert set(CALLS_BY_METHOD) == TWELVE_METHODS
    assert set(typing.get_args(SoapCall)) == set(CALL_TYPES)


@pytest.mark.parametrize("call_type", CALL_TYPES, ids=lambda cls: cls.METHOD)
def test_a_call_built_without_arguments_has_empty_strings_and_no_ints(call_type: type) -> None:
    # GIVEN a call class  WHEN it is built with no arguments (every element missing)
    call = call_type()
    # THEN strings are "" and ints are None
    for field in dataclasses.fields(call):
        expected = None if field.name.startswith("qbxml_m") else ""
        assert getattr(call, field.name) == expected, field.name


@pytest.mark.parametrize("call_type", CALL_TYPES, ids=lambda cls: cls.METHOD)
def test_params_table_names_every_field_once(call_type: CallType) -> None:
    # GIVEN a call class  WHEN its PARAMS table is compared with its dataclass fields
    attrs = [param.attr for param in call_type.PARAMS]
    # THEN each field has exactly one SOAP element and ints are typed s:int
    assert attrs == [field.name for field in dataclasses.fields(call_type)]
    for param in call_type.PARAMS:
        assert (param.xsd_type == "int") == param.attr.startswith("qbxml_m")


def test_calls_are_frozen() -> None:
    # GIVEN a parsed-looking call  WHEN a field is assigned  THEN it refuses
    call = SendRequestXML(ticket="t", qbxml_major_vers=13)
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.ticket = "other"  # type: ignore[misc]


def test_authenticate_repr_never_shows_the_password() -> None:
    # GIVEN an authenticate call carrying a password
    call = Authenticate(user_name="bookkeeper", password="S3cr3t-Pa55")
    # WHEN it is logged via repr() or str()
    shown = repr(call) + str(call) + f"{call}"
    # THEN the user name is visible and the password is not, while equality still uses it
    assert "bookkeeper" in shown
    assert "S3cr3t-Pa55" not in shown
    assert call != Authenticate(user_name="bookkeeper", password="other")


def test_interactive_calls_keep_the_wc_ticket_element_name() -> None:
    # GIVEN getInteractiveURL  WHEN its SOAP element names are read
    elements = [param.element for param in GetInteractiveURL.PARAMS]
    # THEN they are QBWC's wcTicket and sessionID
    assert elements == ["wcTicket", "sessionID"]


def test_the_qbwc_modules_import_no_aws_or_chalice_code() -> None:
    # GIVEN a fresh interpreter  WHEN the four protocol modules are imported
    script = (
        "import sys\n"
        "import chalicelib.qbwc.calls, chalicelib.qbwc.codec, chalicelib.qbwc.wsdl, chalicelib.qbwc.qwc\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'chalice')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_DIR, capture_output=True, text=True)
    # THEN none of boto3, botocore or chalice was loaded
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert calls.__doc__
