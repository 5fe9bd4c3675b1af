"""Idempotency-Key on ``POST /v1/end-users`` and ``POST /v1/end-users/{id}/jobs``.

The same key with the same body gives the first answer and never a second end-user or job — also
when the retries race each other; the same key with another body is a 409 ``idempotency_key_reused``.
Store-level contract on the in-memory twin and on dynalite; the races run on dynalite only (its
conditional writes are atomic, moto's are not), first through the services, then over real HTTP
against the gateway process whose table is on dynalite.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
import requests

from chalicelib.api.bodies import CreateEndUser
from chalicelib.api.endusers import END_USER_SCOPE, EndUserService
from chalicelib.config import Settings
from chalicelib.errors import GatewayError
from chalicelib.jobs.ports import SecretBox, Store
from chalicelib.jobs.queue import JobQueue
from chalicelib.qbxml import SchemaCatalog
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.store.memory import MemoryStore
from infra.provision import provision
from tests.functional.support import Api, Aws, jobs_stored
from tests.support.stack import Dynalite, GatewayProcess, aws_client
from tests.unit.jobs.fakes import FakeSecretBox

T0 = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
QUERY = "<CustomerQueryRq><MaxReturned>5</MaxReturned></CustomerQueryRq>"
RACERS = 8
R = TypeVar("R")


def _store(kind: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    if kind == "memory":
        yield MemoryStore()
        return
    server: Dynalite = request.getfixturevalue("dynalite")
    client = aws_client("dynamodb", server.endpoint)
    outputs = provision(f"i{uuid.uuid4().hex[:12]}", dynamodb=client, sqs=None)
    yield DynamoStore(client, outputs.table_name)
    client.delete_table(TableName=outputs.table_name)


@pytest.fixture(params=["memory", "dynalite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from _store(request.param, request)


@pytest.fixture
def dynalite_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from _store("dynalite", request)


class _NoPublisher:
    def publish(self, message: Any) -> None:
        raise AssertionError("nothing is published here")


def end_users(store: Store, secrets: SecretBox | None = None) -> EndUserService:
    return EndUserService(store, Settings(stage="test"), lambda: datetime.now(UTC),
                          secrets=secrets if secrets is not None else FakeSecretBox())


def job_queue(store: Store) -> JobQueue:
    return JobQueue(store, _NoPublisher(), SchemaCatalog(None), lambda: datetime.now(UTC),
                    lease_ttl=timedelta(minutes=10), max_job_bytes=256_000)


def race(count: int, func: Callable[[], R]) -> list[R]:
    """Run ``func`` ``count`` times at once (released together by a barrier)."""
    barrier = threading.Barrier(count)

    def one() -> R:
        barrier.wait()
        return func()

    with ThreadPoolExecutor(count) as pool:
        return [f.result() for f in [pool.submit(one) for _ in range(count)]]


# The store ----------------------------------------------------------------------------------------------------
def test_claim_idempotency_record_keeps_the_first_answer(store: Store) -> None:
    # GIVEN a key claimed with an answer
    expires = T0 + timedelta(hours=24)
    answer = {"id": "eu_1", "qbwc_password": "secret", "source_id": None, "nested": {"n": 1.5}}
    assert store.claim_idempotency_record("end-users", "k-1", "eu_1", "h1", expires, answer, now=T0) is None
    # WHEN the key is claimed again, for another target
    again = store.claim_idempotency_record("end-users", "k-1", "eu_2", "h2", expires, {"id": "eu_2"}, now=T0)
    # THEN the first claim is returned, answer and all
    assert again is not None
    assert (again.target_id, again.body_hash, again.response) == ("eu_1", "h1", answer)
    # AND scopes are separate
    assert store.claim_idempotency_record("eu_other", "k-1", "job_1", "h3", expires, now=T0) is None


def test_an_expired_record_can_be_claimed_again(store: Store) -> None:
    # GIVEN a key whose window has passed (DynamoDB's TTL has not deleted it yet)
    assert store.claim_idempotency_record("end-users", "k", "eu_1", "h1", T0 + timedelta(hours=24), now=T0) is None
    later = T0 + timedelta(hours=25)
    # WHEN it is claimed after the window
    # THEN the claim succeeds, and the new record is the one that counts
    assert store.claim_idempotency_record("end-users", "k", "eu_2", "h2", later + timedelta(hours=24),
                                          now=later) is None
    current = store.claim_idempotency_record("end-users", "k", "eu_3", "h3", later, now=later)
    assert current is not None and current.target_id == "eu_2"


def test_creating_an_end_user_twice_with_one_key_gives_the_first_answer(store: Store) -> None:
    # GIVEN an end-user created under an Idempotency-Key
    service = end_users(store)
    body = CreateEndUser(company_name="Lakeside Hardware", source_id="acct-9")
    first, new = service.create_once(body, "http://localhost", "signup-9")
    assert new
    # WHEN the same request is retried
    again, new_again = service.create_once(body, "http://localhost", "signup-9")
    # THEN it gets exactly the first answer (password included), and no second end-user exists
    assert not new_again
    assert again == first
    assert store.get_end_user(first.id) is not None
    # AND the same key with another body is refused
    with pytest.raises(GatewayError) as refused:
        service.create_once(CreateEndUser(company_name="Other"), "http://localhost", "signup-9")
    assert refused.value.code == "idempotency_key_reused"
    assert refused.value.http_status == 409


def test_the_key_s_record_keeps_the_web_connector_password_sealed_never_in_clear(store: Store) -> None:
    # GIVEN an end-user created under an Idempotency-Key, with the stack's key to seal secrets
    service = end_users(store, FakeSecretBox())
    body = CreateEndUser(company_name="Sealed Supply")
    first, _ = service.create_once(body, "http://localhost", "sealed-1")
    # WHEN the key's record is read as the table holds it for 24 h
    now = datetime.now(UTC)
    record = store.claim_idempotency_record(END_USER_SCOPE, "sealed-1", "eu_other", "other", now + timedelta(days=1),
                                            now=now)
    # THEN the password is not in it, only sealed for this end-user; a replay still answers with it
    import json
    assert record is not None and record.response is not None
    assert first.qbwc_password not in json.dumps(record.response)
    assert str(record.response["qbwc_password_sealed"]).startswith(FakeSecretBox.PREFIX)
    again, new = service.create_once(body, "http://localhost", "sealed-1")
    assert (again, new) == (first, False)


def test_an_idempotent_end_user_creation_needs_the_key_that_seals_its_password(store: Store) -> None:
    # GIVEN a gateway without a key to seal secrets (QBDGW_SECRETS_KEY_ID unset)
    service = EndUserService(store, Settings(stage="test"), lambda: datetime.now(UTC))
    # WHEN an end-user is created under an Idempotency-Key / THEN it is refused, nothing stored; without a key it works
    with pytest.raises(GatewayError) as refused:
        service.create_once(CreateEndUser(company_name="Open Book"), "http://localhost", "open-1")
    assert refused.value.code == "internal_error" and "QBDGW_SECRETS_KEY_ID" in refused.value.message
    created, new = service.create_once(CreateEndUser(company_name="Open Book"), "http://localhost", None)
    assert new and store.get_end_user(created.id) is not None


def test_a_replay_finishes_an_end_user_whose_first_request_died(store: Store) -> None:
    # GIVEN a key claimed by a request that died before writing its end-user
    service = end_users(store)
    body = CreateEndUser(company_name="Lakeside Hardware")
    promised, _ = service.create_once(CreateEndUser(company_name="Scratch"), "http://localhost", None)
    answer = promised.model_copy(update={"id": "eu_promised", "qbwc_username": "eu_promised",
                                         "company_name": "Lakeside Hardware", "source_id": None})
    import hashlib
    import json
    body_hash = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    now = datetime.now(UTC)
    store.claim_idempotency_record(END_USER_SCOPE, "died", "eu_promised", body_hash, now + timedelta(hours=1),
                                   answer.model_dump(mode="json"), now=now)
    # WHEN the request is retried
    replayed, new = service.create_once(body, "http://localhost", "died")
    # THEN the promised end-user exists now, with the promised password
    assert not new and replayed == answer
    user = store.get_end_user("eu_promised")
    assert user is not None and user.company_name == "Lakeside Hardware"
    from chalicelib.jobs.security import verify_secret
    assert verify_secret(answer.qbwc_password, user.password_hash)


# Races (dynalite: atomic conditional writes) -------------------------------------------------------------------
@pytest.mark.race
def test_concurrent_claims_have_exactly_one_winner(dynalite_store: Store) -> None:
    # GIVEN many requests claiming one key at the same moment, each for its own target
    counter = iter(range(100))
    lock = threading.Lock()

    def claim() -> str:
        with lock:
            mine = f"eu_{next(counter)}"
        record = dynalite_store.claim_idempotency_record(
            "end-users", "k-race", mine, "h", datetime.now(UTC) + timedelta(hours=1), {"id": mine},
            now=datetime.now(UTC))
        return mine if record is None else record.target_id

    # WHEN they race  THEN exactly one target wins, and every request sees it
    assert len(set(race(16, claim))) == 1


@pytest.mark.race
def test_concurrent_end_user_retries_create_one_end_user(dynalite_store: Store) -> None:
    # GIVEN one signup request retried 8 times at once with one Idempotency-Key
    service = end_users(dynalite_store)
    body = CreateEndUser(company_name="Race Builders")
    # WHEN they race
    answers = race(RACERS, lambda: service.create_once(body, "http://localhost", "race-signup"))
    # THEN one of them created the end-user, all got the same answer, and that end-user exists
    assert sum(1 for _, new in answers if new) == 1
    assert len({a.model_dump_json() for a, _ in answers}) == 1
    assert dynalite_store.get_end_user(answers[0][0].id) is not None


@pytest.mark.race
def test_concurrent_job_retries_create_one_job(dynalite_store: Store) -> None:
    # GIVEN an end-user, and one enqueue retried 8 times at once with one Idempotency-Key
    user, _ = end_users(dynalite_store).create(CreateEndUser(company_name="Race Builders"))
    queue = job_queue(dynalite_store)
    # WHEN they race
    results = race(RACERS, lambda: queue.enqueue(user.id, QUERY, source="rest", idempotency_key="race-job"))
    # THEN there is one job: one request created it, every request got it (racers may skip sequence numbers)
    assert len({(job.id, job.seq) for job, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    assert len(dynalite_store.read_file(user.id, jobs=10).jobs) == 1


# Over HTTP -----------------------------------------------------------------------------------------------------
def test_rest_end_user_replay_and_conflict(api: Api) -> None:
    # GIVEN an end-user created under an Idempotency-Key
    body = {"company_name": "Lakeside Hardware", "source_id": "acct-17"}
    first = api.call("POST", "/v1/end-users", body, headers={"Idempotency-Key": "signup-17"})
    assert first.status_code == 201
    # WHEN the request is replayed
    again = api.call("POST", "/v1/end-users", body, headers={"Idempotency-Key": "signup-17"})
    # THEN it is a 200 with the very same body (password included)
    assert again.status_code == 200
    assert again.json_body == first.json_body
    # AND another body under the same key is a 409 with a clear error
    other = api.call("POST", "/v1/end-users", {"company_name": "Someone Else"},
                     headers={"Idempotency-Key": "signup-17"})
    assert other.status_code == 409
    assert other.json_body["error"]["code"] == "idempotency_key_reused"
    assert "signup-17" in other.json_body["error"]["message"]


@pytest.mark.parametrize("key", ["", "x" * 201, " padded ", "caf\u00e9"])
def test_a_malformed_idempotency_key_is_refused(api: Api, aws: Aws, key: str) -> None:
    # GIVEN an end-user
    user = api.create_end_user()
    # WHEN a job is sent with an Idempotency-Key that is empty, too long, padded or not ASCII
    response = api.enqueue(user["id"], QUERY, key=key) if key else api.call(
        "POST", f"/v1/end-users/{user['id']}/jobs", {"qbxml": QUERY}, headers={"Idempotency-Key": ""})
    # THEN it is refused with a 400 naming the header, and nothing is stored
    assert response.status_code == 400, response.body
    assert "Idempotency-Key" in response.json_body["error"]["message"]
    assert jobs_stored(aws, user["id"]) == 0


def _post_all(url: str, api_key: str, body: dict[str, Any], key: str) -> list[requests.Response]:
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key}
    return race(RACERS, lambda: requests.post(url, json=body, headers=headers, timeout=30))


@pytest.mark.race
def test_concurrent_http_retries_create_one_end_user_and_one_job(gateway_on_dynalite: GatewayProcess) -> None:
    base, api_key = gateway_on_dynalite.base_url, gateway_on_dynalite.api_key
    key = f"race-{uuid.uuid4().hex[:8]}"
    # GIVEN 8 concurrent retries of one signup, over real HTTP, against the gateway on dynalite
    signups = _post_all(f"{base}/v1/end-users", api_key, {"company_name": "Race Builders"}, key)
    # THEN one 201, the rest 200, all with one body
    assert sorted(r.status_code for r in signups) == [200] * (RACERS - 1) + [201]
    assert len({r.text for r in signups}) == 1
    end_user_id = signups[0].json()["id"]
    # WHEN 8 concurrent retries of one job follow
    jobs = _post_all(f"{base}/v1/end-users/{end_user_id}/jobs", api_key, {"qbxml": QUERY}, key)
    # THEN one 202, the rest 200, one job id, and one job stored
    assert sorted(r.status_code for r in jobs) == [200] * (RACERS - 1) + [202]
    assert len({r.json()["id"] for r in jobs}) == 1
    out = gateway_on_dynalite.client("dynamodb").query(
        TableName=gateway_on_dynalite.env["QBDGW_TABLE"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :job)",
        FilterExpression="attribute_not_exists(tombstone)",  # voided slots of racers that lost are not jobs
        ExpressionAttributeValues={":pk": {"S": f"EU#{end_user_id}"}, ":job": {"S": "JOB#"}},
        Select="COUNT", ConsistentRead=True)
    assert out["Count"] == 1
