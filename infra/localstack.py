"""The local stack: the whole gateway on one machine, with an embedded AWS emulator.

``make run`` calls ``python -m infra.localstack``. In one process it

1. starts the AWS emulator (moto in server mode) on 127.0.0.1, or uses ``--aws-endpoint``
   (the tests point it at dynalite);
2. creates the table, queues and bucket of ``infra/template.json`` (the deployment's definition);
3. stores the API key (given with ``--api-key`` or generated) as a salted hash;
4. serves the Chalice app on ``http://HOST:PORT`` with Chalice's local server;
5. runs what Lambda's event sources would: an SQS poller for the ingress queue that calls the
   ``on_sqs_message`` handler (honouring partial batch failures) and the scheduled re-publisher;
6. unless ``--no-demo``, runs the demo (``infra/demo.py``);

and then serves until Ctrl-C or SIGTERM, when it stops every thread and server it started.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.provision import Outputs, provision

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA_DIR = REPO.parent / "shared" / "reference" / "qbxml"
log = logging.getLogger("qbd-gateway.localstack")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer 200 within {timeout} s")
        time.sleep(0.05)


@dataclass
class LocalStack:
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    aws_endpoint: str | None = None
    dynamodb_endpoint: str | None = None
    schema_dir: Path | None = None
    stage: str = "local"
    session_idle_seconds: int | None = None
    schedule_seconds: float = 60.0
    extra_env: dict[str, str] = field(default_factory=dict)
    outputs: Outputs | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _moto: Any = None
    _server: Any = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, name: str) -> Any:
        import boto3

        endpoint = self.dynamodb_endpoint if name == "dynamodb" and self.dynamodb_endpoint else self.aws_endpoint
        return boto3.session.Session().client(name, region_name="us-east-1", endpoint_url=endpoint)

    def start(self) -> None:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        if self.aws_endpoint is None:
            from moto.server import ThreadedMotoServer

            emulator_port = free_port(self.host)
            self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=emulator_port, verbose=False)
            self._moto.start()
            self.aws_endpoint = f"http://127.0.0.1:{emulator_port}"
        self.outputs = provision(self.stage, dynamodb=self.client("dynamodb"), sqs=self.client("sqs"),
                                 s3=self.client("s3"), kms=self.client("kms"))
        env = {
            **self.outputs.env(),
            "QBDGW_STAGE": self.stage,
            "QBDGW_AWS_ENDPOINT_URL": self.aws_endpoint,
            "QBDGW_DYNAMODB_ENDPOINT_URL": self.dynamodb_endpoint or self.aws_endpoint,
            "QBDGW_PUBLIC_URL": self.base_url.replace("127.0.0.1", "localhost")
            if self.host == "127.0.0.1" else self.base_url,
        }
        if self.schema_dir is not None:
            env["QBDGW_SCHEMA_DIR"] = str(self.schema_dir)
        if self.session_idle_seconds is not None:
            env["QBDGW_SESSION_IDLE_SECONDS"] = str(self.session_idle_seconds)
        os.environ.update({**env, **self.extra_env})

        from chalicelib import wiring

        wiring.reset()
        services = wiring.services()
        _record, self.api_key = services.auth.create("local stack", self.api_key)
        self._serve()
        self._spawn("ingress-poller", self._poll_ingress)
        self._spawn("scheduler", self._run_schedules)
        wait_for_http(f"{self.base_url}/health")

    def _serve(self) -> None:
        from chalice.cli.factory import CLIFactory
        from chalice.local import (
            ChaliceRequestHandler,
            CustomLocalChalice,
            ForbiddenError,
            LocalChalice,
            LocalDevServer,
            LocalGatewayException,
        )

        from chalicelib.api.edge import route_not_found_body

        class QuietHandler(ChaliceRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                log.debug(format, *args)

            def _send_error_response(self, error: LocalGatewayException) -> None:
                """A path no route has: the envelope, as the deployed gateway response answers it (chalice
                would answer API Gateway's 403 and repeat the caller's Authorization header)."""
                if not isinstance(error, ForbiddenError):
                    super()._send_error_response(error)
                    return
                request_id = str((error.headers or {}).get("x-amzn-RequestId") or uuid.uuid4())
                self._send_http_response(404, {"Content-Type": "application/json", "x-amzn-RequestId": request_id},
                                         route_not_found_body(request_id))

        factory = CLIFactory(project_dir=str(REPO))
        config = factory.create_config_obj(chalice_stage_name=self.stage)
        app_obj = config.chalice_app
        if not isinstance(app_obj, LocalChalice):  # what chalice.local.create_local_server does
            CustomLocalChalice.__bases__ = (LocalChalice, app_obj.__class__)
            app_obj.__class__ = CustomLocalChalice
        self._server = LocalDevServer(app_obj, config, self.host, self.port, handler_cls=QuietHandler)
        self._server.server.daemon_threads = True
        self._spawn("http", self._server.serve_forever)

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=f"qbd-gateway-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll_ingress(self) -> None:
        """What Lambda's SQS event source mapping does, with ReportBatchItemFailures."""
        import app as gateway

        assert self.outputs is not None
        sqs = self.client("sqs")
        url = self.outputs.ingress_queue_url
        while not self._stop.is_set():
            try:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                               AttributeNames=["All"]).get("Messages", [])
                if not messages:
                    continue
                event = {"Records": [{
                    "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": m.get("Attributes", {}), "messageAttributes": {},
                    "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:local", "awsRegion": "us-east-1",
                } for m in messages]}
                result = gateway.ingress(event, None) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                for m in messages:
                    if m["MessageId"] not in failed:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            except Exception:
                if not self._stop.is_set():
                    log.exception("ingress poller error")
                    time.sleep(1)

    def _run_schedules(self) -> None:
        """What EventBridge does for the ``@app.schedule`` functions (every minute when deployed)."""
        import app as gateway

        while not self._stop.wait(self.schedule_seconds):
            for scheduled in (gateway.republish_results, gateway.expire_overdue_jobs):
                try:
                    scheduled(_scheduled_event(), None)
                except Exception:
                    log.exception("scheduled function failed")

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.server.shutdown()
            self._server.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._moto is not None:
            self._moto.stop()


