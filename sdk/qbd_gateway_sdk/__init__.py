"""qbd-gateway SDK: a typed client of the REST API and a consumer of the SQS results queue.

``fetch_response`` reads a job's answer whether it came inline or was offloaded to S3; ``message_key``
is what de-duplicates result messages (a job's result, its in-doubt notice, each page of a paged query).
"""

from qbd_gateway_sdk.client import Client
from qbd_gateway_sdk.consumer import PollReport, ResultsConsumer, message_key
from qbd_gateway_sdk.errors import QbdGatewayError
from qbd_gateway_sdk.models import (
    AuthSessionCreated,
    EndUserCreated,
    EndUserView,
    HealthCheckOk,
    JobAccepted,
    JobView,
    ResultMessage,
)
from qbd_gateway_sdk.responses import fetch_response

__all__ = [
    "AuthSessionCreated", "Client", "EndUserCreated", "EndUserView", "HealthCheckOk", "JobAccepted", "JobView",
    "PollReport", "QbdGatewayError", "ResultMessage", "ResultsConsumer", "fetch_response", "message_key",
]
__version__ = "0.1.0"
