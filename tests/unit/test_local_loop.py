"""The local development loop without servers: the Makefile's ``run``, the data dir, the queue pollers that
stand in for Lambda's SQS triggers, the simulator's company file on disk and its ``offline`` condition."""

from __future__ import annotations

import http.server
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.app import SQSEvent

from infra.localstack import DataDir, LocalStack, parse_args, poll_once
from simulator import CompanyFile
from simulator import __main__ as simulator_cli
from simulator.company_store import load, save
from tests.support.paths import REPO_DIR

MESSAGE_SET = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">{}'
               "</QBXMLMsgsRq></QBXML>")


def test_make_run_installs_the_qbdgw_command_first(tmp_path: Path) -> None:
    # GIVEN the Makefile's run rule
    rule = re.search(r"^run:(.*)$", (REPO_DIR / "Makefile").read_text(), re.MULTILINE)
    assert rule is not None and "$(VENV)/.editable" in rule.group(1).split()
    # WHEN make plans `make run` for a venv that does not exist yet
    venv = tmp_path / "venv"
    plan = subprocess.run(["make", "-n", "run", f"VENV={venv}"], cwd=REPO_DIR, capture_output=True, text=True,
                          check=True, timeout=60).stdout.splitlines()
    # THEN it installs the project (editable: the qbdgw console script) before it starts the stack
    editable = next(i for i, line in enumerate(plan) if "pip install" in line and line.rstrip().endswith("-e ."))
    start = next(i for i, line in enumerate(plan) if "-m infra.localstack" in line)
    assert editable < start
    assert not venv.exists()


def test_a_data_dir_is_started_fresh_on_request_and_used_by_one_stack_at_a_time(tmp_path: Path) -> None:
    # GIVEN a data dir with a snapshot and a remembered key
    first = DataDir(tmp_path)
    first.write("state.json", '{"version": 1}')
    first.write("api-key", "qbdgw_kept\n")
    # THEN a second stack cannot use it while the first does
    with pytest.raises(RuntimeError, match="in use by another local stack"):
        DataDir(tmp_path)
    first.close()
    assert DataDir(tmp_path).read("api-key") == "qbdgw_kept"
    # AND --fresh forgets what it holds
    fresh = DataDir(tmp_path, fresh=True)
    assert fresh.read_state() is None and fresh.read("api-key") is None
    fresh.close()


class _Sqs:
    """The SQS calls a poller makes, on a queue held in a list."""

    def __init__(self, bodies: list[str]) -> None:
        self.queued = [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body, "Attributes": {}}
                       for i, body in enumerate(bodies)]
        self.received: list[dict[str, Any]] = []
        self.deleted: list[tuple[str, str]] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.received.append(kwargs)
        batch, self.queued = self.queued[:kwargs["MaxNumberOfMessages"]], self.queued[kwargs["MaxNumberOfMessages"]:]
        return {"Messages": batch} if batch else {}

    def delete_message(self, QueueUrl: str, ReceiptHandle: str) -> None:
        self.deleted.append((QueueUrl, ReceiptHandle))


