"""The ``make run`` demo: one end-user, one simulated Web Connector, one full sync, shown step by step.

1. create a demo end-user over REST and write its ``.qwc`` to ``var/demo/`` (``--demo-dir``);
2. enqueue a CustomerAdd and an InvoiceAdd for that customer;
3. run the simulated Web Connector (real SOAP over HTTP) against the gateway;
4. while its session is open and idle, enqueue a CustomerQuery and time enqueue → result on SQS;
5. print every result read back from the SQS results queue.

With ``--no-demo`` none of it runs: no end-user is created and no file is written. With ``--data DIR``
the demo keeps its end-user (``DIR/demo-end-user.json``, with the Web Connector password, readable by
the owner only) and its simulated company file (``DIR/demo-company.json``) from run to run, so a
restart syncs the same end-user again instead of adding one.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
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


def _kept_end_user(stack: LocalStack, remembered: Path | None) -> dict[str, Any] | None:
    """The end-user a previous run with the same ``--data`` created, if the gateway still has it."""
    if remembered is None or not remembered.exists():
        return None
    try:
        user: dict[str, Any] = json.loads(remembered.read_text())
        _call(stack, "GET", f"/v1/end-users/{user['id']}")
    except (ValueError, KeyError, TypeError, urllib.error.HTTPError):
        return None
    return user


def create_demo_end_user(stack: LocalStack, qwc_dir: Path = DEMO_DIR,
                         remembered: Path | None = None) -> dict[str, Any]:
    """The demo end-user (the one ``remembered`` names, else a new one over REST), its ``.qwc`` in ``qwc_dir``."""
    qwc_path = qwc_dir / "demo-end-user.qwc"
    user = _kept_end_user(stack, remembered)
    if user is None or not qwc_path.exists():
        if user is None:
            user = _call(stack, "POST", "/v1/end-users", {"company_name": "Demo Construction LLC", "source_id": "demo"})
            if remembered is not None:
                kept = {k: user[k] for k in ("id", "company_name", "qbwc_username", "qbwc_password")}
                with open(os.open(remembered, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
                    json.dump(kept, out)
        qwc_dir.mkdir(parents=True, exist_ok=True)
        qwc_path.write_text(_call(stack, "GET", f"/v1/end-users/{user['id']}/qwc"))
    print(f"Demo end-user {user['id']} (Web Connector user {user['qbwc_username']}, password "
          f"{user['qbwc_password']}); its .qwc: {qwc_path}")
    return user


def run_demo(stack: LocalStack, *, qwc_dir: Path = DEMO_DIR, data_dir: Path | None = None,
             noop_wait: float = 5.0, stopping: threading.Event | None = None) -> None:
    from simulator import CompanyFile, WebConnector
    from simulator.company_store import load_or_create, save

    user = create_demo_end_user(stack, qwc_dir, data_dir / "demo-end-user.json" if data_dir else None)
    print("\n── Demo: one sync through the simulated Web Connector ──")
    print(f"1. end-user {user['id']} (its .qwc is in {qwc_dir})")

    customer = f"Demo Customer {int(time.time()) % 100000}"
    add = _call(stack, "POST", f"/v1/end-users/{user['id']}/jobs", {"qbxml": (
        f"<CustomerAddRq><CustomerAdd><Name>{customer}</Name><CompanyName>{customer}</CompanyName>"
        "<Phone>555-0100</Phone></CustomerAdd></CustomerAddRq>")})
    invoice = _call(stack, "POST", f"/v1/end-users/{user['id']}/jobs", {"qbxml": (
        f"<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>{customer}</FullName></CustomerRef>"
        "<RefNumber>D-1001</RefNumber><InvoiceLineAdd><Desc>Site survey</Desc><Quantity>2</Quantity>"
        "<Rate>150.00</Rate></InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")})
    print(f"2. enqueued CustomerAdd {add['id']} and InvoiceAdd {invoice['id']}")

    company_path = data_dir / "demo-company.json" if data_dir else None
    company = CompanyFile(schema_dir=stack.schema_dir) if company_path is None else load_or_create(
        company_path, lambda: CompanyFile(schema_dir=stack.schema_dir))
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
    if company_path is not None:
        save(company, company_path)
    status = _call(stack, "GET", f"/v1/end-users/{user['id']}")
    print(f"   end-user status: {status['status']}, company file {status['company_file']}, "
          f"qbXML {status['qbxml_version']}, last sync {status['last_successful_sync_at']}")
    print("── Demo done ──\n")
