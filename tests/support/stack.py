"""Real servers on 127.0.0.1 for functional and end-to-end tests.

* :func:`start_moto` — the AWS emulator (moto in server mode) in a thread of the test process;
* :func:`start_dynalite` — dynalite (npm, pinned in ``package.json``), a separate Node process,
  bound to 127.0.0.1 (its default would listen on every interface);
* :class:`GatewayProcess` — the gateway exactly as ``make run`` starts it
  (``python -m infra.localstack --no-demo``), in a subprocess, ready when ``/health`` answers 200.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from infra.localstack import free_port, wait_for_http
from tests.support.paths import REPO_DIR, SCHEMA_DIR

REGION = "us-east-1"


def aws_client(name: str, endpoint: str) -> Any:
    return boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local").client(
        name, region_name=REGION, endpoint_url=endpoint
    )


class MotoServer:
    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.stop()


class Dynalite:
    def __init__(self) -> None:
        binary = REPO_DIR / "node_modules" / ".bin" / "dynalite"
        if not binary.exists():
            raise RuntimeError("dynalite is not installed: run `make install` (npm ci)")
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._process = subprocess.Popen(
            [str(binary), "--host", "127.0.0.1", "--port", str(self.port), "--createTableMs", "0",
             "--deleteTableMs", "0", "--updateTableMs", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        client = aws_client("dynamodb", self.endpoint)
        while True:
            try:
                client.list_tables()
                return
            except Exception:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.stop()
                    raise RuntimeError("dynalite did not start") from None
                time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()


@dataclass
class GatewayProcess:
    """``python -m infra.localstack --no-demo`` on free ports; stopped with SIGTERM."""

    base_url: str
    api_key: str
    aws_endpoint: str
    dynamodb_endpoint: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(cls, *, dynamodb_endpoint: str | None = None, session_idle: int = 2, schedule_seconds: float = 1.0,
              extra_env: dict[str, str] | None = None, extra_args: list[str] | None = None) -> GatewayProcess:
        """Start the gateway; ``extra_args`` are appended to its command line (e.g. ``--count-aws-calls FILE``)."""
        port = free_port()
        api_key = "test-api-key-" + os.urandom(8).hex()
        tmp = Path(tempfile.mkdtemp(prefix="qbdgw-"))
        ready = tmp / "ready.json"
        log_path = tmp / "gateway.log"
        args = [sys.executable, "-m", "infra.localstack", "--no-demo", "--port", str(port),
                "--api-key", api_key, "--ready-file", str(ready), "--session-idle", str(session_idle),
                "--schedule-seconds", str(schedule_seconds)]
        if dynamodb_endpoint:
            args += ["--dynamodb-endpoint", dynamodb_endpoint]
        args += extra_args or []
        env = {**os.environ, "QBDGW_SCHEMA_DIR": str(SCHEMA_DIR), "QBDGW_LOG_LEVEL": "INFO",
               **(extra_env or {})}
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(args, cwd=REPO_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"gateway did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.1)
        info = json.loads(ready.read_text())  # written atomically by the local stack (rename)
        wait_for_http(f"{info['base_url']}/health")
        return cls(base_url=info["base_url"], api_key=api_key, aws_endpoint=info["aws_endpoint"],
                   dynamodb_endpoint=info["dynamodb_endpoint"], env=info, process=process, log_path=log_path)

    def client(self, name: str) -> Any:
        return aws_client(name, self.dynamodb_endpoint if name == "dynamodb" else self.aws_endpoint)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return -9
        return int(self.process.returncode)
