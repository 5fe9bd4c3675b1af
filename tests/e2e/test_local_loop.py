"""The local development loop: ``make run``'s stack as a developer uses it, in subprocesses.

Each stack here is ``python -m infra.localstack`` on free ports (as ``make run`` starts it), with
its stdout kept: the ``export`` lines it prints are what a developer pastes into another shell,
and the CLI and the simulator run with exactly that environment.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.localstack import free_port
from tests.e2e.support import unique
from tests.support.paths import REPO_DIR, SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import aws_client

pytestmark = pytest.mark.e2e
START_TIMEOUT = 90
ADD = "<CustomerAddRq><CustomerAdd><Name>{name}</Name></CustomerAdd></CustomerAddRq>"
QUERY = "<CustomerQueryRq><FullName>{name}</FullName></CustomerQueryRq>"


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    info: dict[str, Any]

    @property
    def output(self) -> str:
        return self.stdout.read_text()

    def exports(self) -> dict[str, str]:
        """The ``export NAME=VALUE`` lines of the banner, as a shell would read them (PATH left out)."""
        found = {}
        for line in self.output.splitlines():
            if line.startswith("export "):
                name, _, value = shlex.split(line[len("export "):], comments=True)[0].partition("=")
                if name != "PATH":
                    found[name] = value
        return found

    def rest(self, api_key: str | None = None) -> Gateway:
        return Gateway(self.info["base_url"], api_key or self.info["api_key"])

    def client(self, name: str) -> Any:
        return aws_client(name, self.info["aws_endpoint"])

    def interrupt(self) -> int:
        """Ctrl-C, as a developer stops ``make run``."""
        self.process.send_signal(signal.SIGINT)
        return self.stopped(timeout=60)

    def stopped(self, timeout: float) -> int:
        """The exit code once the stack has stopped; -9 when it had not within ``timeout`` seconds and was
        killed, after printing where its threads stood (it dumps them on SIGUSR2)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR2)
            time.sleep(1)
            self.process.kill()
            self.process.wait()
            print(f"the stack did not stop within {timeout:g} s; its stderr ends with:\n"
                  f"{self.stderr.read_text()[-8000:]}")
            return -9


def start_stack(tmp: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None) -> Stack:
    port = port or free_port()
    ready = tmp / f"ready-{port}-{time.monotonic_ns()}.json"
    stdout, stderr = ready.with_suffix(".out"), ready.with_suffix(".err")
    base_env = {k: v for k, v in os.environ.items() if k != "QBDGW_API_KEY"}
    command = [sys.executable, "-m", "infra.localstack", "--port", str(port), "--ready-file", str(ready),
               "--session-idle", "2", "--schedule-seconds", "1", *args]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command, cwd=REPO_DIR, stdout=out, stderr=err,
                                   env={**base_env, "QBDGW_SCHEMA_DIR": str(SCHEMA_DIR), **(env or {})})
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.exists() or "Serving until Ctrl-C." not in stdout.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the stack did not start:\n{stdout.read_text()}\n{stderr.read_text()[-4000:]}")
        time.sleep(0.1)
    return Stack(process, stdout, stderr, json.loads(ready.read_text()))


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO_DIR, env=env, capture_output=True,
                          text=True, timeout=90, check=False)


def drain(sqs: Any, url: str) -> None:
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                          VisibilityTimeout=0).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def publish(sqs: Any, url: str, end_user_id: str, job_id: str) -> None:
    body = {"schema_version": 1, "job_id": job_id, "end_user_id": end_user_id, "status": "succeeded"}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageGroupId=end_user_id,
                     MessageDeduplicationId=job_id)


