"""The Web Connector's cold start: what a fresh Lambda container loads before its first SOAP answer.

``import app``, building the services and one ``authenticate`` load neither pydantic (the REST bodies:
~0.1 s) nor boto3 (its ``__init__`` loads s3transfer: ~0.08 s): the REST-only modules are imported by
the routes that use them, the store converts DynamoDB values itself (:mod:`chalicelib.store.dynamo_types`),
and the clients come from botocore's session, dressed as boto3's (:func:`chalicelib.wiring.aws_session`).
Only DynamoDB's client is made up front; SQS's and S3's are made on first use (:class:`LazyClient`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient

from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.wiring import LazyClient, aws_client, aws_session, build
from tests.support.paths import REPO_DIR

HEAVY = ("pydantic", "pydantic_core", "boto3", "s3transfer")
ENVELOPE = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            '<soap:Body><authenticate xmlns="http://developer.intuit.com/"><strUserName>{user}</strUserName>'
            '<strPassword>{password}</strPassword></authenticate></soap:Body></soap:Envelope>')
ACTION = '"http://developer.intuit.com/authenticate"'

# DynamoDB without a network: botocore serialises, signs and parses as usual; the table is empty.
_CANNED_DYNAMODB = """
class _Raw:
    def __init__(self, body): self.body = body
    def stream(self, **kwargs): yield self.body

def _empty_table(request, event_name, **kwargs):
    body = b'{"Items": [], "Count": 0, "ScannedCount": 0}' if event_name.endswith(".Query") else b"{}"
    return AWSResponse(request.url, 200, {"x-amzn-RequestId": "cold"}, _Raw(body))
"""

_PRODUCTION_WIRING = f"""
import json, sys
import app
from botocore.awsrequest import AWSResponse
from chalicelib.api.soap import handle_soap
from chalicelib.wiring import services
{_CANNED_DYNAMODB}
svc = services()
svc.clients["dynamodb"].meta.events.register("before-send.dynamodb", _empty_table)
answer = handle_soap(svc.qbwc, {ENVELOPE.format(user="nobody", password="guess")!r}.encode(), {ACTION!r})
print(json.dumps({{"loaded": sorted(m for m in {HEAVY!r} if m in sys.modules), "body": str(answer.body),
                  "clients": {{name: type(client).__name__ for name, client in svc.clients.items()}}}}))
"""

_VALID_LOGIN = f"""
import json, sys, types
import app
from chalicelib.api.soap import handle_soap
from chalicelib.config import Settings
from chalicelib.store.memory import MemoryStore
from chalicelib.wiring import build
svc = build(Settings(), store=MemoryStore(), clients={{"sqs": None}})
user, password = svc.end_users.create(types.SimpleNamespace(company_name="Cold Start", source_id=None))
svc.queue.enqueue(user.id, '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
                  '<CompanyQueryRq/></QBXMLMsgsRq></QBXML>', source="test")
envelope = {ENVELOPE!r}.format(user=user.qbwc_username, password=password).encode()
answer = handle_soap(svc.qbwc, envelope, {ACTION!r})
print(json.dumps({{"loaded": sorted(m for m in {HEAVY!r} if m in sys.modules), "body": str(answer.body)}}))
"""


def _fresh_interpreter(script: str) -> dict[str, Any]:
    """Run ``script`` in a new interpreter as a Lambda container would: no gateway settings, no AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBDGW_", "AWS_"))}
    env.update(AWS_ACCESS_KEY_ID="cold", AWS_SECRET_ACCESS_KEY="cold", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO_DIR, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_the_first_soap_call_through_the_production_wiring_loads_no_pydantic_nor_boto3() -> None:
    # GIVEN a fresh interpreter WHEN it imports app.py, builds the services as a Lambda does (boto3-style
    # clients, the DynamoDB store) and answers one authenticate (DynamoDB answered in process: no user)
    out = _fresh_interpreter(_PRODUCTION_WIRING)
    # THEN the Web Connector was answered (unknown user: nvu)
    assert "<string>nvu</string>" in out["body"]
    # AND neither pydantic nor boto3 (with its s3transfer) was ever loaded
    assert out["loaded"] == []
    # AND only DynamoDB's client exists yet: SQS's waits for its first use
    assert out["clients"] == {"dynamodb": "DynamoDB", "sqs": "LazyClient"}


def test_a_valid_login_loads_no_pydantic_nor_boto3() -> None:
    # GIVEN a fresh interpreter, the services on the in-memory store, an end-user with one job queued
    # WHEN its Web Connector authenticates
    out = _fresh_interpreter(_VALID_LOGIN)
    # THEN it gets a session ticket (a company file to open: the end-user's, empty so far), not nvu/none/busy
    assert out["body"].count("<string>") == 2 and "<string></string></authenticateResult>" in out["body"]
    assert not any(f"<string>{word}</string>" in out["body"] for word in ("nvu", "none", "busy"))
    # AND neither pydantic nor boto3 was loaded
    assert out["loaded"] == []


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kwargs: Any) -> Any:
        yield self.body


