"""HostQuery, CompanyQuery and PreferencesQuery — and the ``strHCPResponse`` built from them.

Before it asks the web service for work, the Web Connector runs these three queries itself and
passes QuickBooks' combined answer, one ``QBXMLMsgsRs`` with ``HostQueryRs`` (requestID 0),
``CompanyQueryRs`` (1) and ``PreferencesQueryRs`` (2), as ``strHCPResponse`` in the first
``sendRequestXML`` of the session. A gateway reads the supported qbXML versions from ``HostRet``
and can check the ``FileID`` data extension it asked the Web Connector to stamp into the file
(``CompanyRet/DataExtRet`` under its ``OwnerID``).

The shapes follow QuickBooks Pro 2014's real answer: ``HostRet`` with every supported version
repeated, ``CompanyRet`` with the addresses, fiscal months and the data extensions of the owners
asked for, and a ``PreferencesRet`` with each preference group QuickBooks always returns. The
values come from the :class:`~simulator.company_profile.CompanyProfile`.
"""

from __future__ import annotations

from lxml import etree

from simulator.company_profile import CompanyProfile
from simulator.ledger import Answer, Ledger
from simulator.qbxml_text import format_bool, render_document, render_rs, texts_of
from simulator.records import Node, Status, agg, leaf

_OK = (("statusCode", "0"), ("statusSeverity", "Info"), ("statusMessage", "Status OK"))


def host_ret(profile: CompanyProfile) -> Node:
    return agg(
        "HostRet",
        leaf("ProductName", profile.product_name),
        leaf("MajorVersion", str(profile.major_version)),
        leaf("MinorVersion", str(profile.minor_version)),
        leaf("Country", profile.country),
        *(leaf("SupportedQBXMLVersion", version) for version in profile.supported_versions),
        leaf("IsAutomaticLogin", format_bool(profile.is_automatic_login)),
        leaf("QBFileMode", profile.file_mode),
    )


def _address(tag: str, profile: CompanyProfile, with_street: bool = True) -> Node:
    parts = [leaf("Addr1", profile.street)] if with_street else []
    return agg(
        tag,
        *parts,
        leaf("City", profile.city),
        leaf("State", profile.state),
        leaf("PostalCode", profile.postal_code),
        leaf("Country", profile.country),
    )


def company_ret(profile: CompanyProfile, data_ext: dict[tuple[str, str], str], owners: list[str]) -> Node:
    """``CompanyRet``; data extensions appear only for the ``OwnerID``s the query named."""
    wanted = {owner.upper() for owner in owners}
    extensions = [
        agg(
            "DataExtRet",
            leaf("OwnerID", owner),
            leaf("DataExtName", name),
            leaf("DataExtType", "STR255TYPE"),
            leaf("DataExtValue", value),
        )
        for (owner, name), value in data_ext.items()
        if owner.upper() in wanted
    ]
    return agg(
        "CompanyRet",
        leaf("IsSampleCompany", "false"),
        leaf("CompanyName", profile.name),
        leaf("LegalCompanyName", profile.legal_name or profile.name),
        _address("Address", profile),
        agg(
            "AddressBlock",
            leaf("Addr1", profile.street),
            leaf("Addr2", f"{profile.city}, {profile.state} {profile.postal_code}"[:41]),
        ),
        _address("LegalAddress", profile),
        leaf("Phone", profile.phone),
        leaf("Email", profile.email),
        leaf("FirstMonthFiscalYear", "January"),
        leaf("FirstMonthIncomeTaxYear", "January"),
        leaf("EIN", profile.ein),
        leaf("TaxForm", "Form1120"),
        agg("AccountantCopy", leaf("AccountantCopyExists", "false")),
        *extensions,
    )


def preferences_ret() -> Node:
    """The preference groups QuickBooks returns for a plain US company file."""
    false, true = "false", "true"
    return agg(
        "PreferencesRet",
        agg(
            "AccountingPreferences",
            leaf("IsUsingAccountNumbers", false),
            leaf("IsRequiringAccounts", true),
            leaf("IsUsingClassTracking", false),
            leaf("IsUsingAuditTrail", true),
            leaf("IsAssigningJournalEntryNumbers", true),
        ),
        agg(
            "FinanceChargePreferences",
            leaf("AnnualInterestRate", "0.00"),
            leaf("MinFinanceCharge", "0.00"),
            leaf("GracePeriod", "0"),
            leaf("IsAssessingForOverdueCharges", false),
            leaf("CalculateChargesFrom", "DueDate"),
            leaf("IsMarkedToBePrinted", false),
        ),
        agg(
            "JobsAndEstimatesPreferences",
            leaf("IsUsingEstimates", true),
            leaf("IsUsingProgressInvoicing", false),
            leaf("IsPrintingItemsWithZeroAmounts", false),
        ),
        agg("MultiCurrencyPreferences", leaf("IsMultiCurrencyOn", false)),
        agg(
            "MultiLocationInventoryPreferences",
            leaf("IsMultiLocationInventoryAvailable", false),
            leaf("IsMultiLocationInventoryEnabled", false),
        ),
        agg(
            "PurchasesAndVendorsPreferences",
            leaf("IsUsingInventory", false),
            leaf("DaysBillsAreDue", "10"),
            leaf("IsAutomaticallyUsingDiscounts", false),
        ),
        agg("ReportsPreferences", leaf("AgingReportBasis", "AgeFromDueDate"), leaf("SummaryReportBasis", "Accrual")),
        agg(
            "SalesAndCustomersPreferences",
            leaf("IsTrackingReimbursedExpensesAsIncome", false),
            leaf("IsAutoApplyingPayments", true),
            agg("PriceLevels", leaf("IsUsingPriceLevels", true), leaf("IsRoundingSalesPriceUp", true)),
        ),
        agg("TimeTrackingPreferences", leaf("FirstDayOfWeek", "Monday")),
        agg(
            "CurrentAppAccessRights",
            leaf("IsAutomaticLoginAllowed", false),
            leaf("IsPersonalDataAccessAllowed", false),
        ),
        agg(
            "ItemsAndInventoryPreferences",
            leaf("EnhancedInventoryReceivingEnabled", false),
            leaf("IsTrackingSerialOrLotNumber", "None"),
            leaf("FIFOEnabled", false),
            leaf("IsRSBEnabled", false),
            leaf("IsBarcodeEnabled", false),
        ),
    )


def host_query(ledger: Ledger, request: etree._Element) -> Answer:
    return Answer(Status.ok(), (host_ret(ledger.profile),))


def company_query(ledger: Ledger, request: etree._Element) -> Answer:
    owners = texts_of(request, "OwnerID")
    return Answer(Status.ok(), (company_ret(ledger.profile, ledger.data_ext, owners),))


def preferences_query(ledger: Ledger, request: etree._Element) -> Answer:
    return Answer(Status.ok(), (preferences_ret(),))


def hcp_response(ledger: Ledger, owner_id: str | None) -> str:
    """The ``strHCPResponse`` document the Web Connector collects at the start of a session."""
    owners = [owner_id] if owner_id else []
    return render_document(
        [
            render_rs("HostQueryRs", (("requestID", "0"), *_OK), [host_ret(ledger.profile)]),
            render_rs(
                "CompanyQueryRs",
                (("requestID", "1"), *_OK),
                [company_ret(ledger.profile, ledger.data_ext, owners)],
            ),
            render_rs("PreferencesQueryRs", (("requestID", "2"), *_OK), [preferences_ret()]),
        ]
    )
