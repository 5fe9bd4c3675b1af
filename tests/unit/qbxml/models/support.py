"""Helpers shared by the model tests: wrapping one request in a message set Intuit's schema can check."""

from __future__ import annotations

from chalicelib.qbxml import JobRequests, SchemaCatalog, build_message_set
from chalicelib.qbxml.models import QbxmlRequest, to_qbxml
from tests.unit.qbxml.support import V16

# The requests that travel in <QBXMLSubscriptionMsgsRq>, not in <QBXMLMsgsRq>.
SUBSCRIPTION_REQUESTS = frozenset(
    {
        "DataEventSubscriptionAddRq",
        "DataEventSubscriptionQueryRq",
        "UIEventSubscriptionAddRq",
        "UIEventSubscriptionQueryRq",
        "UIExtensionSubscriptionAddRq",
        "UIExtensionSubscriptionQueryRq",
        "SubscriptionDelRq",
    }
)


def message_set(*requests: QbxmlRequest) -> str:
    """The full qbXML 16.0 document QuickBooks would receive for ``requests`` (via build_message_set)."""
    elements = tuple(to_qbxml(request) for request in requests)
    names = tuple(type(request).__qbxml__.name for request in requests)
    if set(names) & SUBSCRIPTION_REQUESTS:
        body = "".join(elements)
        return f'<?xml version="1.0"?><?qbxml version="16.0"?><QBXML><QBXMLSubscriptionMsgsRq>{body}' \
            "</QBXMLSubscriptionMsgsRq></QBXML>"
    return build_message_set(JobRequests(elements=elements, names=names), version=V16, request_id="test-1")


def schema_errors(catalog: SchemaCatalog, *requests: QbxmlRequest) -> list[str]:
    """What Intuit's 16.0 schema says about ``requests`` in a message set ([] when valid)."""
    return catalog.validate(message_set(*requests), V16)
