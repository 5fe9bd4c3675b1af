"""The ``make run`` demo: one end-user, one simulated Web Connector, one full sync, shown step by step.

1. create a demo end-user over REST and write its ``.qwc`` to ``var/demo/`` (also with ``--no-demo``);
2. enqueue a CustomerAdd and an InvoiceAdd for that customer;
3. run the simulated Web Connector (real SOAP over HTTP) against the gateway;
4. while its session is open and idle, enqueue a CustomerQuery and time enqueue → result on SQS;
5. print every result read back from the SQS results queue.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from infra.localstack import LocalStack

DEMO_DIR = Path(__file__).resolve().parents[1] / "var" / "demo"


def _call(stack: LocalStack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 (http to our own loopback server)
        f"{stack.base_url}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {stack.api_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own loopback)
        raw = response.read()
        return json.loads(raw) if response.headers.get_content_type() == "application/json" else raw.decode()


def _summary(response_qbxml: str | None) -> str:
    """``CustomerAddRs 0 ListID=… FullName=…`` for each answer in a qbXML response."""
    if not response_qbxml:
        return ""
    root = etree.fromstring(response_qbxml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    parts = []
    for rs in root.iterfind("./QBXMLMsgsRs/*"):
        ret = next(iter(rs), None)
        ids = [f"{tag}={ret.findtext(tag)}" for tag in ("ListID", "TxnID", "FullName", "RefNumber")
               if ret is not None and ret.find(tag) is not None]
        parts.append(" ".join([rs.tag, f"statusCode={rs.get('statusCode')}", *ids]))
    return "; ".join(parts)


def _drain_results(stack: LocalStack, want: set[str], timeout: float) -> dict[str, tuple[dict[str, Any], float]]:
    assert stack.outputs is not None
    sqs = stack.client("sqs")
    got: dict[str, tuple[dict[str, Any], float]] = {}
    deadline = time.monotonic() + timeout
    while want - set(got) and time.monotonic() < deadline:
        out = sqs.receive_message(QueueUrl=stack.outputs.results_queue_url, MaxNumberOfMessages=10,
                                  WaitTimeSeconds=1)
        for message in out.get("Messages", []):
            body = json.loads(message["Body"])
            got[body["job_id"]] = (body, time.monotonic())
            sqs.delete_message(QueueUrl=stack.outputs.results_queue_url, ReceiptHandle=message["ReceiptHandle"])
    return got


def create_demo_end_user(stack: LocalStack) -> dict[str, Any]:
    """The demo end-user, created over REST, with its ``.qwc`` written to ``var/demo/``."""
    user: dict[str, Any] = _call(stack, "POST", "/v1/end-users",
                                 {"company_name": "Demo Construction LLC", "source_id": "demo"})
    qwc = _call(stack, "GET", f"/v1/end-users/{user['id']}/qwc")
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    qwc_path = DEMO_DIR / "demo-end-user.qwc"
    qwc_path.write_text(qwc)
    print(f"Demo end-user {user['id']} (Web Connector user {user['qbwc_username']}, password "
          f"{user['qbwc_password']}); its .qwc: {qwc_path}")
    return user


def run_demo(stack: LocalStack, user: dict[str, Any], *, noop_wait: float = 5.0,
             stopping: threading.Event | None = None) -> None:
    from simulator import CompanyFile, WebConnector

    print("\n── Demo: one sync through the simulated Web Connector ──")
    print(f"1. end-user {user['id']} (created above; its .qwc is in {DEMO_DIR})")

    customer = f"Demo Customer {int(time.time()) % 100000}"
    add = _call(stack, "POST", f"/v1/end-users/{user['id']}/jobs", {"qbxml": (
        f"<CustomerAddRq><CustomerAdd><Name>{customer}</Name><CompanyName>{customer}</CompanyName>"
        "<Phone>555-0100</Phone></CustomerAdd></CustomerAddRq>")})
    invoice = _call(stack, "POST", f"/v1/end-users/{user['id']}/jobs", {"qbxml": (
        f"<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>{customer}</FullName></CustomerRef>"
        "<RefNumber>D-1001</RefNumber><InvoiceLineAdd><Desc>Site survey</Desc><Quantity>2</Quantity>"
        "<Rate>150.00</Rate></InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")})
    print(f"2. enqueued CustomerAdd {add['id']} and InvoiceAdd {invoice['id']}")

    company = CompanyFile(schema_dir=stack.schema_dir)
    connector = WebConnector(f"{stack.base_url}/qbwc", user["qbwc_username"], user["qbwc_password"], company,
                             noop_wait=noop_wait)
    results: list[Any] = []
    session = threading.Thread(target=lambda: results.append(connector.run_session()), daemon=True)
    print("3. simulated Web Connector: Update Selected")
    session.start()

    first = _drain_results(stack, {add["id"], invoice["id"]}, timeout=60)
    while len(company.executions) < 2 and session.is_alive():
        time.sleep(0.05)
    time.sleep(0.2)
    enqueued = time.monotonic()
    query = _call(stack, "POST", f"/v1/end-users/{user['id']}/jobs", {"qbxml": (
        f"<CustomerQueryRq><FullName>{customer}</FullName></CustomerQueryRq>")})
    print(f"4. session open and idle: enqueued CustomerQuery {query['id']}")
    later = _drain_results(stack, {query["id"]}, timeout=60)
    if query["id"] in later:
        print(f"   enqueue → result on SQS: {later[query['id']][1] - enqueued:.2f} s "
              f"(the Web Connector polls every {noop_wait:g} s while a session is open)")

    print("5. results read back from the SQS results queue:")
    for job_id, (body, _at) in {**first, **later}.items():
        error = body.get("error") or {}
        detail = _summary(body.get("response_qbxml")) or error.get("message", "")
        print(f"   {job_id} {body['status']:<9} {detail}")
        if error:
            print(f"      user-facing: {error.get('user_facing_message')}")

    print("6. the session stays open for new work until it has been idle for the idle limit; then the Web "
          "Connector closes it…")
    while session.is_alive() and not (stopping and stopping.is_set()):
        session.join(timeout=0.5)
    if session.is_alive():
        connector.stop()
        session.join(timeout=noop_wait + 5)
    if results:
        result = results[0]
        print(f"   Web Connector session: {result.outcome.value}; {len(result.calls)} SOAP calls "
              f"({', '.join(dict.fromkeys(result.methods))}); progress {result.percents}; "
              f"closeConnection said {result.close_message!r}")
    print(f"   QuickBooks executed {len(company.executions)} request(s), one at a time.")
    status = _call(stack, "GET", f"/v1/end-users/{user['id']}")
    print(f"   end-user status: {status['status']}, company file {status['company_file']}, "
          f"qbXML {status['qbxml_version']}, last sync {status['last_successful_sync_at']}")
    print("── Demo done ──\n")
