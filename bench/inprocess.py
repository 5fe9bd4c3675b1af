"""Measurements without HTTP: the cold start of ``app.py`` and the SOAP handler's own time per call.

* :func:`cold_start` runs a fresh interpreter ``repeats`` times and times, inside it, ``import app``
  (what a Lambda cold start pays before the first event), building the services on first use
  (boto3 clients, no network), and the first schema validation (loading Intuit's XSD). It also runs
  ``python -X importtime -c "import app"`` once and names the heaviest imports. Beside it, as the
  reference of the goals, a minimal Chalice app that imports boto3 and makes one DynamoDB client, and
  the first Web Connector call of a fresh process (import, services with a real botocore client, one
  ``authenticate`` with the right password, the end-user's item in memory).
* :func:`soap_handler` drives :func:`chalicelib.api.soap.handle_soap` in this process with the
  in-memory store, in the Web Connector's order, for N queued jobs: the codec + session service +
  queue cost of each SOAP call, without the network and without DynamoDB latency.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from bench.harness import customer_add
from bench.stats import Summary

REPO = Path(__file__).resolve().parents[1]

_PROBE = """
import json, time
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
from chalicelib.wiring import services
svc = services()
t2 = time.perf_counter()
from chalicelib.qbxml import parse_job_qbxml, validate_job
versions = svc.queue.schemas.available()
if versions:
    validate_job(parse_job_qbxml(JOB), versions[-1], svc.queue.schemas)
t3 = time.perf_counter()
print(json.dumps({"import_app": t1 - t0, "build_services": t2 - t1, "first_validation": t3 - t2,
                  "schemas": [str(v) for v in versions]}))
"""

# The reference the issue measures against: a minimal Chalice app that imports boto3 and makes one client.
_MINIMAL = """
import json, time
t0 = time.perf_counter()
from chalice import Chalice
import boto3
app = Chalice(app_name="minimal")
client = boto3.client("dynamodb", region_name="us-east-1")
print(json.dumps({"minimal_app": time.perf_counter() - t0}))
"""

# A Lambda container's first Web Connector call: import app, the services (a real botocore DynamoDB
# client, the end-user's items kept in memory so that nothing leaves the process), one authenticate.
_FIRST_CALL = """
import json, time
t0 = time.perf_counter()
import app
from chalicelib import wiring
from chalicelib.api.soap import handle_soap
from chalicelib.config import Settings
from chalicelib.store.memory import MemoryStore
settings = Settings.from_env()
wiring.aws_client("dynamodb", settings)
store = MemoryStore()
svc = wiring.build(settings, store=store, clients={"sqs": None})
wiring.reset(svc)
t1 = time.perf_counter()
import uuid  # the end-user's item, as the table would hold it (not timed)
from datetime import UTC, datetime
from chalicelib.jobs.models import EndUser
store.put_end_user(EndUser(id="eu_cold", company_name="Cold", source_id=None, qbwc_username="eu_cold",
                           password_hash=svc.hasher.hash(PASSWORD), file_id=uuid.uuid4(),
                           created_at=datetime.now(UTC)))
t2 = time.perf_counter()
answer = handle_soap(svc.qbwc, BODY, '"http://developer.intuit.com/authenticate"')
t3 = time.perf_counter()
assert answer.status_code == 200 and "nvu" not in str(answer.body), answer.body
print(json.dumps({"first_call": (t1 - t0) + (t3 - t2), "first_call_services": t1 - t0,
                  "first_authenticate": t3 - t2}))
"""


def _probe_env(schema_dir: Path | None) -> dict[str, str]:
    """This environment minus the gateway's own settings: no queue names, so nothing calls AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBDGW_")}
    env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                "PYTHONDONTWRITEBYTECODE": "1"})
    env.pop("PYTHONPATH", None)
    if schema_dir is not None:
        env["QBDGW_SCHEMA_DIR"] = str(schema_dir)
    return env