ENV_KEY = "qbdgw_localloop_" + os.urandom(12).hex()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack as `make run ARGS=--no-demo` starts it, with QBDGW_API_KEY set and a demo dir that has a .qwc."""
    tmp = tmp_path_factory.mktemp("local-loop")
    demo = tmp / "demo"
    demo.mkdir()
    (demo / "demo-end-user.qwc").write_text("<QBWCXML>the developer's own file</QBWCXML>")
    started = start_stack(tmp, "--no-demo", "--demo-dir", str(demo), env={"QBDGW_API_KEY": ENV_KEY})
    started.info["demo_dir"] = demo
    yield started
    started.interrupt()


@pytest.fixture()
def pasted(stack: Stack) -> dict[str, str]:
    """Exactly what the export lines give a fresh shell, plus PATH and HOME."""
    return {**stack.exports(), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}


def test_the_printed_exports_are_all_a_client_shell_needs(stack: Stack, pasted: dict[str, str]) -> None:
    # GIVEN the export lines `make run` printed
    assert {"QBDGW_URL", "QBDGW_API_KEY", "QBDGW_RESULTS_QUEUE_URL", "QBDGW_TABLE", "QBDGW_AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"} <= set(pasted)
    assert pasted["QBDGW_RESULTS_QUEUE_URL"] == stack.info["QBDGW_RESULTS_QUEUE_URL"]
    # WHEN a developer creates an end-user (REST) and lists end-users (the table) with only that environment
    name = unique("Pasted Shell Plumbing")
    created = run_cli(pasted, "end-users", "create", name, "--json")
    assert created.returncode == 0, created.stderr
    listed = run_cli(pasted, "end-users", "list", "--json")
    # THEN both work and the end-user is listed
    assert listed.returncode == 0, listed.stderr
    assert name in [u["company_name"] for u in json.loads(listed.stdout)["end_users"]]
    # WHEN a result waits on the results queue and the developer tails it with that environment
    sqs = stack.client("sqs")
    user_id = json.loads(created.stdout)["id"]
    publish(sqs, pasted["QBDGW_RESULTS_QUEUE_URL"], user_id, f"job_{user_id}_1")
    tailed = run_cli(pasted, "results", "tail", "--json", "--delete", "--timeout", "10", "--count", "1")
    # THEN it is printed
    assert tailed.returncode == 0, tailed.stderr
    assert [json.loads(line)["job_id"] for line in tailed.stdout.splitlines()] == [f"job_{user_id}_1"]


def test_plain_boto3_clients_in_the_pasted_shell_reach_the_local_stack(stack: Stack, pasted: dict[str, str]) -> None:
    # GIVEN only the export lines: WHEN boto3 clients are made without an endpoint, as the SDK's default S3 client
    # (Client.job_response reading an answer offloaded to S3) and a SaaS's own results consumer make them
    script = ("import json, os, boto3\n"
              "from qbd_gateway_sdk.responses import default_s3_client\n"
              "buckets = [b['Name'] for b in default_s3_client().list_buckets()['Buckets']]\n"
              "queue = boto3.client('sqs').get_queue_attributes(QueueUrl=os.environ['QBDGW_RESULTS_QUEUE_URL'],"
              " AttributeNames=['FifoQueue'])['Attributes']\n"
              "table = boto3.client('dynamodb').describe_table(TableName=os.environ['QBDGW_TABLE'])['Table']\n"
              "print(json.dumps([buckets, queue, table['TableName']]))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_DIR, env=pasted, capture_output=True, text=True,
                          timeout=90, check=False)
    # THEN they talk to the local stack's emulator: its bucket, its results queue, its table
    assert done.returncode == 0, done.stderr[-2000:]
    buckets, queue, table = json.loads(done.stdout)
    assert any("payload" in name for name in buckets), buckets
    assert queue == {"FifoQueue": "true"} and table == pasted["QBDGW_TABLE"]


def test_the_key_from_QBDGW_API_KEY_is_the_one_accepted_and_printed(stack: Stack) -> None:
    # GIVEN a stack started with QBDGW_API_KEY in its environment (and no --api-key)
    # THEN that key is printed, exported and accepted
    assert stack.info["api_key"] == ENV_KEY and stack.exports()["QBDGW_API_KEY"] == ENV_KEY
    assert f"API key           {ENV_KEY}" in stack.output
    assert stack.rest(ENV_KEY).request("GET", "/v1/end-users/eu_nobody").status_code == 404
    assert stack.rest("qbdgw_some_other_key").request("GET", "/v1/end-users/eu_nobody").status_code == 401


def test_no_demo_runs_nothing_of_the_demo(stack: Stack, pasted: dict[str, str]) -> None:
    # GIVEN a stack started with --no-demo, whose demo dir already had a .qwc
    demo_dir: Path = stack.info["demo_dir"]
    # THEN the file is untouched and nothing else was written there
    assert (demo_dir / "demo-end-user.qwc").read_text() == "<QBWCXML>the developer's own file</QBWCXML>"
    assert [p.name for p in demo_dir.iterdir()] == ["demo-end-user.qwc"]
    # AND no demo end-user exists
    listed = run_cli(pasted, "end-users", "list", "--json", "--limit", "1000")
    assert listed.returncode == 0, listed.stderr
    assert "Demo Construction LLC" not in [u["company_name"] for u in json.loads(listed.stdout)["end_users"]]
    assert "Demo end-user" not in stack.output and "Demo:" not in stack.output


def test_peeking_hands_results_straight_back(stack: Stack, pasted: dict[str, str]) -> None:
    # GIVEN two results of one end-user on the results queue (one FIFO message group)
    sqs = stack.client("sqs")
    url = pasted["QBDGW_RESULTS_QUEUE_URL"]
    drain(sqs, url)
    publish(sqs, url, "eu_peeked", "job_eu_peeked_1")
    publish(sqs, url, "eu_peeked", "job_eu_peeked_2")
    # WHEN someone peeks at them with `results tail` (no --delete)
    peeked = run_cli(pasted, "results", "tail", "--json")
    assert peeked.returncode == 0, peeked.stderr
    assert [json.loads(line)["job_id"] for line in peeked.stdout.splitlines()] == ["job_eu_peeked_1",
                                                                                   "job_eu_peeked_2"]
    # THEN stderr says once that the peek counted toward the dead-letter queue
    assert peeked.stderr.count("maxReceiveCount (10)") == 1
    # AND a consumer receives both at once, in order, each received once before (by the peek)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                              AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
    assert [json.loads(m["Body"])["job_id"] for m in got] == ["job_eu_peeked_1", "job_eu_peeked_2"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in got] == ["2", "2"]
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _simulator(stack: Stack, user: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator", "--url", f"{stack.info['base_url']}/qbwc",
                           "--username", user["qbwc_username"], "--password", user["qbwc_password"],
                           "--noop-wait", "0.1", "--max-noops", "3", "--schema-dir", str(SCHEMA_DIR), *args],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=120, check=False)


def test_the_simulator_keeps_its_company_file_between_runs(stack: Stack, tmp_path: Path) -> None:
    # GIVEN an end-user with a CustomerAdd waiting, and a simulated QuickBooks whose file is kept on disk
    api = stack.rest()
    user = api.create_end_user(unique("Kept File Roofing"))
    name = unique("Kept Customer")
    add = api.enqueue(user["id"], ADD.format(name=name))
    company_file = tmp_path / "company.json"
    # WHEN the simulator runs a session with --company-file
    first = _simulator(stack, user, "--company-file", str(company_file))
    assert first.returncode == 0, first.stdout + first.stderr
    added = api.wait_job(add["id"])
    assert added["status"] == "succeeded", added
    list_id = added["response_qbxml"].split("<ListID>")[1].split("</ListID>")[0]
    # THEN the file holds the customer
    assert name in company_file.read_text()
    # WHEN a query for that customer runs in a second run of the simulator on the same file
    query = api.enqueue(user["id"], QUERY.format(name=name))
    second = _simulator(stack, user, "--company-file", str(company_file))
    assert second.returncode == 0, second.stdout + second.stderr
    found = api.wait_job(query["id"])
    # THEN QuickBooks still has it, with the same ListID
    assert found["status"] == "succeeded", found
    assert 'statusCode="0"' in found["response_qbxml"] and f"<ListID>{list_id}</ListID>" in found["response_qbxml"]
    assert "loaded" in second.stdout


def test_a_busy_port_is_named_with_the_way_out(tmp_path: Path) -> None:
    # GIVEN something listening on the port
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        # WHEN the local stack is started on it
        out = subprocess.run([sys.executable, "-m", "infra.localstack", "--no-demo", "--port", str(port)],
                             cwd=REPO_DIR, capture_output=True, text=True, timeout=120, check=False)
    # THEN it exits non-zero, naming the port and how to choose another, without a traceback
    assert out.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in out.stderr
    assert 'make run ARGS="--no-demo --port ' in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


_TGKILL = {"x86_64": 234, "aarch64": 131}  # the Linux syscall that sends a signal to one thread of a process


def _signal_thread(pid: int, tid: int, signum: int) -> None:
    """Send ``signum`` to one thread of another process, as the kernel may pick any thread for a Ctrl-C."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(_TGKILL[os.uname().machine], pid, tid, signum) != 0:
        raise OSError(ctypes.get_errno(), f"tgkill({pid}, {tid}) failed")