def _scheduled_event() -> dict[str, Any]:
    """What EventBridge hands a scheduled Lambda."""
    return {"version": "0", "id": os.urandom(8).hex(), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:000000000000:rule/local"], "detail": {}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    parser.add_argument("--api-key", default=None, help="API key to accept (default: a new one is printed)")
    parser.add_argument("--no-demo", action="store_true", help="do not run the demo sync")
    parser.add_argument("--aws-endpoint", default=None, help="use this AWS endpoint instead of starting moto")
    parser.add_argument("--dynamodb-endpoint", default=None,
                        help="use this DynamoDB endpoint (e.g. dynalite) for the table")
    parser.add_argument("--noop-wait", type=float, default=5.0, help="simulated Web Connector's NoOp pause")
    parser.add_argument("--session-idle", type=int, default=None, help="keep-alive idle limit (seconds)")
    parser.add_argument("--schedule-seconds", type=float, default=60.0,
                        help="how often the scheduled functions (sweeper, re-publisher) run (default 60)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra gateway setting, e.g. --env QBDGW_HEALTH_CHECK_BUDGET_SECONDS=5")
    parser.add_argument("--ready-file", default=None, help="write the stack's endpoints here as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=os.environ.get("QBDGW_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    schema_env = os.environ.get("QBDGW_SCHEMA_DIR")
    schema_dir = Path(schema_env) if schema_env else None
    if schema_dir is None and DEFAULT_SCHEMA_DIR.is_dir():
        schema_dir = DEFAULT_SCHEMA_DIR
    stack = LocalStack(host=args.host, port=args.port, api_key=args.api_key, aws_endpoint=args.aws_endpoint,
                       dynamodb_endpoint=args.dynamodb_endpoint, schema_dir=schema_dir,
                       session_idle_seconds=args.session_idle, schedule_seconds=args.schedule_seconds,
                       extra_env=dict(item.split("=", 1) for item in args.env))
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
    except Exception as exc:
        print(f"qbd-gateway: could not start the local stack: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    from chalicelib.wiring import services

    print(f"qbd-gateway is serving on {stack.base_url}")
    print(f"  AWS emulator      {stack.aws_endpoint}")
    print(f"  API key           {stack.api_key}")
    print(f"  SOAP endpoint     {stack.base_url}/qbwc   (WSDL: {stack.base_url}/qbwc?wsdl)")
    print(f"  {services().queue.schemas.describe()}")
    if args.ready_file:
        assert stack.outputs is not None
        ready = Path(args.ready_file)
        partial = ready.with_name(ready.name + ".partial")
        partial.write_text(json.dumps({
            "base_url": stack.base_url, "aws_endpoint": stack.aws_endpoint, "api_key": stack.api_key,
            "dynamodb_endpoint": stack.dynamodb_endpoint or stack.aws_endpoint,
            **stack.outputs.env(),
        }))
        partial.replace(ready)  # atomic: a reader never sees a half-written file
    sys.stdout.flush()
    from infra.demo import create_demo_end_user, run_demo

    try:
        user = create_demo_end_user(stack)
        if not args.no_demo:
            run_demo(stack, user, noop_wait=args.noop_wait, stopping=stopping)
    except Exception as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
    print("Serving until Ctrl-C.")
    sys.stdout.flush()
    stopping.wait()
    print("Stopping…")
    stack.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
