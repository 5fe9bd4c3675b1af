"""The AWS emulator in a process of its own, and a gateway process pointed at it (``--aws-endpoint``).

The large sync (:mod:`bench.sync`) measures the gateway's memory. The local stack started without
``--aws-endpoint`` embeds moto (a ``ThreadedMotoServer`` thread) in the gateway's process, and moto
keeps the table, the queues and every page offloaded to the payload bucket in that process's memory,
besides its own imports. Deployed, the gateway is a Lambda function and the data lives in AWS, so
this module separates the two:

* :class:`EmulatorProcess` — ``python -m bench.emulator --port P``: the moto application the local
  stack would embed, alone in a subprocess on 127.0.0.1, ready when SQS answers, stopped with SIGTERM.
  It is served by waitress rather than ``ThreadedMotoServer``'s werkzeug server, which closes the
  connection after every response: AWS's endpoints keep connections alive, and a client that opens a
  socket per request spends CPU a function does not (the cost model, :func:`bench.cost.measure_on_sdk`,
  measures the SDK's CPU on this process);
* :func:`start_gateway` — the gateway exactly as :meth:`tests.support.stack.GatewayProcess.start`
  starts it (``python -m infra.localstack --no-demo``, the same ready-file protocol and environment),
  plus ``--aws-endpoint`` (the local stack then starts no moto of its own and provisions the table,
  queues and bucket on the given endpoint). It returns a :class:`GatewayProcess`, whose ``client()``
  then talks to the emulator process.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.stack import GatewayProcess

# The subprocess (``main``) imports only moto: the gateway's and the tests' modules are imported lazily,
# by the bench's side, so the emulator process holds what an embedded moto would hold and nothing else.
START_SECONDS = 60.0


class EmulatorProcess:
    """moto in a subprocess on 127.0.0.1 (a free port), on kept-alive connections."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    def start(cls) -> EmulatorProcess:
        from infra.localstack import free_port
        from tests.support.paths import REPO_DIR
        from tests.support.stack import aws_client

        port = free_port()
        tmp = Path(tempfile.mkdtemp(prefix="qbdgw-moto-"))
        log_path = tmp / "emulator.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen([sys.executable, "-m", "bench.emulator", "--port", str(port)], cwd=REPO_DIR,
                                       env=dict(os.environ), stdout=log_file, stderr=subprocess.STDOUT)
        emulator = cls(process, port, log_path)
        sqs = aws_client("sqs", emulator.endpoint)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                sqs.list_queues()
                return emulator
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    emulator.stop()
                    raise RuntimeError(f"the AWS emulator did not start:\n{log_path.read_text()[-4000:]}") from None
                time.sleep(0.1)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return -9
        return int(self.process.returncode)


def start_gateway(aws_endpoint: str, *, session_idle: int, schedule_seconds: float) -> GatewayProcess:
    """:meth:`GatewayProcess.start` with ``--aws-endpoint``: no moto inside the gateway's process."""
    from infra.localstack import free_port, wait_for_http
    from tests.support.paths import REPO_DIR, SCHEMA_DIR
    from tests.support.stack import GatewayProcess

    port = free_port()
    api_key = "test-api-key-" + os.urandom(8).hex()
    tmp = Path(tempfile.mkdtemp(prefix="qbdgw-"))
    ready = tmp / "ready.json"
    log_path = tmp / "gateway.log"
    args = [sys.executable, "-m", "infra.localstack", "--no-demo", "--port", str(port),
            "--api-key", api_key, "--ready-file", str(ready), "--session-idle", str(session_idle),
            "--schedule-seconds", str(schedule_seconds), "--aws-endpoint", aws_endpoint]
    env = {**os.environ, "QBDGW_SCHEMA_DIR": str(SCHEMA_DIR), "QBDGW_LOG_LEVEL": "INFO"}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(args, cwd=REPO_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"gateway did not start:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.1)
    info = json.loads(ready.read_text())  # written atomically by the local stack (rename)
    wait_for_http(f"{info['base_url']}/health")
    if info["aws_endpoint"] != aws_endpoint:
        process.kill()
        raise RuntimeError(f"the gateway uses {info['aws_endpoint']}, not the emulator at {aws_endpoint}")
    return GatewayProcess(base_url=info["base_url"], api_key=api_key, aws_endpoint=info["aws_endpoint"],
                          dynamodb_endpoint=info["dynamodb_endpoint"], env=info, process=process, log_path=log_path)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.emulator --port P``: serve moto on 127.0.0.1:P until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench.emulator", description=main.__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from waitress.server import create_server

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    # moto's application as the local stack embeds it, served by waitress: it keeps HTTP/1.1 connections
    # alive as AWS's endpoints do (werkzeug's server, under ThreadedMotoServer, closes every one)
    server = create_server(DomainDispatcherApplication(create_backend_app), host="127.0.0.1", port=args.port,
                           threads=8, channel_timeout=300, ident="moto")
    threading.Thread(target=server.run, name="emulator", daemon=True).start()
    print(f"moto serving on http://127.0.0.1:{args.port}", flush=True)
    stopping.wait()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
