"""API keys: created, listed (prefix only), revoked; stored only as hashes; every ``/v1`` route needs one.

The authenticator runs on the in-memory store; the route sweep drives the real Chalice app through
``chalice.test.Client`` with the same in-memory store (no AWS, no network). The operator CLI's
``api-keys`` commands run through click's test runner on that store too.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client
from click.testing import CliRunner

import app
from chalicelib import wiring
from chalicelib.api.auth import ApiKeyAuthenticator, key_view
from chalicelib.config import Settings
from chalicelib.errors import GatewayError
from chalicelib.jobs.models import ApiKey
from chalicelib.store.memory import MemoryStore
from cli import aws as cli_aws
from cli.main import cli
from tests.unit.jobs.fakes import FakeClock, make_end_user

PUBLIC_ROUTES = {"/health", "/support", "/qbwc"}
# The one deliberate exception under /v1: the OpenAPI document (app.py: "no API key needed: it holds no
# secret"). Listed here so that any other unauthenticated /v1 route fails these tests.
PUBLIC_V1_ROUTES: set[tuple[str, str]] = set()
ENVELOPE_KEYS = {"type", "code", "message", "user_facing_message", "http_status", "integration_code", "retryable",
                 "request_id"}


class CountingStore(MemoryStore):
    """The in-memory store, counting how often a presented key is looked up by its bucket (the slow path)."""

    def __init__(self) -> None:
        super().__init__()
        self.bucket_lookups = 0

    def find_api_keys(self, lookup: str) -> list[ApiKey]:
        self.bucket_lookups += 1
        return super().find_api_keys(lookup)


@pytest.fixture
def store() -> CountingStore:
    return CountingStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth(store: CountingStore, clock: FakeClock) -> ApiKeyAuthenticator:
    return ApiKeyAuthenticator(store, clock, cache_seconds=60)


def _refused(auth: ApiKeyAuthenticator, header: str | None) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        auth.authenticate(header)
    assert caught.value.http_status == 401
    return caught.value


# Authenticator and store ------------------------------------------------------------------------------
def test_a_created_key_is_stored_only_as_a_hash_with_a_short_prefix(auth: ApiKeyAuthenticator,
                                                                    store: CountingStore) -> None:
    # GIVEN a new key
    record, clear = auth.create("billing service")
    # THEN the clear key is returned once, and the stored record holds a scrypt hash and a 12-character prefix
    assert clear.startswith("qbdgw_") and len(clear) > 40
    stored = store.get_api_key(record.key_id)
    assert stored is not None and stored.secret_hash.startswith("scrypt$")
    assert stored.prefix == clear[:12]
    assert all(clear not in str(value) for value in dataclasses.asdict(stored).values())
    # AND the key authenticates
    assert auth.authenticate(f"Bearer {clear}").key_id == record.key_id


def test_a_listing_shows_id_name_prefix_and_dates_but_never_the_key_or_its_hash(auth: ApiKeyAuthenticator,
                                                                              clock: FakeClock) -> None:
    # GIVEN two keys, one revoked
    first, first_clear = auth.create("first")
    clock.advance(seconds=1)
    _second, second_clear = auth.create("second")
    auth.revoke(first.key_id)
    # WHEN they are listed
    views = [key_view(k) for k in auth.list_keys()]
    # THEN oldest first, with exactly the public fields
    assert [v["name"] for v in views] == ["first", "second"]
    assert all(set(v) == {"key_id", "name", "prefix", "created_at", "revoked_at"} for v in views)
    assert views[0]["revoked_at"] is not None and views[1]["revoked_at"] is None
    text = json.dumps(views)
    assert "scrypt" not in text and first_clear not in text and second_clear not in text
    assert views[1]["prefix"] == second_clear[:12]


def test_a_revoked_key_is_refused_on_the_very_next_request_even_while_cached(auth: ApiKeyAuthenticator,
                                                                            store: CountingStore) -> None:
    # GIVEN a key that authenticated once and is now in the authenticator's cache
    record, clear = auth.create("saas")
    auth.authenticate(f"Bearer {clear}")
    auth.authenticate(f"Bearer {clear}")
    assert store.bucket_lookups == 1  # the second request was served from the cache
    # WHEN an operator revokes it (through the store, as another process would)
    revoked = store.revoke_api_key(record.key_id, record.created_at + timedelta(seconds=5))
    assert revoked is not None and revoked.revoked_at is not None
    # THEN the next request with it is refused at once, still without the slow path
    assert _refused(auth, f"Bearer {clear}").code == "invalid_api_key"
    assert store.bucket_lookups == 1
    # AND a fresh authenticator (another Lambda, empty cache) refuses it too
    assert _refused(ApiKeyAuthenticator(store, auth.clock), f"Bearer {clear}").code == "invalid_api_key"


def test_revoking_is_idempotent_and_an_unknown_key_id_is_reported(auth: ApiKeyAuthenticator,
                                                                 clock: FakeClock) -> None:
    # GIVEN a key revoked once
    record, _clear = auth.create("saas")
    first = auth.revoke(record.key_id)
    clock.advance(minutes=5)
    # WHEN it is revoked again THEN the first revocation time stands; an unknown id gives None
    again = auth.revoke(record.key_id)
    assert first is not None and again is not None and again.revoked_at == first.revoked_at
    assert auth.revoke("nosuchkey") is None


@pytest.mark.parametrize("header", [None, "", "   ", "Basic abc", "Bearer", "Bearer   "])
def test_a_missing_or_malformed_header_is_a_401(auth: ApiKeyAuthenticator, header: str | None) -> None:
    # GIVEN no usable Authorization header WHEN it is checked THEN missing_api_key (401)
    assert _refused(auth, header).code == "missing_api_key"


def test_an_unknown_key_is_a_401(auth: ApiKeyAuthenticator) -> None:
    # GIVEN a key store with one key
    _record, clear = auth.create("saas")
    # WHEN a different, well-formed key is presented (also one differing in the last character)
    # THEN invalid_api_key (401)
    assert _refused(auth, "Bearer qbdgw_0123456789ab_notarealsecret").code == "invalid_api_key"
    assert _refused(auth, f"Bearer {clear[:-1]}{'A' if clear[-1] != 'A' else 'B'}").code == "invalid_api_key"


def test_memory_store_lists_end_users_a_page_at_a_time() -> None:
    # GIVEN three end-users
    store = MemoryStore()
    for name in ("eu_a", "eu_b", "eu_c"):
        store.put_end_user(make_end_user(name))
    # WHEN they are listed two at a time THEN the pages follow id order and the cursor ends with None
    page, cursor = store.list_end_users(2)
    assert [u.id for u in page] == ["eu_a", "eu_b"] and cursor == "eu_b"
    page, cursor = store.list_end_users(2, cursor)
    assert [u.id for u in page] == ["eu_c"] and cursor is None


# The REST API: every /v1 route needs a key ------------------------------------------------------------------
class NullPublisher:
    def publish(self, message: Any) -> None:
        raise AssertionError("nothing is published in these tests")


@pytest.fixture
def gateway(store: CountingStore) -> Iterator[tuple[Client, ApiKeyAuthenticator]]:
    services = wiring.build(Settings(stage="test"), store=store, publisher=NullPublisher(), clients={"sqs": None})
    wiring.reset(services)
    try:
        with Client(app.app) as client:
            yield client, services.auth
    finally:
        wiring.reset(None)


def _v1_routes() -> list[tuple[str, str]]:
    routes = [(method, path) for path, methods in app.app.routes.items() for method in methods
              if path.startswith("/v1") and (method, path) not in PUBLIC_V1_ROUTES]
    assert routes, "the app has no /v1 routes"
    return routes


def _call(client: Client, method: str, path: str, key: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    concrete = re.sub(r"\{[^}]+\}", "unknown", path)
    return client.http.request(method, concrete, headers=headers, body=b"{}" if method != "GET" else b"")


def test_every_v1_route_answers_401_with_the_error_envelope_without_a_key(
        gateway: tuple[Client, ApiKeyAuthenticator]) -> None:
    client, _auth = gateway
    # GIVEN every /v1 route the app declares WHEN each is called without a key
    for method, path in _v1_routes():
        response = _call(client, method, path, None)
        # THEN 401 with the error envelope
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} without a key"
        err = json.loads(response.body)["error"]
        assert set(err) >= ENVELOPE_KEYS, f"{method} {path}: {err}"
        assert err["code"] == "missing_api_key" and err["http_status"] == 401


def test_every_v1_route_refuses_a_revoked_key_on_the_next_request(
        gateway: tuple[Client, ApiKeyAuthenticator]) -> None:
    client, auth = gateway
    # GIVEN a key that passes authentication on every /v1 route (and so sits in the cache)
    record, clear = auth.create("saas")
    for method, path in _v1_routes():
        assert _call(client, method, path, clear).status_code != 401, f"{method} {path} refused a valid key"
    # WHEN it is revoked THEN every /v1 route refuses it at once
    auth.revoke(record.key_id)
    for method, path in _v1_routes():
        response = _call(client, method, path, clear)
        assert response.status_code == 401, f"{method} {path} accepted a revoked key"
        assert json.loads(response.body)["error"]["code"] == "invalid_api_key"


def test_public_routes_need_no_key(gateway: tuple[Client, ApiKeyAuthenticator]) -> None:
    client, _auth = gateway
    # GIVEN the public pages WHEN called without a key THEN none answers 401
    for path in PUBLIC_ROUTES | {path for method, path in PUBLIC_V1_ROUTES if method == "GET"}:
        assert client.http.get(path).status_code != 401, path
    for path, methods in app.app.routes.items():
        if path.startswith("/connect") and "GET" in methods:
            concrete = re.sub(r"\{[^}]+\}", "unknown", path)
            assert client.http.get(concrete).status_code != 401, path


# The operator CLI on the same store ------------------------------------------------------------------------
@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, store: CountingStore) -> CliRunner:
    monkeypatch.setattr(cli_aws.Aws, "store", lambda self: store)
    return CliRunner()


def test_cli_creates_lists_and_revokes_keys(operator: CliRunner, store: CountingStore) -> None:
    # GIVEN an operator creating a key
    created = operator.invoke(cli, ["api-keys", "create", "billing", "--json"])
    assert created.exit_code == 0, created.output
    view = json.loads(created.stdout)
    clear = view["api_key"]
    # THEN the key is printed once and authenticates
    assert ApiKeyAuthenticator(store, FakeClock()).authenticate(f"Bearer {clear}").name == "billing"
    # WHEN keys are listed (table and JSON) THEN the prefix shows, never the key or its hash
    listed = operator.invoke(cli, ["api-keys", "list"])
    assert listed.exit_code == 0 and view["key_id"] in listed.stdout and clear[:12] in listed.stdout
    assert clear not in listed.stdout and "scrypt" not in listed.stdout
    assert listed.stdout.splitlines()[0].split() == ["KEY", "ID", "NAME", "PREFIX", "CREATED", "REVOKED"]
    rows = json.loads(operator.invoke(cli, ["api-keys", "list", "--json"]).stdout)
    assert [r["key_id"] for r in rows] == [view["key_id"]] and "secret_hash" not in rows[0]
    # WHEN it is revoked THEN the listing shows when, and the key no longer authenticates
    revoked = operator.invoke(cli, ["api-keys", "revoke", view["key_id"], "--json"])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked_at"]
    with pytest.raises(GatewayError):
        ApiKeyAuthenticator(store, FakeClock()).authenticate(f"Bearer {clear}")


def test_cli_revoking_an_unknown_key_prints_the_error_and_exits_1(operator: CliRunner) -> None:
    # GIVEN no such key WHEN it is revoked THEN the error's code and messages are printed, exit status 1
    result = operator.invoke(cli, ["api-keys", "revoke", "nosuchkey"])
    assert result.exit_code == 1
    assert "api_key_not_found" in result.stderr and "qbdgw api-keys list" in result.stderr
    as_json = operator.invoke(cli, ["api-keys", "revoke", "nosuchkey", "--json"])
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["error"]["code"] == "api_key_not_found"



def test_cli_unlocking_an_unknown_end_user_prints_the_error_and_exits_1(operator: CliRunner) -> None:
    # GIVEN no such end-user WHEN an operator unlocks it THEN it fails as every command does (README,
    # "Command line"): the error's code, message and user-facing message, exit status 1; JSON with --json
    result = operator.invoke(cli, ["end-users", "unlock", "eu_nobody"])
    assert result.exit_code == 1
    assert "error: end_user_not_found: end-user 'eu_nobody' does not exist" in result.stderr
    assert "user-facing message: This QuickBooks connection no longer exists" in result.stderr
    as_json = operator.invoke(cli, ["end-users", "unlock", "eu_nobody", "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "end_user_not_found"

def test_a_key_the_cli_made_is_re_stored_with_the_gateway_s_keyed_hash_at_its_first_use(
        operator: CliRunner, store: CountingStore) -> None:
    from chalicelib.jobs.security import SecretHasher

    # GIVEN a key created by the operator CLI, which holds no pepper: a salted scrypt hash is stored
    view = json.loads(operator.invoke(cli, ["api-keys", "create", "billing", "--json"]).stdout)
    assert store.api_keys[view["key_id"]].secret_hash.startswith("scrypt$")
    # WHEN the gateway, which has the deployment's pepper, sees the key for the first time
    gateway_auth = ApiKeyAuthenticator(store, FakeClock(), hasher=SecretHasher(("p" * 40,)))
    assert gateway_auth.authenticate(f"Bearer {view['api_key']}").key_id == view["key_id"]
    # THEN its hash is the keyed one from then on, and the key still authenticates (here and with a fresh cache)
    assert store.api_keys[view["key_id"]].secret_hash.startswith("hmac-sha256$")
    again = ApiKeyAuthenticator(store, FakeClock(), hasher=SecretHasher(("p" * 40,)))
    assert again.authenticate(f"Bearer {view['api_key']}").key_id == view["key_id"]
