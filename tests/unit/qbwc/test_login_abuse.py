"""Login abuse (issue "Edges a new user meets"): the Web Connector's user name is in the .qwc, so anyone who
has seen it can send passwords. One wrong password changes nothing the SaaS sees; a run of them is the real
Web Connector failing and is reported; more are slowed down, then locked out; every refusal is audited; the
right password, or an operator, ends it (chalicelib/qbwc/login.py, chalicelib.jobs.security.LoginPolicy)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from chalicelib.errors import GatewayError
from chalicelib.jobs.connection import require_polling, status_of
from chalicelib.qbwc import calls as c
from tests.unit.jobs.harness import Harness

GRACE = timedelta(seconds=30)


@pytest.fixture
def gw() -> Harness:
    return Harness.build()


def connected(gw: Harness) -> None:
    """GIVEN an end-user whose Web Connector has logged in with the right password (polling, healthy)."""
    gw.authenticate()


def test_one_wrong_password_changes_nothing_the_saas_sees(gw: Harness) -> None:
    connected(gw)
    before = gw.end_user()
    # WHEN someone who read the .qwc tries one password
    assert gw.authenticate(password="guess-1")[1] == "nvu"
    # THEN the end-user's status, heartbeat and error are as they were; fail-fast enqueues still pass
    after = gw.end_user()
    assert (after.last_error, after.last_heartbeat_at) == (before.last_error, before.last_heartbeat_at)
    assert status_of(after, gw.clock.now, GRACE) == status_of(before, gw.clock.now, GRACE) == "connected"
    require_polling(after, gw.clock.now, GRACE)
    assert after.login_failures == 1 and after.login_failed_at == gw.clock.now


def test_a_run_of_wrong_passwords_is_reported_as_the_web_connector_failing(gw: Harness) -> None:
    connected(gw)
    for attempt in range(1, 4):
        gw.clock.advance(seconds=20)  # the Web Connector's schedule
        assert gw.authenticate(password="typo")[1] == "nvu"
        reported = gw.end_user().last_error
        assert (reported is not None) is (attempt >= 3), attempt
    with pytest.raises(GatewayError) as caught:
        require_polling(gw.end_user(), gw.clock.now, GRACE)
    assert caught.value.code == "bad_web_connector_password"


def test_repeated_failures_are_slowed_down_then_locked_out_even_for_the_right_password(gw: Harness) -> None:
    connected(gw)
    policy = gw.service.login_policy
    for _ in range(policy.slow_after):
        gw.authenticate(password="guess")
    # WHEN the next try comes at once THEN it is refused without being counted (slowed down)
    failures = gw.end_user().login_failures
    assert gw.authenticate()[1] == "nvu"  # even the right password: too soon
    assert gw.end_user().login_failures == failures
    # WHEN the guesses go on, each after the delay, up to the lockout
    while gw.end_user().locked_until is None:
        gw.clock.advance(seconds=policy.delay(gw.end_user().login_failures).total_seconds() + 1)
        gw.authenticate(password="guess")
    user = gw.end_user()
    # THEN the user name is locked out for the configured time, and the SaaS sees why
    assert user.login_failures == policy.lockout_after
    assert user.locked_until == gw.clock.now + policy.lockout
    assert user.last_error is not None and user.last_error["code"] == "web_connector_locked_out"
    assert user.last_error["user_facing_message"]
    assert gw.authenticate()[1] == "nvu"  # locked: the right password too
    # AND after the lockout the right password gets in and clears it all
    gw.clock.advance(seconds=policy.lockout.total_seconds() + 1)
    assert gw.authenticate()[1] != "nvu"
    user = gw.end_user()
    assert (user.login_failures, user.locked_until, user.last_error) == (0, None, None)


def test_every_refusal_and_the_lockout_are_audited_without_the_password(gw: Harness,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    connected(gw)
    policy = gw.service.login_policy
    caplog.set_level(logging.INFO)
    gw.authenticate(password="hunter2-secret")
    gw.authenticate(password="hunter2-secret")  # not slowed yet: counted
    while gw.end_user().locked_until is None:
        gw.clock.advance(seconds=61)
        gw.authenticate(password="hunter2-secret")
    gw.authenticate(password="hunter2-secret")  # held off while locked
    audits = [r for r in caplog.records if getattr(r, "audit", None)]
    kinds = [r.audit for r in audits]  # type: ignore[attr-defined]
    assert kinds.count("login_failure") == policy.lockout_after
    assert kinds.count("login_lockout") == 1 and kinds[-1] == "login_held_off"
    assert all(getattr(r, "end_user_id", None) == gw.user.id for r in audits)
    assert "hunter2-secret" not in caplog.text


def test_an_unknown_user_name_is_audited(gw: Harness,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    result = gw.service.dispatch(c.Authenticate("nobody", "pw"))
    assert isinstance(result, list) and result[1] == "nvu"
    assert any(getattr(r, "audit", None) == "login_unknown_user" for r in caplog.records)
