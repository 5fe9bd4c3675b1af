"""The local stack: the whole gateway on one machine, with an embedded AWS emulator.

``make run`` calls ``python -m infra.localstack``. In one process it

1. checks that the port is free (else it says which one is busy and how to pick another, and exits 1);
2. starts the AWS emulator (moto in server mode) on 127.0.0.1, on the port after the gateway's when
   that one is free (so that its URLs stay the same from run to run), or uses ``--aws-endpoint``
   (the tests point it at dynalite);
3. creates the table, queues, bucket and key of ``infra/template.json`` (the deployment's definition)
   and, with ``--data DIR``, puts back what DIR's snapshot holds (see below);
4. accepts one API key, stored as a salted hash: ``--api-key``, else ``$QBDGW_API_KEY``, else the key
   DIR remembers, else a new one;
5. serves the Chalice app on ``http://HOST:PORT`` with Chalice's local server;
6. runs what Lambda's event sources would: an SQS poller for the ingress queue that calls the
   ``on_sqs_message`` handler (honouring partial batch failures), with webhooks on (``--webhooks``)
   one for the webhook delivery queue, and the scheduled re-publisher and sweeper;
7. prints the endpoints and the ``export`` lines a client shell needs (``qbdgw``, the SDK, curl);
8. unless ``--no-demo``, runs the demo (``infra/demo.py``); with ``--no-demo`` nothing of it runs;

and then serves until Ctrl-C, SIGTERM or SIGHUP, when it stops every thread and server it started.

``--count-aws-calls FILE`` (opt-in, for the load benchmark, ``python -m bench --load``) counts every
botocore API call this process makes (:class:`AwsCallCounter`) and writes the counts to FILE as JSON
whenever the process gets SIGUSR1, and at exit.

The emulator keeps everything in memory. ``--data DIR`` keeps it across restarts
(:mod:`infra.localdata`): the table, the queues' messages, the bucket's objects and the secrets key,
saved on a clean stop and every ``--save-seconds``; ``--fresh`` starts DIR over.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import faulthandler
import json
import logging
import os
import secrets
import shlex
import signal
import socket
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.localdata import DataDir, restore_key, restore_state, save_state
from infra.provision import Outputs, provision

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA_DIR = REPO.parent / "shared" / "reference" / "qbxml"
REGION = "us-east-1"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": REGION,
                     "AWS_REGION": REGION}
"""What the emulator accepts; exported to clients so that no real AWS credentials are sent to it."""
log = logging.getLogger("qbd-gateway.localstack")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (with SO_REUSEADDR, as the servers bind)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except (OSError, OverflowError):
            return False
        return True


def next_free_port(host: str, after: int) -> int:
    return next((p for p in range(after + 1, min(after + 50, 65536)) if port_is_free(host, p)), free_port(host))


class AwsCallCounter:
    """Every botocore API call of this process, counted by ``"service:Operation"`` (``--count-aws-calls``).

    :meth:`install` wraps ``botocore.client.BaseClient._make_api_call`` once, so every client counts,
    made before or after; a retry inside botocore is one call. Each call is counted in ``calls`` and,
    by the thread that made it, in ``request`` (the HTTP server's request threads: what a Lambda
    invocation would do) or ``background`` (this stack's own threads, the queue pollers and the
    scheduler, and the main thread: provisioning). :meth:`dump` writes a snapshot atomically (a
    temporary file, renamed) with a sequence number that grows by one per dump and the time it was
    taken; SIGUSR1 asks for one. SIGUSR1 is blocked in the main thread before the stack starts any
    thread (so in every thread, which inherit the mask) and taken by a thread of its own with
    ``sigwait``: the answer does not wait for the main thread, which sleeps until the stack stops. A
    handler stays installed for a thread that does not block it (one started before); it only writes
    to a pipe that the same thread reads (a signal handler must not take the counter's lock).
    """

    BACKGROUND_PREFIX = "qbd-gateway-"

    def __init__(self, path: Path) -> None:
        from collections import Counter

        self.path = path
        self._lock = threading.Lock()
        self._dump_lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._request: Counter[str] = Counter()
        self._background: Counter[str] = Counter()
        self._seq = 0
        self._wake_r, self._wake_w = os.pipe()  # the signal handler writes a byte: no lock taken in it
        self._closed = threading.Event()

    def install(self) -> AwsCallCounter:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        if getattr(original, "_qbdgw_counted", False):
            raise RuntimeError("botocore API calls are counted already")
        counter = self

        def counted(client: Any, operation_name: str, api_params: Any) -> Any:
            counter.add(f"{client.meta.service_model.service_name}:{operation_name}")
            return original(client, operation_name, api_params)

        counted._qbdgw_counted = True  # type: ignore[attr-defined]
        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        signal.signal(signal.SIGUSR1, lambda _signum, _frame: self._wake())
        if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
            threading.Thread(target=self._dump_on_signal, name="aws-call-counter-signal", daemon=True).start()
        threading.Thread(target=self._dump_on_request, name="aws-call-counter", daemon=True).start()
        return self

    def add(self, key: str) -> None:
        thread = threading.current_thread()
        background = thread is threading.main_thread() or (
            thread.name.startswith(self.BACKGROUND_PREFIX) and not thread.name.endswith("-http"))
        with self._lock:
            self._calls[key] += 1
            (self._background if background else self._request)[key] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            return {"seq": self._seq, "pid": os.getpid(), "written_at": time.time(),
                    "calls": dict(sorted(self._calls.items())), "request": dict(sorted(self._request.items())),
                    "background": dict(sorted(self._background.items()))}

    def dump(self) -> None:
        with self._dump_lock:
            partial = self.path.with_name(self.path.name + ".partial")
            partial.write_text(json.dumps(self.snapshot(), indent=1) + "\n")
            partial.replace(self.path)  # atomic: a reader never sees a half-written file

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"!")

    def _dump_on_signal(self) -> None:
        while not self._closed.is_set():
            signal.sigwait({signal.SIGUSR1})
            self._wake()

    def _dump_on_request(self) -> None:
        while True:
            try:
                os.read(self._wake_r, 512)  # every request written so far: one dump answers them all
            except OSError:
                return
            if self._closed.is_set():
                return
            try:
                self.dump()
            except OSError:
                log.exception("could not write the AWS call counts to %s", self.path)

    def close(self) -> None:
        """The final dump (at exit); later SIGUSR1s are ignored."""
        self._closed.set()
        self._wake()
        self.dump()


SqsHandler = Callable[[dict[str, Any], Any], Any]
"""An ``on_sqs_message`` function of the app, called as Lambda calls it: ``(event, context)``."""


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source hands a function for ``messages`` (as ReceiveMessage gives them)."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {},
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:local", "awsRegion": REGION,
    } for m in messages]}


def poll_once(sqs: Any, url: str, handler: SqsHandler, *, wait_seconds: int = 1) -> int:
    """One turn of Lambda's SQS event source mapping, with ReportBatchItemFailures: receive up to 10 messages
    (a delayed one only once its delay is over: the emulator delays as SQS does), hand them to ``handler`` as
    one event, and delete those it did not report as failed; those come back after the visibility timeout,
    and to the dead-letter queue after the redrive policy's receives. Returns how many were handed over."""
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds,
                                   AttributeNames=["All"]).get("Messages", [])
    if not messages:
        return 0
    result = handler(sqs_event(messages), None) or {}
    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
    for m in messages:
        if m["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return len(messages)


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
    emulator_port: int | None = None
    listen_backlog: int | None = None
    """The HTTP server's listen backlog (None: ``socketserver``'s 5; ``--listen-backlog``)."""
    """The embedded emulator's port when free (None or 0: any free port)."""
    data: DataDir | None = None
    save_seconds: float = 30.0
    webhooks: bool = False
    """``--webhooks``: ``QBDGW_WEBHOOKS=on``, and the delivery queue's poller runs."""
    outputs: Outputs | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _save_lock: threading.Lock = field(default_factory=threading.Lock)
    _moto: Any = None
    _server: Any = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def client_url(self) -> str:
        """The URL a client on this machine uses (a wildcard address is not one to connect to)."""
        return f"http://127.0.0.1:{self.port}" if self.host in ("0.0.0.0", "::", "") else self.base_url  # noqa: S104

    def client(self, name: str) -> Any:
        import boto3

        endpoint = self.dynamodb_endpoint if name == "dynamodb" and self.dynamodb_endpoint else self.aws_endpoint
        return boto3.session.Session().client(name, region_name=REGION, endpoint_url=endpoint)

    def start(self) -> None:
        for name, value in DUMMY_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        if self.aws_endpoint is None:
            from moto.server import ThreadedMotoServer

            wanted = self.emulator_port
            emulator_port = wanted if wanted and port_is_free("127.0.0.1", wanted) else free_port()
            if wanted and emulator_port != wanted:
                print(f"qbd-gateway: port {wanted} is busy; the AWS emulator uses {emulator_port}", file=sys.stderr)
            self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=emulator_port, verbose=False)
            self._moto.start()
            self.aws_endpoint = f"http://127.0.0.1:{emulator_port}"
        state = self.data.read_state() if self.data is not None else None
        if state is not None and state.get("kms"):
            restore_key(self.client("kms"), state["kms"])  # before provisioning, which finds it by its alias
        self.outputs = provision(self.stage, dynamodb=self.client("dynamodb"), sqs=self.client("sqs"),
                                 s3=self.client("s3"), kms=self.client("kms"))
        if state is not None:
            restore_state(state, self.outputs, self.client)
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
        env["QBDGW_SECRET_PEPPERS"] = self._pepper()
        if self.webhooks:
            env["QBDGW_WEBHOOKS"] = "on"  # the local stage may name http://127.0.0.1… receivers
        os.environ.update({**env, **self.extra_env})

        from chalicelib import wiring

        wiring.reset()
        self.api_key = _accept_key(wiring.services(), self.api_key)
        if self.data is not None:
            self.data.write("api-key", self.api_key + "\n")
        self._serve()
        self._spawn("ingress-poller", self._poll_ingress)
        if wiring.services().settings.webhooks:  # --webhooks, or --env QBDGW_WEBHOOKS=on
            self._spawn("webhook-poller", self._poll_deliveries)
        self._spawn("scheduler", self._run_schedules)
        if self.data is not None:
            self._spawn("checkpoint", self._checkpoint)
        wait_for_http(f"{self.base_url}/health")

    def exports(self) -> dict[str, str]:
        """What a client's shell needs to reach this stack: ``qbdgw``, the SDK, boto3 — also a client made
        without an endpoint (the SDK's default S3 client, a SaaS's own consumer): ``AWS_ENDPOINT_URL`` (and
        ``AWS_ENDPOINT_URL_DYNAMODB`` for a table elsewhere), which boto3 reads itself."""
        assert self.outputs is not None and self.aws_endpoint is not None and self.api_key is not None
        env = {"QBDGW_URL": self.client_url, "QBDGW_API_KEY": self.api_key,
               "QBDGW_RESULTS_QUEUE_URL": self.outputs.results_queue_url, "QBDGW_TABLE": self.outputs.table_name,
               "QBDGW_AWS_ENDPOINT_URL": self.aws_endpoint, "AWS_ENDPOINT_URL": self.aws_endpoint}
        if self.dynamodb_endpoint and self.dynamodb_endpoint != self.aws_endpoint:
            env["QBDGW_DYNAMODB_ENDPOINT_URL"] = self.dynamodb_endpoint
            env["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamodb_endpoint
        return {**env, **DUMMY_CREDENTIALS}

    def _pepper(self) -> str:
        """The keyed hash's pepper: the environment's, else the one --data DIR keeps, else a new one (a
        fresh stack hashes its fresh passwords with it; a kept table needs the pepper it was hashed with)."""
        given = os.environ.get("QBDGW_SECRET_PEPPERS", "").strip() or (
            (self.data.read("secret-pepper") or "").strip() if self.data is not None else "")
        pepper = given or secrets.token_urlsafe(32)
        if self.data is not None and not given:
            self.data.write("secret-pepper", pepper + "\n")
        return pepper

    def _serve(self) -> None:
        from chalice.cli.factory import CLIFactory
        from chalice.local import (
            ChaliceRequestHandler,
            CustomLocalChalice,
            ForbiddenError,
            LocalChalice,
            LocalDevServer,
            LocalGatewayException,
            ThreadedHTTPServer,
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
        server_cls: Any = ThreadedHTTPServer
        if self.listen_backlog:  # socketserver listens with a backlog of 5: many clients at once overflow it
            server_cls = type("BackloggedHTTPServer", (ThreadedHTTPServer,),
                              {"request_queue_size": self.listen_backlog})
        self._server = LocalDevServer(app_obj, config, self.host, self.port, handler_cls=QuietHandler,
                                      server_cls=server_cls)
        self._server.server.daemon_threads = True
        self._spawn("http", self._server.serve_forever)

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=f"qbd-gateway-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll_ingress(self) -> None:
        """The ingress queue's event source: jobs-in to the ``ingress`` function."""
        import app as gateway

        assert self.outputs is not None
        self._poll("ingress", self.outputs.ingress_queue_url, gateway.ingress)

    def _poll_deliveries(self) -> None:
        """The webhook delivery queue's event source: one attempt per message, to ``webhook_deliveries``. An
        attempt that must wait (a receiver's backoff) is a delayed message, received once it is due."""
        import app as gateway

        assert self.outputs is not None
        self._poll("webhook delivery", self.outputs.webhook_queue_url, gateway.webhook_deliveries)

    def _poll(self, what: str, url: str, handler: SqsHandler) -> None:
        """What Lambda's SQS event source mapping does (:func:`poll_once`), until the stack stops."""
        sqs = self.client("sqs")
        while not self._stop.is_set():
            try:
                poll_once(sqs, url, handler)
            except Exception:
                if not self._stop.is_set():
                    log.exception("%s poller error", what)
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

    def _checkpoint(self) -> None:
        while not self._stop.wait(self.save_seconds):
            try:
                self.save()
            except Exception:
                log.exception("saving the local stack's state failed")

    # -- --data: snapshot and restore (infra.localdata) --------------------------------------------

    def save(self) -> str:
        """Write the snapshot to ``DIR/state.json`` and say what it holds."""
        assert self.data is not None and self.outputs is not None
        with self._save_lock:
            return save_state(self.data, self.outputs, self.client)

    def stop(self) -> str | None:
        """Stop everything; with ``--data``, save first (the gateway's threads stopped: a consistent snapshot)."""
        self._stop.set()
        if self._server is not None:
            self._server.server.shutdown()
            self._server.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        saved = None
        if self.data is not None and self.outputs is not None:
            try:
                saved = self.save()
            except Exception as exc:
                print(f"qbd-gateway: could not save the state to {self.data.path}: {exc}", file=sys.stderr)
        if self._moto is not None:
            self._moto.stop()
        return saved


def _accept_key(services: Any, key: str | None) -> str:
    """Store ``key`` (or a new one) as an API key; a key the table holds already (a restart) is kept."""
    from chalicelib.jobs.security import api_key_lookup

    if key and any(services.auth.hasher.verify(key, stored.secret_hash) and stored.revoked_at is None
                   for stored in services.store.find_api_keys(api_key_lookup(key))):
        return key
    _record, clear = services.auth.create("local stack", key)
    return str(clear)


def _scheduled_event() -> dict[str, Any]:
    """What EventBridge hands a scheduled Lambda."""
    return {"version": "0", "id": os.urandom(8).hex(), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": REGION, "resources": ["arn:aws:events:us-east-1:000000000000:rule/local"], "detail": {}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    parser.add_argument("--api-key", default=None,
                        help="API key to accept (default: $QBDGW_API_KEY, else the one --data DIR remembers, "
                             "else a new one); it is printed")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help="keep end-users, jobs, results and queued messages in DIR across restarts "
                             "(saved on Ctrl-C/SIGTERM and every --save-seconds), e.g. var/local-data")
    parser.add_argument("--fresh", action="store_true", help="with --data: forget what DIR holds, start empty")
    parser.add_argument("--save-seconds", type=float, default=30.0,
                        help="with --data: also save this often, so a crash loses at most that much (default 30)")
    parser.add_argument("--no-demo", action="store_true", help="no demo at all: no demo end-user, no .qwc, no sync")
    parser.add_argument("--demo-dir", type=Path, default=None,
                        help="where the demo writes its .qwc (default var/demo)")
    parser.add_argument("--aws-endpoint", default=None, help="use this AWS endpoint instead of starting moto")
    parser.add_argument("--dynamodb-endpoint", default=None,
                        help="use this DynamoDB endpoint (e.g. dynalite) for the table")
    parser.add_argument("--emulator-port", type=int, default=None,
                        help="port of the embedded AWS emulator (default: --port + 1 when free; 0: any free port)")
    parser.add_argument("--noop-wait", type=float, default=5.0, help="simulated Web Connector's NoOp pause")
    parser.add_argument("--session-idle", type=int, default=None, help="keep-alive idle limit (seconds)")
    parser.add_argument("--schedule-seconds", type=float, default=60.0,
                        help="how often the scheduled functions (sweeper, re-publisher) run (default 60)")
    parser.add_argument("--webhooks", action="store_true",
                        help="turn webhooks on (QBDGW_WEBHOOKS=on): endpoints, including http://127.0.0.1… "
                             "receivers, get every result, attempted from the delivery queue")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra gateway setting, e.g. --env QBDGW_HEALTH_CHECK_BUDGET_SECONDS=5")
    parser.add_argument("--ready-file", default=None, help="write the stack's endpoints here as JSON")
    parser.add_argument("--listen-backlog", type=int, default=None, metavar="N",
                        help="the HTTP server's listen backlog (default: socketserver's 5); raise it when many "
                             "clients connect at once (the load benchmark)")
    parser.add_argument("--count-aws-calls", type=Path, default=None, metavar="FILE",
                        help="count every AWS API call this process makes and write the counts to FILE as JSON "
                             "on SIGUSR1 and at exit (for the load benchmark)")
    args = parser.parse_args(argv)
    if args.data is not None and (args.aws_endpoint or args.dynamodb_endpoint):
        parser.error("--data keeps the embedded emulator's state; it cannot be combined with --aws-endpoint or "
                     "--dynamodb-endpoint")
    if args.fresh and args.data is None:
        parser.error("--fresh needs --data DIR")
    return args


def _busy_port_message(host: str, port: int, argv: list[str]) -> str:
    kept, skip = [], False
    for arg in argv:
        if skip or arg == "--port" or arg.startswith("--port="):
            skip = arg == "--port"
            continue
        kept.append(arg)
    suggestion = shlex.join([*kept, "--port", str(next_free_port(host, port))])
    return (f"qbd-gateway: port {port} on {host} is already in use (another `make run`, or another server).\n"
            f"Stop it, or choose another port: make run ARGS=\"{suggestion}\"")


def _print_banner(stack: LocalStack, data: DataDir | None) -> None:
    from chalicelib.wiring import services

    print(f"qbd-gateway is serving on {stack.base_url}")
    print(f"  AWS emulator      {stack.aws_endpoint}")
    print(f"  API key           {stack.api_key}")
    print(f"  SOAP endpoint     {stack.base_url}/qbwc   (WSDL: {stack.base_url}/qbwc?wsdl)")
    print(f"  webhooks          {'on' if services().settings.webhooks else 'off (--webhooks turns them on)'}")
    print(f"  state             {f'kept in {data.path} (--fresh starts over)' if data else 'in memory, gone on exit'}")
    print(f"  {services().queue.schemas.describe()}")
    print("\nFor qbdgw, the SDK or boto3 in another shell, paste:")
    exports = stack.exports()
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    if "QBDGW_DYNAMODB_ENDPOINT_URL" not in exports:
        print("unset QBDGW_DYNAMODB_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB")
    venv_bin = Path(sys.prefix) / "bin"
    if (venv_bin / "qbdgw").exists():
        print(f"export PATH={shlex.quote(str(venv_bin))}:\"$PATH\"   # qbdgw")
    print("then e.g.: qbdgw end-users list; qbdgw results tail --follow --delete\n")


def main(argv: list[str] | None = None) -> int:
    raw_argv = sys.argv[1:] if argv is None else argv
    args = parse_args(raw_argv)
    logging.basicConfig(level=os.environ.get("QBDGW_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if not port_is_free(args.host, args.port):
        print(_busy_port_message(args.host, args.port, raw_argv), file=sys.stderr)
        return 1
    try:
        data = DataDir(args.data, fresh=args.fresh) if args.data is not None else None
    except (OSError, RuntimeError) as exc:
        print(f"qbd-gateway: {exc}", file=sys.stderr)
        return 1
    schema_env = os.environ.get("QBDGW_SCHEMA_DIR")
    schema_dir = Path(schema_env) if schema_env else None
    if schema_dir is None and DEFAULT_SCHEMA_DIR.is_dir():
        schema_dir = DEFAULT_SCHEMA_DIR
    api_key = args.api_key or os.environ.get("QBDGW_API_KEY", "").strip() or (data.read("api-key") if data else None)
    stack = LocalStack(host=args.host, port=args.port, api_key=api_key, aws_endpoint=args.aws_endpoint,
                       dynamodb_endpoint=args.dynamodb_endpoint, schema_dir=schema_dir,
                       session_idle_seconds=args.session_idle, schedule_seconds=args.schedule_seconds,
                       extra_env=dict(item.split("=", 1) for item in args.env), listen_backlog=args.listen_backlog,
                       emulator_port=args.port + 1 if args.emulator_port is None else args.emulator_port,
                       data=data, save_seconds=args.save_seconds, webhooks=args.webhooks)
    counter = AwsCallCounter(args.count_aws_calls).install() if args.count_aws_calls else None
    if counter is not None:
        atexit.register(counter.close)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):  # no SIGHUP on Windows
        if signum is not None:
            signal.signal(signum, on_signal)
    if hasattr(signal, "SIGUSR2"):  # `kill -USR2 PID`: every thread's stack on stderr (a stack that will not stop)
        faulthandler.register(signal.SIGUSR2, all_threads=True)
    try:
        stack.start()
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            print(_busy_port_message(args.host, args.port, raw_argv), file=sys.stderr)
        else:
            print(f"qbd-gateway: could not start the local stack: {exc}", file=sys.stderr)
        stack.data = None  # nothing was restored: do not overwrite the snapshot with an empty stack
        stack.stop()
        return 1
    _print_banner(stack, data)
    sys.stdout.flush()
    if args.ready_file:
        assert stack.outputs is not None
        ready = Path(args.ready_file)
        partial = ready.with_name(ready.name + ".partial")
        partial.write_text(json.dumps({
            "base_url": stack.base_url, "aws_endpoint": stack.aws_endpoint, "api_key": stack.api_key,
            "dynamodb_endpoint": stack.dynamodb_endpoint or stack.aws_endpoint,
            **stack.outputs.env(), "exports": stack.exports(),
        }))
        partial.replace(ready)  # atomic: a reader never sees a half-written file
    if not args.no_demo:
        from infra.demo import DEMO_DIR, run_demo

        try:
            run_demo(stack, qwc_dir=args.demo_dir or DEMO_DIR, data_dir=data.path if data else None,
                     noop_wait=args.noop_wait, stopping=stopping)
        except Exception as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
    print("Serving until Ctrl-C.")
    sys.stdout.flush()
    # In slices, not one wait: the kernel may hand the SIGINT to any thread, and then nothing wakes a main
    # thread blocked on a lock; Python runs the handler only when the main thread next looks.
    while not stopping.wait(0.25):
        pass
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone: still save and stop
        print("Stopping…", flush=True)
    saved = stack.stop()
    if data is not None:
        data.close()
    with contextlib.suppress(OSError):
        if saved and data is not None:
            print(f"Saved {saved} to {data.path / 'state.json'}.")
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