def _top_imports(stderr: str, limit: int) -> list[dict[str, Any]]:
    """The direct imports of ``app`` with the largest cumulative time, from ``-X importtime`` output."""
    rows: list[tuple[int, int, str]] = []  # (depth, cumulative us, name)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2][1:]
        rows.append((len(name) - len(name.lstrip(" ")), int(parts[1]), name.strip()))
    app_index = next((i for i, row in enumerate(rows) if row[2] == "app"), None)
    if app_index is None:
        return []
    depth = rows[app_index][0]
    children: list[tuple[int, str]] = []
    for row in reversed(rows[:app_index]):  # a module is printed after everything it imported
        if row[0] <= depth:
            break
        if row[0] == depth + 2:
            children.append((row[1], row[2]))
    children.sort(reverse=True)
    return [{"module": name, "cumulative_ms": round(us / 1000, 1)} for us, name in children[:limit]]


def cold_start(schema_dir: Path | None, repeats: int = 5) -> dict[str, Any]:
    """Median (and all samples) of a fresh interpreter's ``import app`` and first-use costs."""
    env = _probe_env(schema_dir)
    job = customer_add("Cold Start Customer")
    code = f"JOB = {job!r}\n{_PROBE}"
    samples: list[dict[str, Any]] = []
    walls: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"cold-start probe failed:\n{done.stderr[-2000:]}")
        samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
    traced = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    minimal = [_run(_MINIMAL, env) for _ in range(repeats)]
    first = _first_calls(env, repeats)

    def median_ms(key: str) -> float:
        return round(statistics.median(float(s[key]) for s in samples) * 1000, 1)

    return {
        "repeats": repeats,
        "import_app_ms": median_ms("import_app"),
        "import_app_samples_ms": [round(float(s["import_app"]) * 1000, 1) for s in samples],
        "build_services_ms": median_ms("build_services"),
        "first_validation_ms": median_ms("first_validation"),
        "schemas": samples[0]["schemas"],
        "process_wall_ms": round(statistics.median(walls) * 1000, 1),
        "heaviest_imports": _top_imports(traced.stderr, 6),
        "minimal_app_ms": _median_ms(minimal, "minimal_app"),
        "import_app_ratio": round(median_ms("import_app") / _median_ms(minimal, "minimal_app"), 2),
        "first_call_ms": _median_ms(first, "first_call"),
        "first_call_services_ms": _median_ms(first, "first_call_services"),
        "first_authenticate_ms": _median_ms(first, "first_authenticate"),
        "first_call_ratio": round(_median_ms(first, "first_call") / _median_ms(minimal, "minimal_app"), 2),
        "bytecode": "compiled from source in every run (PYTHONDONTWRITEBYTECODE=1); make package ships .pyc",
    }


