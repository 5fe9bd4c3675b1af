"""The ``qbdgw`` CLI end to end: a subprocess against a running gateway, its table and its results queue.

The gateway runs as ``make run`` starts it (its own process for this module, so ``results tail``
never competes with the session-wide results inbox). REST commands get ``QBDGW_URL`` and
``QBDGW_API_KEY``; operator commands get the gateway's table and the emulator's endpoint, as an
operator's shell would have them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from simulator import CompanyFile
from simulator.web_connector import SessionOutcome
from tests.e2e.support import connector, sent_documents, unique
from tests.support.paths import REPO_DIR, SCHEMA_DIR
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e
CLI_TIMEOUT = 90
QUERY = "<CustomerQueryRq><MaxReturned>10</MaxReturned></CustomerQueryRq>"


@pytest.fixture(scope="module")
def process() -> Iterator[GatewayProcess]:
    gateway = GatewayProcess.start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def env(process: GatewayProcess) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("QBDGW_")}
    return {**base, "QBDGW_URL": process.base_url, "QBDGW_API_KEY": process.api_key,
            "QBDGW_TABLE": process.env["QBDGW_TABLE"], "QBDGW_AWS_ENDPOINT_URL": process.aws_endpoint,
            "QBDGW_DYNAMODB_ENDPOINT_URL": process.dynamodb_endpoint,
            "QBDGW_RESULTS_QUEUE_URL": process.env["QBDGW_RESULTS_QUEUE_URL"],
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1"}


def qbdgw(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m cli ARGS`` (what the ``qbdgw`` console script runs)."""
    out = subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO_DIR, env=env, capture_output=True,
                         text=True, timeout=CLI_TIMEOUT)
    if check:
        assert out.returncode == 0, f"qbdgw {' '.join(args)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}"
    return out


def qbdgw_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(qbdgw(env, *args, "--json").stdout)


def test_end_users_create_show_qwc_and_list(env: dict[str, str], tmp_path: Path) -> None:
    # GIVEN a developer creating an end-user from the command line
    name = unique("Birchwood Dental")
    user = qbdgw_json(env, "end-users", "create", name, "--source-id", "acct-9")
    assert user["company_name"] == name and user["qbwc_password"] and user["id"].startswith("eu_")
    # WHEN it is shown (table and JSON)
    table = qbdgw(env, "end-users", "show", user["id"]).stdout
    shown = qbdgw_json(env, "end-users", "show", user["id"])
    # THEN it is awaiting setup, and the table is aligned "key  value" lines without the password
    assert shown["status"] == "awaiting_setup" and shown["id"] == user["id"]
    assert any(line.split() == ["status", "awaiting_setup"] for line in table.splitlines())
    assert user["qbwc_password"] not in table
    # WHEN its .qwc is fetched (to stdout, to a file, as JSON) THEN it is the Web Connector's XML for it
    text = qbdgw(env, "end-users", "qwc", user["id"]).stdout
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == "QBWCXML" and root.findtext("UserName") == user["qbwc_username"]
    assert user["qbwc_password"] not in text
    target = tmp_path / "birchwood.qwc"
    qbdgw(env, "end-users", "qwc", user["id"], "-o", str(target))
    assert etree.fromstring(target.read_bytes()).tag == "QBWCXML"
    assert qbdgw_json(env, "end-users", "qwc", user["id"])["qwc"] == text
    # WHEN end-users are listed by an operator (from the table, a page at a time)
    listed = qbdgw_json(env, "end-users", "list", "--limit", "1000")
    assert user["id"] in [u["id"] for u in listed["end_users"]]
    other = qbdgw_json(env, "end-users", "create", unique("Second Street Deli"))
    first_page = qbdgw_json(env, "end-users", "list", "--limit", "1")
    assert len(first_page["end_users"]) == 1 and first_page["next"] == first_page["end_users"][0]["id"]
    second_page = qbdgw_json(env, "end-users", "list", "--limit", "1000", "--start", first_page["next"])
    paged = [u["id"] for u in first_page["end_users"] + second_page["end_users"]]
    assert {user["id"], other["id"]} <= set(paged) and len(paged) == len(set(paged))
    rows = qbdgw(env, "end-users", "list").stdout.splitlines()
    # THEN the table has a heading row and one row per end-user
    assert rows[0].split()[:3] == ["ID", "COMPANY", "STATUS"] and any(r.startswith(user["id"]) for r in rows)


