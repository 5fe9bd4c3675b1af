"""qbd-gateway's Chalice app: wiring only. Each handler is parse → service → render.

Routes: the Web Connector's SOAP endpoint (``/qbwc``, and the same as a Lambda Function URL:
``web_connector``), the AppSupport page, the SaaS REST API (``/v1/...``), the bookkeeper's auth-flow
pages (``/connect/{token}``), liveness (``/health``), webhook endpoints (``/v1/webhook-endpoints``),
change-feed subscriptions (``/v1/end-users/{id}/feed-subscriptions``); an SQS ingress handler; the
consumer of the webhook delivery queue (one attempt per message); a scheduled re-publisher of results
whose first publish failed (the outbox); the scheduled sweeper (leases nobody renews, pointers left
behind, in-doubt writes past their deadline, overdue jobs, gauges, and the change feed's due
catch-ups). Services are built on first use by :mod:`chalicelib.wiring`.

Cold start: importing this module loads what the Web Connector's SOAP path needs and nothing more.
The REST-only modules (the pydantic bodies, the auth flow, OpenAPI, the SQS ingress, the webhook
deliveries, the typed calls) are imported inside the handlers that use them, on their first call:
pydantic alone costs ~0.1 s, and a Lambda container that serves ``/qbwc`` never needs it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Rate, Request, Response

from chalicelib.api import function_url
from chalicelib.api.edge import JSON_BODY_TYPES, SOAP_TYPES, uniform_errors
from chalicelib.api.http import base_url, endpoint, json_object, json_response, observe_request, parse_body
from chalicelib.api.pages import support_page
from chalicelib.api.soap import handle_soap, wsdl_response
from chalicelib.jobs.results import iso
from chalicelib.observability import configure_logging, invocation
from chalicelib.wiring import flush_metrics, services

if TYPE_CHECKING:
    from chalicelib.api.authflow import AuthFlowService
    from chalicelib.api.typed import Reply, TypedCalls

app = Chalice(app_name="qbd-gateway")
configure_logging()  # JSON lines in Lambda; the local stack keeps its text lines
app.register_middleware(invocation(flush_metrics), "all")  # fresh correlation keys; metrics flushed per invocation
app.register_middleware(observe_request, "http")  # request id + one log line per request
app.register_middleware(uniform_errors, "http")  # Chalice's own 405/415 answers in the error envelope
INGRESS_QUEUE = os.environ.get("QBDGW_INGRESS_QUEUE_NAME", "qbd-gateway-jobs-in-dev.fifo")
WEBHOOK_QUEUE = os.environ.get("QBDGW_WEBHOOK_QUEUE_NAME", "qbd-gateway-webhooks-dev")


def rest(func: Any) -> Any:
    return endpoint(func, lambda: app.current_request)


def _request() -> Request:
    request = app.current_request
    if request is None:
        raise RuntimeError("no current request")
    return request


def _body() -> bytes:
    raw = _request().raw_body
    return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw or b"")


def _authorize() -> None:
    services().auth.authenticate(_request().headers.get("authorization"))


# Web Connector ------------------------------------------------------------------------------------------
@app.route("/qbwc", methods=["POST"], content_types=SOAP_TYPES)
def qbwc_soap() -> Response:
    return handle_soap(services().qbwc, _body(), _request().headers.get("soapaction"))


@app.route("/qbwc", methods=["GET"])
def qbwc_wsdl() -> Response:
    request = _request()
    url = f"{base_url(request, services().settings)}/qbwc"
    if request.query_params is not None and "wsdl" in {k.lower() for k in request.query_params}:
        return wsdl_response(url)
    text = f"qbd-gateway QuickBooks Web Connector endpoint. POST SOAP 1.1 here; WSDL: {url}?wsdl\n"
    return Response(body=text, status_code=200, headers={"Content-Type": "text/plain; charset=utf-8"})


@app.route("/support", methods=["GET"])
def support() -> Response:
    return Response(body=support_page(services().settings.app_name), status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8"})


@app.lambda_function(name="web_connector")
def web_connector(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The same endpoint as a Lambda Function URL, which the deployed .qwc files name: no API Gateway
    charge per poll (chalicelib/api/function_url.py); GET is the WSDL, or the AppSupport page."""
    return function_url.handle(event, lambda body, action: handle_soap(services().qbwc, body, action), _url_page)


