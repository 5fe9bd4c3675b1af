"""qbd-gateway SDK: typed clients of the REST API (sync and async) and a consumer of the SQS results queue.

``Client`` and ``AsyncClient`` have the typed resources (``client.customers.list(...)``,
``client.invoices.create(...)``…, generated from the gateway's resource catalog) answering the typed
qbXML models of :mod:`qbd_gateway_sdk.qbxml` (generated from the same schema as the gateway's), and the
webhook and change-feed calls (``create_webhook_endpoint``, ``create_feed_subscription``, ``list_feed_types``…);
``Client`` also has the end-user, auth-link and raw-job calls. Every failure is a ``QbdGatewayError``, by
kind a subclass (``StaleRevisionError``, ``NotFoundError``, ``InvalidRequestError``,
``ConnectionProblemError``, ``JobTimeoutError``…). ``fetch_response`` reads a job's answer whether it came
inline or was offloaded to S3; ``message_key`` is what de-duplicates result messages (a job's result, its
in-doubt notice, each page of a paged query); a change event (``ChangeEvent``) is de-duplicated by its
``event_id``.
"""

from qbd_gateway_sdk.async_client import AsyncClient
from qbd_gateway_sdk.client import Client
from qbd_gateway_sdk.consumer import PollReport, ResultsConsumer, message_key
from qbd_gateway_sdk.errors import (
    AuthenticationError,
    ConnectionProblemError,
    InvalidRequestError,
    JobTimeoutError,
    NotFoundError,
    QbdGatewayError,
    QuickBooksError,
    StaleRevisionError,
)
from qbd_gateway_sdk.models import (
    AuthSessionCreated,
    ChangeEvent,
    CreateFeedSubscription,
    EndUserCreated,
    EndUserList,
    EndUserView,
    FeedSubscriptionView,
    FeedTypeList,
    FeedTypeView,
    HealthCheckOk,
    JobAccepted,
    JobView,
    ResultMessage,
    UpdateFeedSubscription,
    WebhookDeliveryList,
    WebhookDeliveryView,
    WebhookEndpointView,
)
from qbd_gateway_sdk.resources import AsyncListPager, Deleted, ListPager, Page, RequestResult, Voided
from qbd_gateway_sdk.responses import fetch_response

__all__ = [
    "AsyncClient", "AsyncListPager", "AuthSessionCreated", "AuthenticationError", "ChangeEvent", "Client",
    "ConnectionProblemError", "CreateFeedSubscription", "Deleted", "EndUserCreated", "EndUserList", "EndUserView",
    "FeedSubscriptionView", "FeedTypeList", "FeedTypeView", "HealthCheckOk", "InvalidRequestError", "JobAccepted",
    "JobTimeoutError", "JobView", "ListPager", "NotFoundError", "Page", "PollReport", "QbdGatewayError",
    "QuickBooksError", "RequestResult", "ResultMessage", "ResultsConsumer", "StaleRevisionError",
    "UpdateFeedSubscription", "Voided", "WebhookDeliveryList", "WebhookDeliveryView", "WebhookEndpointView",
    "fetch_response", "message_key",
]
__version__ = "0.1.0"
