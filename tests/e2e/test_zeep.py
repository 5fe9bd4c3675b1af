"""A SOAP client nobody here wrote (zeep), built from Intuit's own WSDLs and from ours, drives a whole
Web Connector session against the running endpoint. If our envelopes, element names or types drift
from Intuit's contract, zeep fails to build the call or to read the answer."""

from __future__ import annotations

from typing import Any

import pytest
import zeep
from zeep.wsdl.bindings.soap import Soap11Binding

from simulator import CompanyFile
from tests.e2e.support import ResultInbox, job_qbxml
from tests.support.paths import SCHEMA_DIR, WSDL_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

WSDLS = ["intuit-original", "intuit-troubleshoot", "served"]


def zeep_service(process: GatewayProcess, which: str) -> tuple[Any, set[str]]:
    """A zeep service proxy for ``which`` WSDL's SOAP 1.1 binding, pointed at the gateway; and its operations."""
    wsdl = f"{process.base_url}/qbwc?wsdl" if which == "served" else str(WSDL_DIR / which / "QBWebConnectorSvc.wsdl")
    client = zeep.Client(wsdl=wsdl)
    soap11 = [name for name, binding in client.wsdl.bindings.items() if isinstance(binding, Soap11Binding)]
    assert len(soap11) == 1, f"expected one SOAP 1.1 binding in {which}: {list(client.wsdl.bindings)}"
    operations = set(client.wsdl.bindings[soap11[0]]._operations)
    return client.create_service(soap11[0], f"{process.base_url}/qbwc"), operations


@pytest.mark.parametrize("which", WSDLS)
def test_zeep_drives_a_whole_session(gateway_process: GatewayProcess, gateway: Gateway, inbox: ResultInbox,
                                     which: str) -> None:
    # GIVEN an end-user with a CustomerQuery queued, a company file, and zeep built from the WSDL
    user = gateway.create_end_user("Zeep Supply")
    job_id = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    company = CompanyFile("Zeep Supply", schema_dir=SCHEMA_DIR)
    service, operations = zeep_service(gateway_process, which)
    # WHEN zeep runs the session as the Web Connector would
    if "serverVersion" in operations:
        assert service.serverVersion()
    if "clientVersion" in operations:
        assert (service.clientVersion("2.3.0.215") or "")[:2] not in ("E:", "O:")
    auth = list(service.authenticate(user["qbwc_username"], user["qbwc_password"]))
    ticket, status = auth[0], auth[1] or ""
    assert ticket and status not in ("nvu", "none", "busy")
    request = service.sendRequestXML(ticket, company.host_company_preferences_response(), company.path, "US", 13, 0)
    assert f'requestID="{job_id}"' in request
    percent = service.receiveResponseXML(ticket, company.process(request), "", "")
    closing = service.closeConnection(ticket)
    # THEN the answers have the WSDL's types, QuickBooks ran the job once, and the job succeeded
    assert isinstance(percent, int) and 0 <= percent <= 100
    assert isinstance(closing, str) and closing
    assert [e.request_id for e in company.executions] == [job_id]
    assert gateway.job(job_id)["status"] == "succeeded"
    (message,) = inbox.wait_for([job_id])
    assert message["status"] == "succeeded" and message["end_user_id"] == user["id"]


@pytest.mark.parametrize("which", WSDLS)
def test_zeep_error_paths(gateway_process: GatewayProcess, which: str) -> None:
    # GIVEN zeep from the WSDL / WHEN it calls with a bad login and an unknown ticket
    service, _operations = zeep_service(gateway_process, which)
    auth = list(service.authenticate("eu_nobody", "wrong"))
    ticket = "not-a-ticket"
    # THEN protocol answers that zeep reads with the WSDL's types
    assert auth[1] == "nvu"
    assert service.receiveResponseXML(ticket, "", "0x80040400", "parse error") < 0
    assert service.getLastError(ticket)
    assert (service.connectionError(ticket, "0x80040408", "Could not start QuickBooks.") or "").lower() == "done"
