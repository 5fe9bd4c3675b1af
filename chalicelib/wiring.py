"""Builds the gateway's object graph from :class:`~chalicelib.config.Settings`, once per process.

Nothing talks to AWS at import time: :func:`services` builds boto3 clients, adapters and services on
first use (the first request of a Lambda container) and caches them. Only the DynamoDB client is made
there: the Web Connector's first calls need nothing else, and every other client (SQS, S3, KMS) is
made on its first use (:class:`LazyClient`), since each costs botocore's loading of its service model.
Tests build their own :class:`Services` with :func:`build` and injected clients or stores. One
:class:`Metrics` (by default the process's EMF metrics, :func:`chalicelib.observability.default_metrics`)
is handed to every service.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.api.auth import ApiKeyAuthenticator
from chalicelib.api.endusers import EndUserService
from chalicelib.config import Settings
from chalicelib.delivery.kms import KmsSecretBox
from chalicelib.delivery.s3 import S3PayloadStore
from chalicelib.delivery.sqs import SqsResultPublisher
from chalicelib.feed.publisher import FeedPublisher, LazyFeed
from chalicelib.jobs.dispatch import Dispatcher
from chalicelib.jobs.health import HealthCheck
from chalicelib.jobs.ports import Clock, PayloadStore, ResultPublisher, SecretBox, Store, utc_now
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.security import SCRYPT_ONLY, LoginPolicy, SecretHasher
from chalicelib.observability import Metrics, default_metrics
from chalicelib.qbwc.longpoll import LongPoll
from chalicelib.qbwc.service import QbwcService
from chalicelib.qbxml import SchemaCatalog
from chalicelib.store.dynamodb import DynamoStore

if TYPE_CHECKING:  # webhooks load only where they are on (ssl and http.client are not on the SOAP path)
    from chalicelib.delivery.webhook_models import WebhookStore
    from chalicelib.delivery.webhooks import DeliveryQueue, WebhookService
    from chalicelib.feed.models import FeedStore
    from chalicelib.feed.service import FeedService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    queue: JobQueue
    dispatcher: Dispatcher
    qbwc: QbwcService
    end_users: EndUserService
    health: HealthCheck
    auth: ApiKeyAuthenticator
    clients: dict[str, Any]
    metrics: Metrics
    feed: LazyFeed  # the change feed's service, made on first use
    secrets: SecretBox | None = None  # None: no key configured (auth links cannot be created)
    hasher: SecretHasher = SCRYPT_ONLY  # how secrets are stored (scrypt only without a pepper)
    webhooks: WebhookService | None = None  # None: QBDGW_WEBHOOKS is off


_SESSION: Any = None
_SESSION_LOCK = threading.Lock()


def aws_client(name: str, settings: Settings) -> Any:
    """A client, as boto3 makes it (:func:`aws_session`), from the process's one shared session: every
    session loads its own copy of botocore's service models (~10 MB and a few ms a client); a lock,
    because making clients from one session is not thread-safe (the clients themselves are)."""
    global _SESSION
    endpoint = settings.dynamodb_endpoint_url if name == "dynamodb" else settings.aws_endpoint_url
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = aws_session()
        return _SESSION.create_client(name, region_name=settings.region, endpoint_url=endpoint)


def aws_session() -> Any:
    """What ``boto3.session.Session()`` makes its clients with, without importing boto3.

    ``import boto3`` loads s3transfer (boto3's S3 transfer manager, never used here: ~80 ms of a cold
    start). Its ``Session`` is botocore's session plus boto3's User-Agent, and for clients nothing
    else the gateway uses (its other additions are resources and S3's ``upload_file``-style helpers);
    this is the same session, sending the same ``User-Agent`` header as boto3's clients.
    """
    import botocore.session

    session = botocore.session.get_session()
    if session.user_agent_name == "Botocore":  # as boto3.session.Session.__init__ does
        botocore_info, extra = f"Botocore/{session.user_agent_version}", session.user_agent_extra
        session.user_agent_extra = f"{extra} {botocore_info}" if extra else botocore_info
        session.user_agent_name = "Boto3"
        session.user_agent_version = _boto3_version(session.user_agent_version)
    return session


def _boto3_version(botocore_version: str) -> str:
    from importlib import metadata

    try:
        return metadata.version("boto3")
    except metadata.PackageNotFoundError:  # no distribution metadata: boto3 is released with botocore's version
        return botocore_version


class LazyClient:
    """A client made on its first use (any attribute): the services hold it from the start, and a cold
    start that never sends to SQS or S3 never pays for loading those service models."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make()
        return self._client

    def __getattr__(self, name: str) -> Any:
        if name in ("_make", "_client", "_lock"):  # not set yet (a copy, say): no recursion
            raise AttributeError(name)
        return getattr(self.client, name)


def _resolve_queue_urls(settings: Settings, sqs: Any) -> Settings:
    """Deployed stages name their queues; look the URLs up once per container when not given."""
    changes = {}
    if not settings.results_queue_url and settings.results_queue_name:
        changes["results_queue_url"] = sqs.get_queue_url(QueueName=settings.results_queue_name)["QueueUrl"]
    if not settings.ingress_dlq_url and settings.ingress_dlq_name:
        changes["ingress_dlq_url"] = sqs.get_queue_url(QueueName=settings.ingress_dlq_name)["QueueUrl"]
    if settings.webhooks and not settings.webhook_queue_url and settings.webhook_queue_name:
        changes["webhook_queue_url"] = sqs.get_queue_url(QueueName=settings.webhook_queue_name)["QueueUrl"]
    return dataclasses.replace(settings, **changes) if changes else settings


def _dynamodb(clients: dict[str, Any], settings: Settings) -> Any:
    """The one DynamoDB client of the services (the job store's, the webhooks', the feed's), made once."""
    if "dynamodb" not in clients:
        clients["dynamodb"] = aws_client("dynamodb", settings)
    return clients["dynamodb"]


def build(
    settings: Settings,
    *,
    store: Store | None = None,
    publisher: ResultPublisher | None = None,
    clock: Clock = utc_now,
    clients: dict[str, Any] | None = None,
    metrics: Metrics | None = None,
    payloads: PayloadStore | None = None,
    secrets: SecretBox | None = None,
    webhook_store: WebhookStore | None = None,
    delivery_queue: DeliveryQueue | None = None,
    feed_store: FeedStore | None = None,
) -> Services:
    clients = dict(clients or {})
    metrics = metrics if metrics is not None else default_metrics()
    if store is None:
        store = DynamoStore(_dynamodb(clients, settings), settings.table_name,
                            retention_seconds=settings.result_retention_days * 86400,
                            transactions=None if settings.dynamodb_transactions else False)
    if "sqs" not in clients:  # a client only when none was given, and made on first use
        clients["sqs"] = LazyClient(lambda: aws_client("sqs", settings))
    settings = _resolve_queue_urls(settings, clients["sqs"])
    if publisher is None:
        publisher = SqsResultPublisher(clients["sqs"], settings.results_queue_url)
    if payloads is None and settings.payload_bucket:
        if "s3" not in clients:  # S3's model is botocore's largest (~0.1 s): only large answers need it
            clients["s3"] = LazyClient(lambda: aws_client("s3", settings))
        payloads = S3PayloadStore(clients["s3"], settings.payload_bucket)
    if secrets is None and settings.secrets_key_id:
        secrets = KmsSecretBox(lambda: clients.get("kms") or clients.setdefault("kms", aws_client("kms", settings)),
                               settings.secrets_key_id)
    hasher = SecretHasher.from_text(settings.secret_peppers)
    webhooks = None
    if settings.webhooks:
        from chalicelib.delivery.webhooks import WebhookPublisher

        webhooks = _webhooks(settings, clock, clients, metrics, payloads, secrets, webhook_store, delivery_queue)
        publisher = WebhookPublisher(publisher, webhooks)
    schemas = SchemaCatalog(settings.schema_dir)
    (log.info if schemas.enabled else log.warning)(schemas.describe())
    queue = JobQueue(store, publisher, schemas, clock,
                     lease_ttl=timedelta(seconds=settings.lease_ttl_seconds),
                     max_job_bytes=settings.max_job_bytes,
                     default_deadline=timedelta(seconds=settings.default_deadline_seconds),
                     offline_grace=timedelta(seconds=settings.offline_grace_seconds),
                     metrics=metrics,
                     payloads=payloads,
                     inline_result_bytes=settings.inline_result_max_bytes,
                     max_read_attempts=settings.max_read_attempts,
                     unpaged_max_returned=settings.unpaged_max_returned)
    feed = LazyFeed(lambda: _feed(settings, clock, clients, metrics, queue, feed_store))
    queue.publisher = FeedPublisher(publisher, feed, payloads)  # a catch-up's results become change events
    dispatcher = Dispatcher(store, queue, clock, lease_ttl=timedelta(seconds=settings.lease_ttl_seconds),
                            stale_after=timedelta(seconds=settings.session_stale_seconds))
    qbwc = QbwcService(store, queue, clock,
                       server_version=settings.server_version,
                       min_client_version=settings.min_client_version,
                       session_idle=timedelta(seconds=settings.session_idle_seconds),
                       metrics=metrics, dispatcher=dispatcher,
                       login_policy=LoginPolicy(report_after=settings.login_report_after,
                                                slow_after=settings.login_slow_after,
                                                lockout_after=settings.login_lockout_after,
                                                lockout=timedelta(seconds=settings.login_lockout_seconds)),
                       hasher=hasher,
                       long_poll=LongPoll.of_seconds(settings.long_poll_seconds,
                                                     stale_after=timedelta(seconds=settings.session_stale_seconds)))
    return Services(
        settings=settings,
        store=store,
        queue=queue,
        dispatcher=dispatcher,
        qbwc=qbwc,
        end_users=EndUserService(store, settings, clock, hasher, secrets),
        health=HealthCheck(store, queue, clock, budget=timedelta(seconds=settings.health_check_budget_seconds),
                           offline_grace=timedelta(seconds=settings.offline_grace_seconds), metrics=metrics),
        auth=ApiKeyAuthenticator(store, clock, cache_seconds=settings.auth_cache_seconds, metrics=metrics,
                                 hasher=hasher),
        clients=clients,
        metrics=metrics,
        secrets=secrets,
        hasher=hasher,
        webhooks=webhooks,
        feed=feed,
    )


def _feed(settings: Settings, clock: Clock, clients: dict[str, Any], metrics: Metrics, queue: JobQueue,
          store: FeedStore | None) -> FeedService:
    """The change feed's service: its subscriptions in the table (the memory twin beside a memory store)."""
    from chalicelib.feed.service import FeedService

    if store is None:
        if isinstance(queue.store, DynamoStore):
            from chalicelib.store.dynamo_feed import DynamoFeedStore

            store = DynamoFeedStore(_dynamodb(clients, settings), settings.table_name)
        else:
            from chalicelib.store.memory_feed import MemoryFeedStore

            store = MemoryFeedStore()
    return FeedService(store, queue, clock, overlap=timedelta(seconds=settings.feed_overlap_seconds),
                       page_size=settings.feed_page_size, metrics=metrics)


def _webhooks(settings: Settings, clock: Clock, clients: dict[str, Any], metrics: Metrics,
              payloads: PayloadStore | None, secrets: SecretBox | None, store: WebhookStore | None,
              queue: DeliveryQueue | None) -> WebhookService:
    """The webhook service: its endpoints and deliveries in the table, attempts on the delivery queue."""
    from chalicelib.delivery.sqs import SqsDeliveryQueue
    from chalicelib.delivery.webhooks import WebhookService
    from chalicelib.store.dynamo_webhooks import DynamoWebhookStore

    if secrets is None:
        raise ValueError("webhooks need the secrets key (QBDGW_SECRETS_KEY_ID): endpoint secrets are kept sealed")
    if store is None:
        store = DynamoWebhookStore(_dynamodb(clients, settings), settings.table_name,
                                   retention_seconds=settings.result_retention_days * 86400)
    if queue is None:
        if not settings.webhook_queue_url:
            raise ValueError("webhooks need their delivery queue (QBDGW_WEBHOOK_QUEUE_URL or _NAME)")
        queue = SqsDeliveryQueue(clients["sqs"], settings.webhook_queue_url)
    return WebhookService(store, secrets, clock, queue, local=settings.stage == "local", payloads=payloads,
                          metrics=metrics)


_lock = threading.Lock()
_services: Services | None = None


def services() -> Services:
    global _services
    with _lock:
        if _services is None:
            _services = build(Settings.from_env())
        return _services


def flush_metrics() -> None:
    """Write the metrics the current graph collected (after every invocation; see ``app.py``)."""
    with _lock:
        current = _services
    if current is not None:
        current.metrics.flush()


def reset(new: Services | None = None) -> None:
    """Replace the cached graph (tests, and the local stack after it set the environment)."""
    global _services
    with _lock:
        _services = new
