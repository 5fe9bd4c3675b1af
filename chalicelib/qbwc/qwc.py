"""The ``.qwc`` file a bookkeeper loads into the Web Connector to connect a company file to us.

A ``.qwc`` (root ``<QBWCXML>``) tells QBWC where our SOAP endpoint is (``AppURL``), which user name
to send to ``authenticate``, the GUIDs that identify our application (``OwnerID``) and this connection
(``FileID``), and how often to run. The password is never in the file: the user types it into QBWC.

:class:`QwcSpec` is validated when it is built, so that a file QBWC would reject never leaves the
gateway. The checks mirror the Web Connector's own refusals (PROTOCOL.md §4, §7.1):

* QBWC1010 — ``AppURL`` must be ``https``; plain ``http`` is accepted for ``localhost`` only;
* QBWC1001 — ``AppURL`` must name a host, not an IP address. ``http://127.0.0.1`` is let through for
  local development and tests only; a real Web Connector refuses it, so point one at
  ``http://localhost:<port>/qbwc`` instead;
* QBWC1000 — ``AppSupport`` must be on the same host as ``AppURL``;
* QBWC1039 — every required element is written (``AppID`` and ``AppDescription`` may be empty);
* ``Scheduler`` holds at most one interval: 1 to 1440 minutes or 1 to 86400 seconds.

:func:`build_qwc` writes the file with lxml, so user text is escaped by the serializer; GUIDs are
written upper case in braces as in every Intuit sample. :func:`qwc_filename` gives a safe ASCII name
for the download.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
QB_TYPES = frozenset({"QBFS", "QBPOS"})
PERSONAL_DATA_PREFS = frozenset({"pdpNotNeeded", "pdpOptional", "pdpRequired"})
UNATTENDED_MODE_PREFS = frozenset({"umpRequired", "umpOptional"})
MAX_MINUTES = 1440
MAX_SECONDS = 3600 * 24

_AUTH_FLAGS_RE = re.compile(r"0x[0-9A-Fa-f]{1,8}")
_FILENAME_MAX_SLUG = 60


@dataclass(frozen=True)
class QwcSpec:
    """Everything that goes into one ``.qwc`` file; invalid combinations raise ``ValueError``."""

    app_name: str
    app_id: str
    app_url: str
    app_support_url: str
    app_description: str
    user_name: str
    owner_id: uuid.UUID
    file_id: uuid.UUID
    run_every_minutes: int | None = None
    run_every_seconds: int | None = None
    qb_type: str = "QBFS"
    is_read_only: bool = False
    app_unique_name: str | None = None
    app_display_name: str | None = None
    personal_data_pref: str = "pdpOptional"
    unattended_mode_pref: str = "umpOptional"
    auth_flags: str = "0xF"

    def __post_init__(self) -> None:
        for name in ("app_name", "app_url", "app_support_url", "user_name"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name} must not be empty")
        for name in ("owner_id", "file_id"):
            if not isinstance(getattr(self, name), uuid.UUID):
                raise ValueError(f"{name} must be a uuid.UUID")
        app_host = _check_app_url(self.app_url)
        support_host = _host_of(self.app_support_url, "app_support_url")
        if support_host != app_host:
            raise ValueError(
                f"app_support_url must be on the same host as app_url ({app_host!r}, not "
                f"{support_host!r}); the Web Connector refuses the file otherwise (QBWC1000)"
            )
        _check_scheduler(self.run_every_minutes, self.run_every_seconds)
        _check_choice("qb_type", self.qb_type, QB_TYPES)
        _check_choice("personal_data_pref", self.personal_data_pref, PERSONAL_DATA_PREFS)
        _check_choice("unattended_mode_pref", self.unattended_mode_pref, UNATTENDED_MODE_PREFS)
        if not _AUTH_FLAGS_RE.fullmatch(self.auth_flags):
            raise ValueError(f"auth_flags must be a hexadecimal value such as '0xF', got {self.auth_flags!r}")


def build_qwc(spec: QwcSpec) -> str:
    """The ``.qwc`` document for ``spec``: ``<?xml version="1.0"?>`` and a ``<QBWCXML>`` root."""
    root = etree.Element("QBWCXML")

    def add(tag: str, text: str, parent: etree._Element = root) -> None:
        etree.SubElement(parent, tag).text = text

    add("AppName", spec.app_name)
    add("AppID", spec.app_id)
    add("AppURL", spec.app_url)
    add("AppDescription", spec.app_description)
    add("AppSupport", spec.app_support_url)
    add("UserName", spec.user_name)
    add("OwnerID", _braced(spec.owner_id))
    add("FileID", _braced(spec.file_id))
    add("QBType", spec.qb_type)
    if spec.app_display_name is not None:
        add("AppDisplayName", spec.app_display_name)
    if spec.app_unique_name is not None:
        add("AppUniqueName", spec.app_unique_name)
    add("Style", "Document")
    if spec.run_every_minutes is not None or spec.run_every_seconds is not None:
        scheduler = etree.SubElement(root, "Scheduler")
        if spec.run_every_minutes is not None:
            add("RunEveryNMinutes", str(spec.run_every_minutes), scheduler)
        else:
            add("RunEveryNSeconds", str(spec.run_every_seconds), scheduler)
    add("IsReadOnly", "true" if spec.is_read_only else "false")
    add("PersonalDataPref", spec.personal_data_pref)
    add("UnattendedModePref", spec.unattended_mode_pref)
    if spec.qb_type == "QBFS":  # AuthFlags selects QuickBooks Financial editions; meaningless for POS
        add("AuthFlags", spec.auth_flags)
    body: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0"?>\n' + body


def qwc_filename(company_name: str) -> str:
    """A safe ASCII download name, e.g. ``Acme Builders`` → ``qbd-gateway-Acme-Builders.qwc``."""
    ascii_name = unicodedata.normalize("NFKD", company_name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-")[:_FILENAME_MAX_SLUG].strip("-")
    return f"qbd-gateway-{slug or 'company'}.qwc"


def _braced(value: uuid.UUID) -> str:
    return "{" + str(value).upper() + "}"


def _host_of(url: str, name: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {url!r}")
    return parts.hostname.lower()


def _check_app_url(url: str) -> str:
    host = _host_of(url, "app_url")
    if urlsplit(url.strip()).scheme != "https" and host not in LOCAL_HOSTS:
        raise ValueError(
            f"app_url must use https unless the host is localhost, got {url!r}; the Web Connector "
            "refuses plain http elsewhere (QBWC1010)"
        )
    if host not in LOCAL_HOSTS and _is_ip_address(host):
        raise ValueError(
            f"app_url must name a host, not the IP address {host!r}; the Web Connector refuses IP "
            "addresses (QBWC1001)"
        )
    return host


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _check_scheduler(minutes: int | None, seconds: int | None) -> None:
    if minutes is not None and seconds is not None:
        raise ValueError("set run_every_minutes or run_every_seconds, not both")
    limits = (("run_every_minutes", minutes, MAX_MINUTES), ("run_every_seconds", seconds, MAX_SECONDS))
    for name, value, limit in limits:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise ValueError(f"{name} must be an integer from 1 to {limit}, got {value!r}")


def _check_choice(name: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(sorted(allowed))}, got {value!r}")
