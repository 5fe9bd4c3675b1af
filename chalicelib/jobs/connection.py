"""Is an end-user's Web Connector there? The derived connection status, and the fail-fast rule.

The Web Connector calls on its schedule (the ``.qwc``'s ``RunEveryNSeconds``); every call is a
heartbeat (a login stores it at most every 1.5 schedules: :func:`heartbeat_stale`). A heartbeat
proves only that the Web Connector runs — not that QuickBooks answers — so the status also weighs
the last error against the last job QuickBooks answered::

    awaiting_setup   never called
    offline          no call within twice the schedule plus a grace period
    degraded         calls arrive, but the last error is newer than the last successful sync; or
                     the Web Connector keeps logging in with a wrong password (or is locked out for it)
    connected        calls arrive and QuickBooks answered last

A request QuickBooks answers with an error status (a name already in use, an unknown customer) is the
job's error, not the connection's: it becomes the end-user's ``last_error`` and, at the same instant,
its last sync (QuickBooks answered), so the status stays ``connected``. What degrades it is QuickBooks
not answering: an HRESULT (a dialog open, the wrong company file), an unreadable answer, a write in doubt.

A refused login is not a heartbeat (anyone who has seen the ``.qwc`` can send one); only a run of
them is reported (``bad_web_connector_password``, then ``web_connector_locked_out``, by
:class:`~chalicelib.jobs.security.LoginPolicy`), and that report is what the status shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.errors import error
from chalicelib.jobs.models import EndUser
from chalicelib.jobs.results import iso

AWAITING_SETUP = "awaiting_setup"
OFFLINE = "offline"
DEGRADED = "degraded"
CONNECTED = "connected"


def expected_interval(user: EndUser, grace: timedelta) -> timedelta:
    return timedelta(seconds=2 * max(1, user.poll_seconds)) + grace


def heartbeat_stale(user: EndUser, now: datetime) -> bool:
    """Should a login write the heartbeat? Once it is 1.5 schedules old: an idle Web Connector then writes
    every other poll (one DynamoDB write per poll is most of what an idle end-user costs), and the heartbeat
    is never older than two schedules while it polls — inside :func:`expected_interval`. And at once after
    an error (whatever recorded it, at the heartbeat's time or later): that the Web Connector called again
    since is what the status and the auth flow's page wait for."""
    last = user.last_heartbeat_at
    if last is None or now - last >= timedelta(seconds=1.5 * max(1, user.poll_seconds)):
        return True
    error_at = str((user.last_error or {}).get("occurred_at") or "")
    return bool(error_at) and error_at >= (iso(last) or "")


LOGIN_ERRORS = ("bad_web_connector_password", "web_connector_locked_out")


def _login_error(user: EndUser) -> dict[str, object] | None:
    """The reported run of refused logins, if it is newer than the last login that got in."""
    last = user.last_error or {}
    if last.get("code") in LOGIN_ERRORS and str(last.get("occurred_at", "")) > (iso(user.last_heartbeat_at) or ""):
        return last
    return None


def status_of(user: EndUser, now: datetime, grace: timedelta) -> str:
    if _login_error(user) is not None:
        return DEGRADED
    if user.last_heartbeat_at is None:
        return AWAITING_SETUP
    if now - user.last_heartbeat_at > expected_interval(user, grace):
        return OFFLINE
    if user.last_error:
        error_at = str(user.last_error.get("occurred_at") or "")
        synced_at = iso(user.last_successful_sync_at) or ""
        if error_at > synced_at:
            return DEGRADED
    return CONNECTED


def require_polling(user: EndUser, now: datetime, grace: timedelta) -> None:
    """Raise at once when the Web Connector is not calling, or calls with a wrong password (fail fast)."""
    login = _login_error(user)
    if login is not None and login.get("code") == "web_connector_locked_out" and user.locked_until is not None \
            and now < user.locked_until:
        raise error("web_connector_locked_out",
                    f"the Web Connector of end-user {user.id} is locked out after wrong passwords until "
                    f"{iso(user.locked_until)}")
    if login is not None:
        raise error("bad_web_connector_password",
                    f"the Web Connector of end-user {user.id} calls, but with a wrong password, so nothing can run")
    status = status_of(user, now, grace)
    if status == AWAITING_SETUP:
        raise error("end_user_never_connected",
                    f"the Web Connector of end-user {user.id} has never connected to the gateway")
    if status == OFFLINE:
        assert user.last_heartbeat_at is not None
        silent = int((now - user.last_heartbeat_at).total_seconds())
        raise error("web_connector_not_polling",
                    f"the Web Connector of end-user {user.id} last called {silent} s ago; it is expected every "
                    f"{user.poll_seconds} s")