def _user_agent(client: Any) -> str:
    seen: dict[str, str] = {}

    def capture(request: Any, **kwargs: Any) -> AWSResponse:
        value = request.headers["User-Agent"]
        seen["ua"] = value.decode() if isinstance(value, bytes) else value
        return AWSResponse(request.url, 200, {}, _Raw(b'{"TableNames": []}'))

    client.meta.events.register("before-send", capture)
    assert client.list_tables()["TableNames"] == []
    return seen["ua"]


def test_the_botocore_session_sends_boto3s_user_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN credentials and a region WHEN a client of wiring's session and one of boto3's send a request
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "x")
    ours = aws_session().create_client("dynamodb", region_name="us-east-1")
    theirs = boto3.session.Session().client("dynamodb", region_name="us-east-1")
    # THEN both say "Boto3/<version> ... Botocore/<version>", word for word
    assert _user_agent(ours) == _user_agent(theirs)
    assert _user_agent(ours).startswith(f"Boto3/{boto3.__version__} ")


def test_a_lazy_client_is_made_once_on_first_use() -> None:
    # GIVEN a lazy client
    made: list[int] = []

    class Client:
        def send_message(self, **kwargs: Any) -> str:
            return "sent"

    def make() -> Client:
        made.append(1)
        return Client()

    lazy = LazyClient(make)
    # WHEN nothing uses it THEN no client is made
    assert made == []
    # WHEN threads use it at once THEN one client is made and every call reaches it
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(lazy.send_message(QueueUrl="q"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["sent"] * 8 and made == [1]
    assert isinstance(lazy.client, Client)


def test_services_make_sqs_and_s3_clients_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a stage with a payload bucket WHEN its services are built
    made: list[str] = []

    def fake_client(name: str, settings: Settings) -> object:
        made.append(name)
        return object()

    monkeypatch.setattr("chalicelib.wiring.aws_client", fake_client)
    services = build(Settings(payload_bucket="answers"))
    # THEN only DynamoDB's client was made; SQS's and S3's wait for their first use
    assert made == ["dynamodb"]
    assert isinstance(services.clients["sqs"], LazyClient) and isinstance(services.clients["s3"], LazyClient)
    assert services.clients["s3"].client is not None  # its first use
    assert made == ["dynamodb", "s3"]


def test_aws_client_makes_botocore_clients_from_one_shared_session(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no session yet WHEN two clients are made THEN they are botocore clients of one session
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(wiring, "_SESSION", None)
    settings = Settings(region="us-east-1")
    first = aws_client("sqs", settings)
    session = wiring._SESSION
    second = aws_client("dynamodb", settings)
    assert session is not None and wiring._SESSION is session
    assert isinstance(first, BaseClient) and isinstance(second, BaseClient)
    assert (first.meta.region_name, second.meta.service_model.service_name) == ("us-east-1", "dynamodb")


def test_the_codec_refuses_exactly_the_characters_xml_cannot_carry() -> None:
    # GIVEN every code point WHEN the codec's class of non-XML characters (written as the complement of
    # XML 1.0's Char production: ~10x faster to compile than the negated production) finds them
    import re

    from chalicelib.qbwc.codec import _NOT_XML_CHAR

    everything = "".join(map(chr, range(0x110000)))
    production = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    # THEN it finds exactly what the negated Char production finds
    assert _NOT_XML_CHAR.findall(everything) == production.findall(everything)