def test_ctrl_c_stops_the_stack_whichever_of_its_threads_the_signal_lands_on(tmp_path: Path) -> None:
    # GIVEN a running stack: its main thread waits for the signal, its server and pollers run in threads
    stack = start_stack(tmp_path, "--no-demo")
    pid = stack.process.pid
    others = sorted(int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid)
    assert others, "the stack runs its server in threads of its own"
    # WHEN the SIGINT is delivered to a thread that is not the main one (the kernel may choose any): the
    # first one started, which lives as long as the stack (the emulator's request threads come and go)
    _signal_thread(pid, others[0], signal.SIGINT)
    # THEN the stack still stops, cleanly, at once
    assert stack.stopped(timeout=30) == 0, stack.stderr.read_text()[-4000:]
    assert "Stopped." in stack.output


def test_data_survives_a_restart(tmp_path: Path) -> None:
    # GIVEN a stack keeping its state in a data dir, started with --api-key (QBDGW_API_KEY set to another)
    data = tmp_path / "data"
    key = "qbdgw_localdata_" + os.urandom(12).hex()
    first = start_stack(tmp_path, "--no-demo", "--data", str(data), "--api-key", key,
                        env={"QBDGW_API_KEY": "qbdgw_not_this_one"})
    try:
        assert first.info["api_key"] == key and first.exports()["QBDGW_API_KEY"] == key
        api = first.rest(key)
        user = api.create_end_user(unique("Restart Masonry"))
        job = api.enqueue(user["id"], QUERY.format(name="Nobody"))
        sqs, kms, s3 = first.client("sqs"), first.client("kms"), first.client("s3")
        results_url = first.info["QBDGW_RESULTS_QUEUE_URL"]
        publish(sqs, results_url, user["id"], "job_waiting")
        publish(sqs, results_url, "eu_other", "job_in_flight")
        in_flight = sqs.receive_message(QueueUrl=results_url, MaxNumberOfMessages=10, VisibilityTimeout=600)
        assert [json.loads(m["Body"])["job_id"] for m in in_flight["Messages"]] == ["job_waiting", "job_in_flight"]
        sealed = kms.encrypt(KeyId=first.info["QBDGW_SECRETS_KEY_ID"], Plaintext=b"sealed before")["CiphertextBlob"]
        s3.put_object(Bucket=first.info["QBDGW_PAYLOAD_BUCKET"], Key="results/kept.xml", Body=b"<kept/>")
    finally:
        # WHEN it is stopped with Ctrl-C
        assert first.interrupt() == 0
    assert "Saved " in first.output and (data / "state.json").exists()
    # AND started again with the same data dir and key
    second = start_stack(tmp_path, "--no-demo", "--data", str(data), "--api-key", key)
    try:
        api = second.rest(key)
        # THEN the key works, and the end-user and the job are there
        assert api.end_user(user["id"])["company_name"] == user["company_name"]
        assert api.job(job["id"])["status"] == "queued"
        # AND both results are on the queue again (the one that was in flight is visible again)
        sqs = second.client("sqs")
        got = sqs.receive_message(QueueUrl=second.info["QBDGW_RESULTS_QUEUE_URL"], MaxNumberOfMessages=10,
                                  WaitTimeSeconds=1, AttributeNames=["All"])["Messages"]
        assert sorted(json.loads(m["Body"])["job_id"] for m in got) == ["job_in_flight", "job_waiting"]
        assert {m["Attributes"]["MessageGroupId"] for m in got} == {user["id"], "eu_other"}
        # AND what the secrets key sealed still opens, and the payload bucket still has its object
        assert second.client("kms").decrypt(CiphertextBlob=sealed)["Plaintext"] == b"sealed before"
        body = second.client("s3").get_object(Bucket=second.info["QBDGW_PAYLOAD_BUCKET"], Key="results/kept.xml")
        assert body["Body"].read() == b"<kept/>"
        # AND the data dir remembers the key for a start without --api-key
        assert (data / "api-key").read_text().strip() == key
    finally:
        assert second.interrupt() == 0
