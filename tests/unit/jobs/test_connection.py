"""The derived connection status and the fail-fast rule (chalicelib.jobs.connection)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import GatewayError
from chalicelib.jobs.connection import require_polling, status_of
from tests.unit.jobs.fakes import make_end_user

NOW = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
GRACE = timedelta(seconds=30)


def _error(code: str, at: datetime) -> dict[str, object]:
    return {"code": code, "type": "connection_error", "occurred_at": at.isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")}


@pytest.mark.parametrize(("heartbeat_ago", "expected"), [(None, "awaiting_setup"), (10, "connected"),
                                                         (69, "connected"), (71, "offline")])
def test_status_follows_the_heartbeat(heartbeat_ago: int | None, expected: str) -> None:
    # GIVEN an end-user polled every 20 s, last heard from `heartbeat_ago` seconds ago
    beat = None if heartbeat_ago is None else NOW - timedelta(seconds=heartbeat_ago)
    user = replace(make_end_user(), poll_seconds=20, last_heartbeat_at=beat)
    # WHEN its status is derived THEN it is offline only after 2 x 20 s + 30 s of silence
    assert status_of(user, NOW, GRACE) == expected


def test_an_error_newer_than_the_last_sync_degrades_and_an_older_one_does_not() -> None:
    # GIVEN a polling end-user whose last error came after / before its last successful sync
    base = replace(make_end_user(), poll_seconds=20, last_heartbeat_at=NOW)
    newer = replace(base, last_successful_sync_at=NOW - timedelta(minutes=5),
                    last_error=_error("quickbooks_dialog_open", NOW - timedelta(minutes=1)))
    older = replace(newer, last_successful_sync_at=NOW)
    # THEN only the first is degraded
    assert status_of(newer, NOW, GRACE) == "degraded"
    assert status_of(older, NOW, GRACE) == "connected"


def test_fail_fast_refuses_never_connected_offline_and_wrong_password() -> None:
    # GIVEN three end-users that cannot run a job now, and one that can: a run of refused logins is reported
    # after the last login that got in (a refused login is no heartbeat)
    never = make_end_user()
    offline = replace(never, poll_seconds=20, last_heartbeat_at=NOW - timedelta(minutes=5))
    bad_password = replace(never, poll_seconds=20, last_heartbeat_at=NOW - timedelta(minutes=5),
                           last_error=_error("bad_web_connector_password", NOW))
    fine = replace(bad_password, last_heartbeat_at=NOW + timedelta(seconds=1),
                   last_successful_sync_at=NOW + timedelta(seconds=1))
    # WHEN fail-fast is checked THEN each gets its own error, and the healthy one passes
    for user, code in ((never, "end_user_never_connected"), (offline, "web_connector_not_polling"),
                       (bad_password, "bad_web_connector_password")):
        with pytest.raises(GatewayError) as caught:
            require_polling(user, NOW, GRACE)
        assert caught.value.code == code
        assert caught.value.user_facing_message
    require_polling(fine, NOW, GRACE)


def test_a_reported_run_of_wrong_passwords_is_degraded_not_offline_and_a_lockout_says_so() -> None:
    # GIVEN a Web Connector whose logins keep being refused (no heartbeat for 5 minutes), then locked out
    refused = replace(make_end_user(), poll_seconds=20, last_heartbeat_at=NOW - timedelta(minutes=5),
                      last_error=_error("bad_web_connector_password", NOW - timedelta(seconds=30)))
    locked = replace(refused, last_error=_error("web_connector_locked_out", NOW), locked_until=NOW + timedelta(
        minutes=15))
    # THEN its status is degraded (it calls, with a wrong password), and fail-fast names the lockout
    assert status_of(refused, NOW, GRACE) == "degraded" and status_of(locked, NOW, GRACE) == "degraded"
    with pytest.raises(GatewayError) as caught:
        require_polling(locked, NOW, GRACE)
    assert caught.value.code == "web_connector_locked_out"
    # AND once the lock has passed, it is the wrong password again
    with pytest.raises(GatewayError) as caught:
        require_polling(locked, NOW + timedelta(minutes=16), GRACE)
    assert caught.value.code == "bad_web_connector_password"


def test_an_idle_web_connector_writes_its_heartbeat_every_other_poll_and_stays_connected() -> None:
    from tests.unit.jobs.harness import Harness

    # GIVEN an end-user whose Web Connector polls every 20 s with nothing to do
    gw = Harness.build()
    gw.store.update_end_user(gw.user.id, {"poll_seconds": 20})
    writes, statuses = [], []
    for _ in range(12):
        before = gw.end_user().last_heartbeat_at
        assert gw.authenticate()[1] == "none"
        writes.append(gw.end_user().last_heartbeat_at != before)
        # the status is asked just before the next poll, when the heartbeat is oldest
        statuses.append(status_of(gw.end_user(), gw.clock.advance(seconds=19.9), GRACE))
        gw.clock.advance(seconds=0.1)
    # THEN the first poll and every other one after it write, and it is connected all along
    assert writes == [True, False] * 6
    assert set(statuses) == {"connected"}
    # and once it stops polling it goes offline within twice the schedule plus the grace
    assert status_of(gw.end_user(), gw.clock.now + timedelta(seconds=2 * 20 + 30), GRACE) == "offline"


def test_after_an_error_the_next_login_writes_the_heartbeat_at_once() -> None:
    from chalicelib.jobs.connection import heartbeat_stale

    # GIVEN a heartbeat 20 s old on a 20 s schedule (fresh enough to skip) and an error recorded with it
    beat = NOW - timedelta(seconds=20)
    user = replace(make_end_user(), poll_seconds=20, last_heartbeat_at=beat)
    assert not heartbeat_stale(user, NOW)
    failed = replace(user, last_error=_error("quickbooks_dialog_open", beat))
    # WHEN the Web Connector logs in again THEN the heartbeat is written: the error's page waits for it
    assert heartbeat_stale(failed, NOW)
    # and once written after the error, the next fresh poll skips it again
    assert not heartbeat_stale(replace(failed, last_heartbeat_at=NOW), NOW + timedelta(seconds=20))
