"""qbd-gateway SDK: a typed client of the REST API and a consumer of the SQS results queue."""

from qbd_gateway_sdk.client import Client
from qbd_gateway_sdk.consumer import PollReport, ResultsConsumer
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

__all__ = [
    "AuthSessionCreated", "Client", "EndUserCreated", "EndUserView", "HealthCheckOk", "JobAccepted", "JobView",
    "PollReport", "QbdGatewayError", "ResultMessage", "ResultsConsumer",
]
__version__ = "0.1.0"
