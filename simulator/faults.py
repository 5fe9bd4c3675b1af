"""Named field conditions: what goes wrong on a customer's machine, as QuickBooks reports it.

Each :class:`Condition` is one situation bookkeepers run into (QuickBooks closed, a dialog left
open, the integration's permission reset by an update …) with the HRESULT and message that
QuickBooks' request processor (QBXMLRP2) gives for it, and the stage at which it strikes:

- ``"open"`` — the Web Connector cannot open QuickBooks (OpenConnection2/BeginSession throws), so
  it calls ``connectionError(ticket, hresult, message)`` instead of ``sendRequestXML``;
- ``"request"`` — QuickBooks throws while processing a request (ProcessRequest), so the Web
  Connector calls ``receiveResponseXML(ticket, "", hresult, message)`` with an empty response.

The catalogue is data: :data:`CONDITIONS` maps each name to its condition, and
:meth:`CompanyFile.set_condition <simulator.quickbooks.CompanyFile.set_condition>` (persistent, until
cleared) and :meth:`CompanyFile.fail_next <simulator.quickbooks.CompanyFile.fail_next>` (one shot)
switch them on; ``python -m simulator --list-conditions`` prints them.

Messages are single sentences in the style of QBXMLRP2's own texts (paraphrased from the meanings
in the protocol reference, §5). HRESULT choices that are not one-to-one:

- ``multiple_company_files_open`` uses ``0x8004040A`` (the open file is not the requested one): to
  the request processor a second open file is "a file other than the one requested", and no
  HRESULT of its own is documented for it; the message says that more than one file is open.
- ``same_user_signed_in_elsewhere`` uses ``0x80040410`` (the file is open in another mode), the
  code QuickBooks gives when its user is already signed in to the file on another computer.
- ``other_version_installed`` uses ``0x80040407`` (the installation appears incomplete): with a
  second QuickBooks Desktop version installed (or one of two removed) the request processor starts
  an installation it cannot use. ``0x80040423`` (qbXML version not supported) was not chosen: the
  Web Connector negotiates the qbXML version from ``HostQuery`` and never asks BeginSession for one.
- ``file_needs_other_version`` (``0x80040409``) is the other multi-version case Intuit's
  "Supporting your user" page describes: the running QuickBooks cannot work with this file.

A one-shot open-stage condition fails one whole connection attempt of the Web Connector — QBWC's
internal second try included — so the gateway sees exactly one ``connectionError`` for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from simulator.records import (
    PARSE_ERROR_HRESULT,
    PARSE_ERROR_MESSAGE,
    WRONG_FILE_HRESULT,
    WRONG_FILE_MESSAGE,
    Fault,
    FaultKind,
    HResultError,
)

Stage = Literal["open", "request"]
"""``open``: connecting to QuickBooks fails; ``request``: QuickBooks throws on a request."""


@dataclass(frozen=True)
class Condition:
    """One named field condition and what QuickBooks says when it holds."""

    name: str
    description: str
    """What is happening on the customer's machine, in a bookkeeper's terms."""
    stage: Stage
    hresult: str
    message: str
    """QBXMLRP2's message, as the Web Connector forwards it to the gateway."""

    @property
    def fault_kind(self) -> FaultKind:
        return FaultKind.OPEN if self.stage == "open" else FaultKind.PROCESS

    @property
    def detail(self) -> str:
        return f"condition {self.name}"

    def fault(self) -> Fault:
        """This condition as a one-shot :class:`~simulator.records.Fault`."""
        return Fault(self.fault_kind, hresult=self.hresult, message=self.message, detail=self.detail)

    def error(self) -> HResultError:
        """What QuickBooks' request processor throws while this condition holds."""
        return HResultError(self.hresult, self.message, detail=self.detail)


def _catalogue(conditions: Iterable[Condition]) -> dict[str, Condition]:
    catalogue: dict[str, Condition] = {}
    for condition in conditions:
        if condition.name in catalogue:
            raise ValueError(f"condition {condition.name!r} is defined twice")
        catalogue[condition.name] = condition
    return catalogue