def _run(code: str, env: Mapping[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=dict(env), capture_output=True, text=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold-start probe failed:\n{done.stderr[-2000:]}")
    return cast(dict[str, Any], json.loads(done.stdout.strip().splitlines()[-1]))


def _median_ms(samples: Sequence[Mapping[str, Any]], key: str) -> float:
    return round(statistics.median(float(s[key]) for s in samples) * 1000, 1)


def _first_calls(env: Mapping[str, str], repeats: int) -> list[dict[str, Any]]:
    """The first SOAP call of fresh interpreters: a right password, a keyed hash (as deployed)."""
    from simulator.soap import request_envelope

    pepper, password = "p" * 40, "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345"
    body = request_envelope("authenticate", (("strUserName", "eu_cold"), ("strPassword", password)))
    code = f"PASSWORD = {password!r}\nBODY = {body!r}\n{_FIRST_CALL}"
    return [_run(code, {**env, "QBDGW_SECRET_PEPPERS": pepper}) for _ in range(repeats)]


# The SOAP handler in process ---------------------------------------------------------------------------
class _CountingStore:
    """The in-memory store behind a proxy that counts the store operations the services ask for.

    Each operation is one DynamoDB request in the deployed adapter (``get_job`` is two: an index
    query, then a read), so the counts tell how many round trips to DynamoDB a SOAP call makes.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.count = 0

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value) or name.startswith("_"):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return value(*args, **kwargs)

        return counted


class _Published:
    """A result publisher that keeps the messages (instead of SQS)."""

    def __init__(self) -> None:
        self.messages: list[Mapping[str, Any]] = []

    def publish(self, message: Mapping[str, Any]) -> None:
        self.messages.append(message)


def soap_handler(jobs: int, schema_dir: Path | None) -> dict[str, Any]:
    """Time ``handle_soap`` per method over one session of ``jobs`` CustomerAdds (in-memory store)."""
    from lxml import etree

    from chalicelib.api.bodies import CreateEndUser
    from chalicelib.api.soap import handle_soap
    from chalicelib.config import Settings
    from chalicelib.jobs.ports import Store
    from chalicelib.store.memory import MemoryStore
    from chalicelib.wiring import build
    from simulator import CompanyFile
    from simulator.soap import INTUIT_NS, request_envelope

    published = _Published()
    store = _CountingStore(MemoryStore())
    settings = Settings(schema_dir=schema_dir, session_idle_seconds=30, secret_peppers="p" * 40)  # as deployed
    services = build(settings, store=cast(Store, store), publisher=published, clients={"sqs": None})
    user, password = services.end_users.create(CreateEndUser(company_name="Bench In-Process"))
    enqueue: list[float] = []
    for i in range(jobs):
        started = time.perf_counter()
        services.queue.enqueue(user.id, customer_add(f"InProc {i:04d}"), source="bench")
        enqueue.append(time.perf_counter() - started)

    timings: dict[str, list[float]] = {}
    operations: dict[str, list[int]] = {}

    def call(method: str, params: Sequence[tuple[str, str]]) -> list[str]:
        body = request_envelope(method, params)
        before = store.count
        started = time.perf_counter()
        response = handle_soap(services.qbwc, body, f'"{INTUIT_NS}{method}"')
        timings.setdefault(method, []).append(time.perf_counter() - started)
        operations.setdefault(method, []).append(store.count - before)
        root = etree.fromstring(str(response.body).encode("utf-8"))
        result = root.find(f".//{{{INTUIT_NS}}}{method}Result")
        if result is None:
            return [""]
        strings = result.findall(f"{{{INTUIT_NS}}}string")
        return [s.text or "" for s in strings] if strings else [result.text or ""]

    company = CompanyFile("Bench In-Process")
    company.open_session("")
    major, minor = company.profile.highest_major_minor
    call("serverVersion", ())
    call("clientVersion", (("strVersion", "2.3.0.215"),))
    ticket = call("authenticate", (("strUserName", user.qbwc_username), ("strPassword", password)))[0]
    hcp = company.host_company_preferences_response()
    for _ in range(jobs + 2):
        request = call("sendRequestXML", (("ticket", ticket), ("strHCPResponse", hcp),
                                          ("strCompanyFileName", company.path), ("qbXMLCountry", company.country),
                                          ("qbXMLMajorVers", str(major)), ("qbXMLMinorVers", str(minor))))[0]
        hcp = ""
        if not request:
            break
        call("receiveResponseXML", (("ticket", ticket), ("response", company.process(request)),
                                    ("hresult", ""), ("message", "")))
    call("getLastError", (("ticket", ticket),))
    call("closeConnection", (("ticket", ticket),))
    company.close_session()

    send = timings.get("sendRequestXML", [])
    receive = timings.get("receiveResponseXML", [])
    send_ops = operations.get("sendRequestXML", [])[1:-1]
    receive_ops = operations.get("receiveResponseXML", [])
    return {
        "jobs": jobs,
        "published": len(published.messages),
        "first_enqueue_ms": round(enqueue[0] * 1000, 1) if enqueue else None,
        "enqueue": Summary.of(enqueue[1:]).ms(),
        "authenticate_ms": round(timings["authenticate"][0] * 1000, 1),
        "first_send_request_xml_ms": round(send[0] * 1000, 1) if send else None,
        "send_request_xml": Summary.of(send[1:-1]).ms(),  # neither the first (HCP) nor the last (empty)
        "receive_response_xml": Summary.of(receive).ms(),
        "server_version": Summary.of(timings.get("serverVersion", [])).ms(),
        "store_operations_per_call": {
            "authenticate": operations["authenticate"][0],
            "first_send_request_xml": operations["sendRequestXML"][0],
            "send_request_xml": round(statistics.median(send_ops), 1) if send_ops else None,
            "receive_response_xml": round(statistics.median(receive_ops), 1) if receive_ops else None,
            "get_last_error": operations["getLastError"][0],
            "close_connection": operations["closeConnection"][0],
        },
    }