def test_a_poller_hands_a_batch_over_as_lambda_does_and_keeps_what_failed() -> None:
    # GIVEN twelve delivery queue messages, and a handler that reports the second one as failed
    sqs = _Sqs([f'{{"delivery_id": "dlv_{i}"}}' for i in range(12)])
    seen: list[tuple[str, str]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend((r.to_dict()["messageId"], r.body) for r in SQSEvent(event, context))  # as app.py reads them
        return {"batchItemFailures": [{"itemIdentifier": "m1"}]}

    # WHEN the poller takes one turn
    handed = poll_once(sqs, "http://sqs/webhooks", handler)
    # THEN it received ten with a short long-poll and handed them over in one event, as Lambda would
    assert handed == 10 and sqs.received[0]["MaxNumberOfMessages"] == 10 and sqs.received[0]["WaitTimeSeconds"] <= 5
    assert seen == [(f"m{i}", f'{{"delivery_id": "dlv_{i}"}}') for i in range(10)]
    # AND deleted all but the failed one, which SQS hands over again after its visibility timeout
    assert sqs.deleted == [("http://sqs/webhooks", f"r{i}") for i in range(10) if i != 1]
    # AND the next turn takes the rest; an empty queue calls nothing
    assert poll_once(sqs, "http://sqs/webhooks", handler) == 2
    assert poll_once(sqs, "http://sqs/webhooks", lambda e, c: pytest.fail("called on an empty queue")) == 0


def test_the_local_stack_turns_webhooks_on_only_when_asked() -> None:
    # GIVEN `make run` without and with --webhooks
    # THEN the stack it builds has webhooks off, and on
    assert parse_args([]).webhooks is False and LocalStack().webhooks is False
    assert parse_args(["--webhooks"]).webhooks is True


def _customer_add(name: str) -> str:
    return MESSAGE_SET.format(f'<CustomerAddRq requestID="1"><CustomerAdd><Name>{name}</Name></CustomerAdd>'
                              "</CustomerAddRq>")


def test_a_company_file_saved_and_loaded_keeps_its_data_and_numbering(tmp_path: Path) -> None:
    # GIVEN a company file with a customer, a job, an invoice, a data extension and a remembered answer
    company = CompanyFile("Kept Co")
    company.process(_customer_add("Acme"))
    company.process(MESSAGE_SET.format(
        '<CustomerAddRq><CustomerAdd><Name>Roof</Name><ParentRef><FullName>Acme</FullName></ParentRef>'
        "</CustomerAdd></CustomerAddRq>"))
    company.process(MESSAGE_SET.replace('onError="stopOnError"', 'onError="stopOnError" newMessageSetID="set-1"')
                    .format("<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Acme:Roof</FullName></CustomerRef>"
                            "<InvoiceLineAdd><Desc>Shingles</Desc><Quantity>3</Quantity><Rate>12.50</Rate>"
                            "</InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>"))
    company.set_data_ext("owner-1", "FileID", "{file-1}")
    path = tmp_path / "kept.json"
    # WHEN it is saved and loaded into a new file of another QuickBooks installation
    save(company, path)
    loaded = load(CompanyFile.modern("Other Name"), path)
    # THEN the records, names, data extension and remembered answer are the same
    assert loaded.customers() == company.customers() and loaded.invoices() == company.invoices()
    assert loaded.items() == company.items()
    assert [loaded.full_name(c) for c in loaded.customers()] == ["Acme", "Acme:Roof"]
    assert loaded.data_ext("owner-1", "FileID") == "{file-1}"
    asking = MESSAGE_SET.replace('onError="stopOnError"', 'onError="stopOnError" oldMessageSetID="set-1"')
    recovered = loaded.process(asking.format(""))
    assert 'messageSetStatusCode="0"' in recovered and "InvoiceAddRs" in recovered
    # AND the company is the saved one, the installation the new one
    assert loaded.name == "Kept Co" and loaded.highest_version == "16.0"
    # AND new records are numbered after the saved ones
    loaded.process(_customer_add("Birch"))
    ids = [c.list_id.split("-")[0] for c in loaded.customers()]
    assert len(set(ids)) == 3 and ids[-1] > max(ids[:-1])
    assert 'statusCode="3100"' in loaded.process(_customer_add("acme"))  # the name index was rebuilt too


def test_a_damaged_company_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a simulated company file"):
        load(CompanyFile(), path)
    assert simulator_cli.main(["--url", "http://127.0.0.1:9/qbwc", "--username", "u", "--password", "p",
                               "--company-file", str(path)]) == 2


class _Counter(http.server.BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_POST(self) -> None:
        self.calls.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def gateway_url() -> Iterator[str]:
    """Something listening where the gateway would be, counting every call it gets."""
    _Counter.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/qbwc"
    server.shutdown()
    server.server_close()


def test_offline_makes_no_calls_at_all(gateway_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--url", gateway_url, "--username", "u", "--password", "p", "--timeout", "2", "--noop-wait", "0"]
    # GIVEN (a control) the simulator without a condition calls the gateway
    assert simulator_cli.main(args) == 1 and _Counter.calls
    _Counter.calls.clear()
    # WHEN it runs with the machine offline (with a company file: still loaded and saved)
    company_file = tmp_path / "company.json"
    assert simulator_cli.main([*args, "--condition", "offline", "--company-file", str(company_file)]) == 0
    # THEN nothing reached the gateway, the condition was announced, and the company file was saved
    assert _Counter.calls == []
    assert "condition offline (machine)" in capsys.readouterr().out
    assert company_file.exists()
    # AND --help offers it beside QuickBooks' own conditions
    with pytest.raises(SystemExit):
        simulator_cli.main(["--help"])
    assert "offline (the computer is off: no calls at all)" in " ".join(capsys.readouterr().out.split())


def test_offline_with_every_stays_silent_until_ctrl_c(gateway_url: str) -> None:
    # GIVEN the simulator on Auto-Run with the machine offline
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--url", gateway_url, "--username", "u",
                                "--password", "p", "--every", "0.2", "--condition", "offline"], cwd=REPO_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.0)
        # WHEN it is stopped with Ctrl-C
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    # THEN it made no call in all that time, and exits 0
    assert process.returncode == 0, stderr
    assert _Counter.calls == [] and "condition offline" in stdout