CONDITIONS: dict[str, Condition] = _catalogue(
    [
        Condition(
            "quickbooks_not_running",
            "QuickBooks is closed on the customer's computer and the integration may not start it unattended.",
            "open",
            "0x80040416",
            "QuickBooks is not running, and no company data file was named for the request processor to open.",
        ),
        Condition(
            "no_company_file_open",
            "QuickBooks is running but no company file is open in it.",
            "open",
            "0x80040417",
            "QuickBooks is running but no company data file is open, and none was named in the request.",
        ),
        Condition(
            "wrong_company_file_open",
            "QuickBooks has a different company file open than the one this integration works with.",
            "open",
            WRONG_FILE_HRESULT,
            WRONG_FILE_MESSAGE,
        ),
        Condition(
            "multiple_company_files_open",
            "More than one company file is open in QuickBooks, so it cannot tell which one is meant.",
            "open",
            WRONG_FILE_HRESULT,
            "More than one QuickBooks company data file is open, and the request processor cannot tell which "
            "one was requested.",
        ),
        Condition(
            "dialog_open",
            "A window is open in QuickBooks (an Intuit sign-in prompt, an update notice, a message box) and "
            "blocks it until someone closes it.",
            "open",
            "0x80040414",
            "A modal dialog box is open in QuickBooks, and this application cannot access QuickBooks until the "
            "user closes it.",
        ),
        Condition(
            "same_user_signed_in_elsewhere",
            "The QuickBooks user the integration signs in as is already signed in to the file on another computer.",
            "open",
            "0x80040410",
            "The QuickBooks user for this application is already logged in to this company data file on another "
            "computer.",
        ),
        Condition(
            "permission_denied",
            "The integration's access to the company file was removed, e.g. reset by a QuickBooks update or a "
            "move to another computer.",
            "open",
            "0x8004041A",
            "This application does not have permission to access this QuickBooks company data file; the "
            "QuickBooks administrator can grant it in the Integrated Applications preferences.",
        ),
        Condition(
            "never_authorized",
            "The integration has never been allowed into this company file; an administrator must approve it once.",
            "open",
            "0x80040418",
            "This application has never accessed this QuickBooks company data file, and only the QuickBooks "
            "administrator can allow its first access.",
        ),
        Condition(
            "access_denied_by_user",
            "Someone answered No when QuickBooks asked whether to let the integration in.",
            "open",
            "0x80040420",
            "The QuickBooks user denied this application access to the company data file.",
        ),
        Condition(
            "single_user_conflict",
            "The file is open in single-user mode while another application is already using it.",
            "open",
            "0x80040422",
            "This application needs single-user access to the company data file, but another application is "
            "already sharing data with it.",
        ),
        Condition(
            "quickbooks_starting",
            "QuickBooks is still starting up.",
            "open",
            "0x80040424",
            "QuickBooks has not finished initializing; try again later.",
        ),
        Condition(
            "could_not_start",
            "QuickBooks failed to start on the customer's computer.",
            "open",
            "0x80040408",
            "Could not start QuickBooks.",
        ),
        Condition(
            "other_version_installed",
            "Another QuickBooks Desktop version is installed (or one of two was removed) and the integration "
            "reaches an installation it cannot use.",
            "open",
            "0x80040407",
            "The QuickBooks installation appears to be incomplete; reinstall QuickBooks.",
        ),
        Condition(
            "file_needs_other_version",
            "The running QuickBooks version cannot open this company file; it belongs to another installed version.",
            "open",
            "0x80040409",
            "The version of QuickBooks that is running cannot work with this company data file.",
        ),
        Condition(
            "unparsable_request",
            "QuickBooks rejects the request itself: the qbXML is malformed, out of schema order or of a version "
            "this QuickBooks does not support.",
            "request",
            PARSE_ERROR_HRESULT,
            PARSE_ERROR_MESSAGE,
        ),
    ]
)
"""Every named condition, by name."""


def lookup(condition: str | Condition) -> Condition:
    """The condition named ``condition`` (a :class:`Condition` is returned as is)."""
    if isinstance(condition, Condition):
        return condition
    try:
        return CONDITIONS[condition]
    except KeyError:
        raise ValueError(f"unknown condition {condition!r}; known: {', '.join(sorted(CONDITIONS))}") from None


def at_stage(stage: Stage) -> tuple[Condition, ...]:
    """The catalogued conditions that strike at ``stage``, in catalogue order."""
    return tuple(condition for condition in CONDITIONS.values() if condition.stage == stage)