def _url_page(path: str, base: str) -> Response:
    return support() if path.rstrip("/") == "/support" else wsdl_response(f"{base}/qbwc")


@app.route("/health", methods=["GET"])
@rest
def health() -> Response:
    return json_response(200, {"status": "ok", "version": services().settings.server_version})


@app.route("/v1/openapi.json", methods=["GET"])
@rest
def openapi_json() -> Response:
    """The OpenAPI 3.1 document of this API (like every /v1 route, behind the API key)."""
    from chalicelib.api.openapi import openapi_document

    _authorize()
    return json_response(200, openapi_document(app.routes))


# SaaS REST API --------------------------------------------------------------------------------------------
@app.route("/v1/end-users", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def create_end_user() -> Response:
    from chalicelib.api.bodies import CreateEndUser

    _authorize()
    body = parse_body(CreateEndUser, _body())
    key = _key()
    svc = services()
    created, new = svc.end_users.create_once(body, base_url(_request(), svc.settings), key)
    return json_response(201 if new else 200, created.model_dump(mode="json"))


@app.route("/v1/end-users", methods=["GET"])
@rest
def list_end_users() -> Response:
    _authorize()
    svc = services()
    return json_response(200, svc.end_users.list_page(_params(), base_url(_request(), svc.settings)))


@app.route("/v1/end-users/{end_user_id}", methods=["GET"])
@rest
def get_end_user(end_user_id: str) -> Response:
    _authorize()
    svc = services()
    user = svc.end_users.get(end_user_id)
    return json_response(200, svc.end_users.view(user, base_url(_request(), svc.settings)))


@app.route("/v1/end-users/{end_user_id}/qwc", methods=["GET"])
@rest
def get_qwc(end_user_id: str) -> Response:
    _authorize()
    svc = services()
    text, filename = svc.end_users.qwc(svc.end_users.get(end_user_id),
                                       base_url(_request(), svc.settings))
    return Response(body=text, status_code=200, headers={
        "Content-Type": "application/xml; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
    })


@app.route("/v1/end-users/{end_user_id}/jobs", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def enqueue_job(end_user_id: str) -> Response:
    from chalicelib.api.bodies import EnqueueJob

    _authorize()
    body = parse_body(EnqueueJob, _body())
    key = _key()
    job, created = services().queue.enqueue(end_user_id, body.qbxml, source="rest",
                                            deadline_seconds=body.deadline_seconds, idempotency_key=key,
                                            fail_if_offline=body.fail_if_offline,
                                            paging=body.paging.model_dump() if body.paging else None,
                                            render_json=body.render_json)
    return json_response(202 if created else 200, {
        "id": job.id, "end_user_id": job.end_user_id, "status": job.status.value,
        "enqueued_at": iso(job.enqueued_at),
    })


@app.route("/v1/end-users/{end_user_id}/health-check", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def health_check(end_user_id: str) -> Response:
    _authorize()
    return json_response(200, services().health.run(end_user_id))


@app.route("/v1/jobs/{job_id}", methods=["GET"])
@rest
def get_job(job_id: str) -> Response:
    _authorize()
    return json_response(200, _typed().job(job_id, _wait(prefer=False)))


# Webhooks (chalicelib.api.webhook_routes) --------------------------------------------------------------------
@app.route("/v1/webhook-endpoints", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def create_webhook_endpoint() -> Response:
    from chalicelib.api import webhook_routes
    from chalicelib.api.bodies import CreateWebhookEndpoint

    _authorize()
    return json_response(201, webhook_routes.create(services(), parse_body(CreateWebhookEndpoint, _body())))


@app.route("/v1/webhook-endpoints", methods=["GET"])
@rest
def list_webhook_endpoints() -> Response:
    from chalicelib.api import webhook_routes

    _authorize()
    endpoints = webhook_routes.webhooks_of(services()).list_endpoints()
    return json_response(200, {"endpoints": [webhook_routes.endpoint_view(e) for e in endpoints]})


@app.route("/v1/webhook-endpoints/{endpoint_id}", methods=["GET", "DELETE"])
@rest
def webhook_endpoint(endpoint_id: str) -> Response:
    from chalicelib.api import webhook_routes

    _authorize()
    webhooks = webhook_routes.webhooks_of(services())
    if _request().method == "DELETE":
        webhooks.delete_endpoint(endpoint_id)
        return Response(body="", status_code=204)
    return json_response(200, webhook_routes.endpoint_view(webhooks.get_endpoint(endpoint_id)))


@app.route("/v1/webhook-endpoints/{endpoint_id}/rotate-secret", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def rotate_webhook_secret(endpoint_id: str) -> Response:
    from chalicelib.api import webhook_routes

    _authorize()
    return json_response(200, webhook_routes.rotate(services(), endpoint_id))


@app.route("/v1/webhook-endpoints/{endpoint_id}/deliveries", methods=["GET"])
@rest
def webhook_deliveries_log(endpoint_id: str) -> Response:
    from chalicelib.api import webhook_routes

    _authorize()
    return json_response(200, webhook_routes.deliveries(services(), endpoint_id, _params()))


@app.route("/v1/webhook-deliveries/{delivery_id}/replay", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def replay_webhook_delivery(delivery_id: str) -> Response:
    from chalicelib.api import webhook_routes

    _authorize()
    return json_response(200, webhook_routes.replay(services(), delivery_id))


# The change feed (chalicelib.api.feed_routes) ---------------------------------------------------------------
@app.route("/v1/feed-types", methods=["GET"])
@rest
def list_feed_types() -> Response:
    from chalicelib.api import feed_routes

    _authorize()
    return json_response(200, feed_routes.types_view())


@app.route("/v1/end-users/{end_user_id}/feed-subscriptions", methods=["GET", "POST"],
           content_types=JSON_BODY_TYPES)
@rest
def feed_subscriptions(end_user_id: str) -> Response:
    from chalicelib.api import feed_routes
    from chalicelib.api.bodies import CreateFeedSubscription

    _authorize()
    if _request().method == "GET":
        return json_response(200, feed_routes.listing(services(), end_user_id))
    body = parse_body(CreateFeedSubscription, _body())
    return json_response(201, feed_routes.create(services(), end_user_id, body))


@app.route("/v1/end-users/{end_user_id}/feed-subscriptions/{subscription_id}", methods=["GET", "POST", "DELETE"],
           content_types=JSON_BODY_TYPES)
@rest
def feed_subscription(end_user_id: str, subscription_id: str) -> Response:
    from chalicelib.api import feed_routes
    from chalicelib.api.bodies import UpdateFeedSubscription

    _authorize()
    feed = services().feed()
    method = _request().method
    if method == "DELETE":
        feed.delete(end_user_id, subscription_id)
        return Response(body="", status_code=204)
    if method == "POST":
        body = parse_body(UpdateFeedSubscription, _body())
        return json_response(200, feed_routes.update(services(), end_user_id, subscription_id, body))
    return json_response(200, feed_routes.subscription_view(feed.get(end_user_id, subscription_id)))


# Typed resources (chalicelib.api.typed): every call a job, answered as JSON -------------------------------
@app.route("/v1/end-users/{end_user_id}/requests", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def typed_request(end_user_id: str) -> Response:
    _authorize()
    return _reply(_typed().request(end_user_id, json_object(_body()), _key(), _wait()))


@app.route("/v1/end-users/{end_user_id}/{resource}", methods=["GET", "POST"], content_types=JSON_BODY_TYPES)
@rest
def typed_collection(end_user_id: str, resource: str) -> Response:
    _authorize()
    method = _request().method
    body = json_object(_body()) if method == "POST" else None
    return _reply(_typed().collection(end_user_id, resource, method, _params(), body,
                                                                  _key(), _wait()))


@app.route("/v1/end-users/{end_user_id}/{resource}/{object_id}", methods=["GET", "POST", "DELETE"],
           content_types=JSON_BODY_TYPES)
@rest
def typed_member(end_user_id: str, resource: str, object_id: str) -> Response:
    _authorize()
    method = _request().method
    body = json_object(_body()) if method == "POST" else None
    return _reply(_typed().member(end_user_id, resource, object_id, method, _params(),
                                                              body, _key(), _wait()))


@app.route("/v1/end-users/{end_user_id}/{resource}/{object_id}/void", methods=["POST"],
           content_types=JSON_BODY_TYPES)
@rest
def typed_void(end_user_id: str, resource: str, object_id: str) -> Response:
    _authorize()
    return _reply(_typed().void(end_user_id, resource, object_id, _key(), _wait()))


def _typed() -> TypedCalls:
    """The typed calls' service; its module loads the typed models, so not at a cold start."""
    from chalicelib.api.typed import TypedCalls

    return TypedCalls.from_services(services())


def _params() -> dict[str, str]:
    return dict(_request().query_params or {})


def _key() -> str | None:
    from chalicelib.api.bodies import idempotency_key

    return idempotency_key(_request().headers.get("idempotency-key"))


def _wait(*, prefer: bool = True) -> float:
    from chalicelib.api.typed import wait_seconds

    request = _request()
    return wait_seconds(_params().get("wait"), request.headers.get("prefer") if prefer else "respond-async")


def _reply(reply: Reply) -> Response:
    return json_response(reply.status, reply.body, reply.headers)


@app.route("/v1/auth-sessions", methods=["POST"], content_types=JSON_BODY_TYPES)
@rest
def create_auth_session() -> Response:
    from chalicelib.api.authflow import CreateAuthSession

    _authorize()
    body = parse_body(CreateAuthSession, _body())
    return json_response(201, _auth_flow().create(body, base_url(_request(), services().settings)))


# Auth-flow pages (no API key: the link's token is the capability) ------------------------------------------
@app.route("/connect/{token}", methods=["GET"])
def auth_flow_page(token: str) -> Response:
    from chalicelib.api.authflow_pages import connect_response

    return connect_response(_auth_flow(), token, base_url(_request(), services().settings))


@app.route("/connect/{token}/qwc", methods=["GET"])
def auth_flow_qwc(token: str) -> Response:
    from chalicelib.api.authflow_pages import qwc_response

    return qwc_response(_auth_flow(), token, base_url(_request(), services().settings))


@app.route("/connect/{token}/status", methods=["GET"])
@rest
def auth_flow_status(token: str) -> Response:
    from chalicelib.api.authflow_pages import status_response

    return status_response(_auth_flow(), token)


def _auth_flow() -> AuthFlowService:
    """The auth flow's service; its module loads pydantic, so not at a cold start."""
    from chalicelib.api.authflow import AuthFlowService

    return AuthFlowService.from_services(services())


# Events ---------------------------------------------------------------------------------------------------
@app.on_sqs_message(queue=INGRESS_QUEUE, batch_size=10)
def ingress(event: Any) -> dict[str, Any]:
    from chalicelib.api.ingress import DeadLetters, IngressRecord, handle_batch

    svc = services()
    records = [IngressRecord(r.to_dict()["messageId"], r.body) for r in event]
    return handle_batch(records, svc.queue, DeadLetters(svc.clients["sqs"], svc.settings.ingress_dlq_url))


@app.on_sqs_message(queue=WEBHOOK_QUEUE, batch_size=10)
def webhook_deliveries(event: Any) -> dict[str, Any]:
    """One attempt per delivery queue message; the messages whose attempt raised come back as partial batch
    failures (``ReportBatchItemFailures``: infra/package.py), so that SQS hands them over again."""
    from chalicelib.api.webhook_routes import handle_deliveries

    return handle_deliveries(((r.to_dict()["messageId"], r.body) for r in event), services().webhooks)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def republish_results(event: Any) -> dict[str, int]:
    return {"published": services().queue.republish_outbox()}


@app.schedule(Rate(1, unit=Rate.MINUTES))
def expire_overdue_jobs(event: Any) -> dict[str, int]:
    svc = services()
    repaired = svc.dispatcher.sweep()  # leases nobody renews, pointers left behind, in-doubt writes past deadline
    expired = svc.dispatcher.expire_overdue()
    svc.queue.report_gauges()  # QueueDepth, OldestQueuedJobAgeSeconds, JobsInFlight, ...
    catch_ups = svc.feed().run_due()  # the change feed's due catch-ups
    return {"expired": expired, "repaired": repaired, "catch_ups": catch_ups}
