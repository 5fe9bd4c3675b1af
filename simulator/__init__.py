"""The customer's side of qbd-gateway, simulated: a QuickBooks company file and a Web Connector.

It plays the end-user's Windows machine in the demo, in end-to-end tests and in load and race
tests. It deliberately imports nothing from the gateway in ``chalicelib``: an independent
implementation of the other end of the protocol catches what shared code would hide. The one
exception is the typed qbXML models (``chalicelib.qbxml.models``, generated from Intuit's schema),
which drive the generic object groups of ``simulator.objects``; the tests check what they produce
against Intuit's schema itself, not against the models.

- :class:`CompanyFile` (``simulator.quickbooks``) answers qbXML as QuickBooks Desktop does —
  customers and invoices, and vendors, employees, accounts, classes, items, bills, payments,
  estimates, sales orders and journal entries (``simulator.objects``), their deletion and what was
  deleted (``ListDeletedQuery``, ``TxnDeletedQuery``: ``simulator.deletions``) —
  and :meth:`CompanyFile.populate` fills it with a seeded history for large syncs
  (``simulator.population``);
- :class:`WebConnector` (``simulator.web_connector``) speaks SOAP to the gateway as QBWC does;
- :data:`CONDITIONS` (``simulator.faults``) names the field failures either side can be switched to;
- ``python -m simulator`` runs them against a gateway URL.
"""

from simulator.company_profile import QB2014_VERSIONS, QB2023_VERSIONS, CompanyProfile
from simulator.faults import CONDITIONS, Condition
from simulator.population import Population
from simulator.quickbooks import CompanyFile
from simulator.records import Customer, Execution, Fault, FaultKind, HResultError, Invoice, Status
from simulator.sessions import Call, Interruption, SessionOutcome, SessionResult
from simulator.web_connector import WebConnector

__all__ = [
    "CONDITIONS",
    "QB2014_VERSIONS",
    "QB2023_VERSIONS",
    "Call",
    "CompanyFile",
    "CompanyProfile",
    "Condition",
    "Customer",
    "Execution",
    "Fault",
    "FaultKind",
    "HResultError",
    "Interruption",
    "Invoice",
    "Population",
    "SessionOutcome",
    "SessionResult",
    "Status",
    "WebConnector",
]