def test_jobs_enqueue_show_wait_and_results_tail(process: GatewayProcess, env: dict[str, str]) -> None:
    # GIVEN an end-user and a job enqueued from the command line
    user = qbdgw_json(env, "end-users", "create", unique("Harbor Freightways"))
    job = qbdgw_json(env, "jobs", "enqueue", user["id"], QUERY)
    assert job["status"] == "queued" and job["end_user_id"] == user["id"]
    assert qbdgw_json(env, "jobs", "show", job["id"])["status"] == "queued"
    # WHEN someone waits for it while the Web Connector runs a session
    waiting = subprocess.Popen([sys.executable, "-m", "cli", "jobs", "wait", job["id"], "--timeout", "60",
                                "--interval", "0.2"], cwd=REPO_DIR, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
        session = connector(process, user, company).run_session()  # runs the job, then idles out
        assert session.outcome is SessionOutcome.COMPLETED, session  # idled out, then ended as a success
        assert len(sent_documents(session)) == 1
        stdout, stderr = waiting.communicate(timeout=CLI_TIMEOUT)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    # THEN the wait showed its progress on stderr and ended with success and QuickBooks' answer
    assert waiting.returncode == 0, stderr
    assert f"{job['id']}: queued" in stderr and f"{job['id']}: succeeded" in stderr
    assert "CustomerQueryRs" in stdout
    shown = qbdgw(env, "jobs", "show", job["id"]).stdout
    assert any(line.split() == ["status", "succeeded"] for line in shown.splitlines())
    # WHEN the results queue is tailed for that job (consuming it)
    tailed = qbdgw(env, "results", "tail", "--job", job["id"], "--count", "1", "--timeout", "30", "--delete",
                   "--json").stdout
    # THEN the job's result is printed as one JSON line
    (result,) = [json.loads(line) for line in tailed.splitlines() if line.strip()]
    assert result["job_id"] == job["id"] and result["status"] == "succeeded"
    assert "CustomerQueryRs" in result["response_qbxml"] and result["schema_version"] == 1
    # AND it was deleted: a second tail of that job finds nothing
    again = qbdgw(env, "results", "tail", "--job", job["id"], "--timeout", "2", "--json").stdout
    assert again.strip() == ""


def test_jobs_wait_times_out_with_status_124(env: dict[str, str]) -> None:
    # GIVEN a job for an end-user whose Web Connector never calls
    user = qbdgw_json(env, "end-users", "create", unique("Quiet Creek"))
    job = qbdgw_json(env, "jobs", "enqueue", user["id"], QUERY)
    # WHEN someone waits a second for it THEN the wait gives up with 124, naming the status
    out = qbdgw(env, "jobs", "wait", job["id"], "--timeout", "1", "--interval", "0.2", check=False)
    assert out.returncode == 124
    assert "wait_timeout" in out.stderr and "queued" in out.stderr


def test_gateway_errors_print_code_messages_and_exit_1(env: dict[str, str]) -> None:
    # GIVEN a job id that does not exist WHEN it is shown
    out = qbdgw(env, "jobs", "show", "job_doesnotexist", check=False)
    # THEN the envelope's code, message and user-facing message are printed and the exit status is 1
    assert out.returncode == 1
    assert "job_not_found" in out.stderr and "job_doesnotexist" in out.stderr
    assert "user-facing message: The requested QuickBooks task could not be found" in out.stderr
    # AND with --json the envelope is printed for scripts
    as_json = qbdgw(env, "jobs", "show", "job_doesnotexist", "--json", check=False)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["error"]["code"] == "job_not_found"
    # AND a bad API key is the gateway's 401
    bad = qbdgw({**env, "QBDGW_API_KEY": "qbdgw_nope_nope"}, "end-users", "show", "eu_x", check=False)
    assert bad.returncode == 1 and "invalid_api_key" in bad.stderr and "401" in bad.stderr


def test_api_keys_created_listed_and_revoked_on_the_gateways_table(process: GatewayProcess,
                                                                   env: dict[str, str]) -> None:
    # GIVEN an operator creating a key with their AWS credentials
    created = qbdgw_json(env, "api-keys", "create", "reporting")
    key = created["api_key"]
    http = requests.Session()
    path = f"{process.base_url}/v1/jobs/job_doesnotexist"
    # THEN the running gateway accepts it (twice, so it is cached there)
    for _ in range(2):
        assert http.get(path, headers={"Authorization": f"Bearer {key}"}, timeout=30).status_code == 404
    # WHEN keys are listed THEN it shows with its prefix, never the key or its hash
    listing = qbdgw(env, "api-keys", "list").stdout
    assert created["key_id"] in listing and key[:12] in listing
    assert key not in listing and "scrypt" not in listing
    rows = qbdgw_json(env, "api-keys", "list")
    mine = next(r for r in rows if r["key_id"] == created["key_id"])
    assert mine == {"key_id": created["key_id"], "name": "reporting", "prefix": key[:12],
                    "created_at": created["created_at"], "revoked_at": None}
    # WHEN it is revoked
    revoked = qbdgw_json(env, "api-keys", "revoke", created["key_id"])
    assert revoked["revoked_at"]
    # THEN the gateway refuses it on the very next request, with the error envelope
    response = http.get(path, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    # AND the listing shows when it was revoked; the gateway's own key still works
    assert next(r for r in qbdgw_json(env, "api-keys", "list")
                if r["key_id"] == created["key_id"])["revoked_at"] == revoked["revoked_at"]
    assert http.get(path, headers={"Authorization": f"Bearer {process.api_key}"}, timeout=30).status_code == 404


def test_auth_sessions_create_prints_the_link(process: GatewayProcess, env: dict[str, str]) -> None:
    # GIVEN an end-user
    user = qbdgw_json(env, "end-users", "create", unique("Maple Row"))
    # WHEN a link is created from the command line THEN the session comes back, and the table shows it
    session = qbdgw_json(env, "auth-sessions", "create", user["id"], "--link-expiry-minutes", "30")
    assert isinstance(session, dict) and session["end_user_id"] == user["id"]
    assert "/connect/" in session["auth_flow_url"]
    assert qbdgw(env, "auth-sessions", "create", user["id"]).stdout.strip()


def test_the_console_script_is_the_same_command() -> None:
    # GIVEN the project installed in the venv (make install) WHEN `qbdgw --help` runs THEN it lists the groups
    script = Path(sys.executable).parent / "qbdgw"
    assert script.exists(), "make install installs the project (and its qbdgw command) into the venv"
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=CLI_TIMEOUT, check=True)
    for group in ("end-users", "auth-sessions", "api-keys", "jobs", "results"):
        assert group in out.stdout


def test_an_operator_unlocks_a_web_connector_locked_out_after_wrong_passwords() -> None:
    # GIVEN a gateway that locks a user name out after two wrong passwords in a row
    strict = GatewayProcess.start(extra_env={"QBDGW_LOGIN_REPORT_AFTER": "1", "QBDGW_LOGIN_SLOW_AFTER": "100",
                                             "QBDGW_LOGIN_LOCKOUT_AFTER": "2"})
    try:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("QBDGW_")},
               "QBDGW_URL": strict.base_url, "QBDGW_API_KEY": strict.api_key, "QBDGW_TABLE": strict.env["QBDGW_TABLE"],
               "QBDGW_AWS_ENDPOINT_URL": strict.aws_endpoint, "QBDGW_DYNAMODB_ENDPOINT_URL": strict.dynamodb_endpoint,
               "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}
        user = qbdgw_json(env, "end-users", "create", unique("Lockout Lumber"))
        company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
        # WHEN someone who read the .qwc tries two passwords
        for _ in range(2):
            guess = connector(strict, user, company, password="WRONG-GUESS-0000").run_session()
            assert guess.outcome is SessionOutcome.INVALID_USER
        # THEN the end-user shows the lockout; even the right password is refused
        shown = qbdgw_json(env, "end-users", "show", user["id"])
        assert shown["locked_until"] and shown["login_failures"] == 2
        assert shown["last_error"]["code"] == "web_connector_locked_out"
        assert connector(strict, user, company).run_session().outcome is SessionOutcome.INVALID_USER
        # WHEN an operator unlocks it THEN the right password gets in at once
        assert "unlocked" in qbdgw(env, "end-users", "unlock", user["id"]).stdout
        unlocked = qbdgw_json(env, "end-users", "show", user["id"])
        assert (unlocked["locked_until"], unlocked["login_failures"], unlocked["last_error"]) == (None, 0, None)
        assert connector(strict, user, company).run_session().outcome is not SessionOutcome.INVALID_USER
        # AND an unknown end-user is a clear error, not a trace
        missing = qbdgw(env, "end-users", "unlock", "eu_nobody", check=False)
        assert missing.returncode != 0 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    finally:
        strict.stop()
