"""``python -m bench`` (``make bench``): measure the gateway on this machine and write a JSON report.

    python -m bench [--jobs N] [--files M] [--noop-wait S] [--latency-jobs K] [--out FILE]
                    [--skip-dynalite] [--seed N] [--calls-only] [--peer-only] [--peer-rounds R]
                    [--sync-customers N] [--sync-page-size P] [--skip-sync] [--sync-only]
                    [--sync-embedded-emulator]
    python -m bench --load [--load-connectors N] [--load-seconds S] [--load-poll P] [--load-jobs J] [--seed N]

In order, so that the heavy parts never overlap:

1. AWS API calls per path (``bench.calls``, no servers: the services in process on ``moto.mock_aws``,
   every botocore call counted by a ``before-call`` hook), with 1 and with 1,000 end-users, and from
   them what an end-user costs a month per front door and polling interval (``bench.cost``); with
   ``--calls-only`` this is the only step (about 30 s);
2. cold start of ``app.py`` in fresh interpreters (median of 5), the SOAP handler's own time
   per call in this process (in-memory store, no HTTP), and CPU per Web Connector round trip side by
   side with qbwc-kit on the same bytes (``bench.peer``; ``--peer-only`` runs only this, ~30 s);
3. the gateway as the tests start it (``tests.support.stack.GatewayProcess``: moto inside, real
   HTTP on 127.0.0.1, session idle limit 30 s as deployed): N enqueues, N jobs through one
   session, enqueue → result with a session open (NoOp wait S, then 1 s), a typed call answered within
   the call with a session open (``POST …/customers``, NoOp wait S), M company files at once;
4. the same gateway with its table on dynalite: N enqueues, N jobs through one session, M files;
5. the large sync (``bench.sync``): a gateway of its own and its AWS emulator (moto) in a process
   of its own (``--sync-embedded-emulator``: moto inside the gateway's process, as the tests run
   it), a simulated company file of ``--sync-customers`` customers (100,000; populating it is timed
   apart), one CustomerQuery paged by ``--sync-page-size`` (500) through one Web Connector session:
   wall time, records per second, round trips, the largest SOAP body, the gateway process's peak
   RSS against 256 MB and the emulator process's; then AWS calls per page, counted in a second
   gateway process by moto's request recorder (``bench.sync_calls``, a 6-page sync). ``--skip-sync``
   leaves it out, ``--sync-only`` runs only this step (about 1 min).

``--load`` runs only the heavy load run (:mod:`bench.load`, never part of the default run, ~7 min): N
simulated Web Connectors (1,000) polling every P s (20) one gateway whose table is on dynalite, idle for S s
(two poll periods), then J jobs (2 per 10 end-users) over S s; jobs/s, enqueue → result, SOAP latency per
method, AWS calls per idle poll and per job at N and at 1 end-user, lost or duplicated jobs, the CPU of each
process, and the Lambda concurrency it implies. Its report goes to ``var/bench/load-results.json`` unless
``--out`` says otherwise.

Prints a table and writes everything to ``--out`` (default ``var/bench/bench-results.json``).
Every wait is bounded; a scenario that fails is reported and the others still run.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import calls, cost, inprocess, load, peer, scenarios, sync, sync_calls
from bench.harness import Target
from bench.report import render

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "var" / "bench" / "bench-results.json"
DEFAULT_LOAD_OUT = REPO / "var" / "bench" / "load-results.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=40,
                        help="enqueues to time, jobs through one session, and jobs per file with --files (40)")
    parser.add_argument("--files", type=int, default=4, help="company files served at once (4)")
    parser.add_argument("--noop-wait", type=float, default=5.0,
                        help="the simulated Web Connector's pause after NoOp, as QBWC's 5 s (5)")
    parser.add_argument("--latency-jobs", type=int, default=5,
                        help="jobs enqueued one by one while a session idles, per NoOp wait (5)")
    parser.add_argument("--session-idle", type=int, default=30, help="QBDGW_SESSION_IDLE_SECONDS (30, as deployed)")
    parser.add_argument("--cold-repeats", type=int, default=5, help="fresh interpreters for the cold start (5)")
    parser.add_argument("--skip-dynalite", action="store_true", help="do not run the dynalite scenarios")
    parser.add_argument("--seed", type=int, default=1, help="seed for the enqueue moments in the poll cycle (1)")
    parser.add_argument("--calls-only", action="store_true",
                        help="only count the AWS API calls per path (step 1; in process, no servers, ~20 s)")
    parser.add_argument("--peer-only", action="store_true",
                        help="only CPU per round trip against qbwc-kit (bench.peer, ~30 s)")
    parser.add_argument("--peer-rounds", type=int, default=300,
                        help="round trips per server and exchange, interleaved, after a warm-up (300)")
    parser.add_argument("--sync-customers", type=int, default=100_000,
                        help="customers in the large sync's company file (100000)")
    parser.add_argument("--sync-page-size", type=int, default=500, help="the large sync's page size, 1-1000 (500)")
    parser.add_argument("--skip-sync", action="store_true", help="do not run the large sync (step 5)")
    parser.add_argument("--sync-only", action="store_true",
                        help="only the large sync and its AWS calls per page (step 5)")
    parser.add_argument("--sync-embedded-emulator", action="store_true",
                        help="run the large sync's AWS emulator inside the gateway's process, as the tests do "
                             "(default: a process of its own, so the gateway's peak RSS is its own)")
    parser.add_argument("--load", action="store_true",
                        help="only the heavy load run (bench.load; opt-in, never in the default run, ~7 min)")
    parser.add_argument("--load-connectors", type=int, default=1000, help="--load: simulated Web Connectors (1000)")
    parser.add_argument("--load-seconds", type=float, default=None,
                        help="--load: length of the idle phase and of the mixed phase (two poll periods)")
    parser.add_argument("--load-poll", type=float, default=20.0,
                        help="--load: seconds between a connector's sessions, as the .qwc's default (20)")
    parser.add_argument("--load-jobs", type=int, default=None,
                        help="--load: jobs in the mixed phase (2 per 10 end-users)")
    parser.add_argument("--load-one-user-jobs", type=int, default=4, help="--load: jobs at 1 end-user (4)")
    parser.add_argument("--load-session-idle", type=int, default=2,
                        help="--load: QBDGW_SESSION_IDLE_SECONDS, small so a job's session does not depend on "
                             "how jobs cluster (2)")
    parser.add_argument("--load-listen-backlog", type=int, default=1024,
                        help="--load: the gateway's HTTP listen backlog (1024; 0: socketserver's 5, which 1,000 "
                             "connectors overflow: SYNs dropped, connections reset)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"JSON report ({DEFAULT_OUT.relative_to(REPO)}; with --load "
                             f"{DEFAULT_LOAD_OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = DEFAULT_LOAD_OUT if args.load else DEFAULT_OUT
    for name in ("jobs", "files", "latency_jobs", "cold_repeats"):
        if not 1 <= getattr(args, name) <= 1000:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and 1000")
    if not 0.1 <= args.noop_wait <= 30:
        parser.error("--noop-wait must be between 0.1 and 30 seconds")
    if not 1 <= args.sync_customers <= 1_000_000:
        parser.error("--sync-customers must be between 1 and 1000000")
    if not 1 <= args.sync_page_size <= 1000:
        parser.error("--sync-page-size must be between 1 and 1000")
    if not 10 <= args.peer_rounds <= 100_000:
        parser.error("--peer-rounds must be between 10 and 100000")
    if args.sync_only and (args.calls_only or args.skip_sync):
        parser.error("--sync-only cannot be combined with --calls-only or --skip-sync")
    if args.load and (args.calls_only or args.peer_only or args.sync_only):
        parser.error("--load cannot be combined with --calls-only, --peer-only or --sync-only")
    if not 1 <= args.load_connectors <= 10_000:
        parser.error("--load-connectors must be between 1 and 10000")
    if not 1 <= args.load_poll <= 600:
        parser.error("--load-poll must be between 1 and 600 seconds")
    if args.load_seconds is not None and not 1 <= args.load_seconds <= 3600:
        parser.error("--load-seconds must be between 1 and 3600")
    if args.load_jobs is not None and not 1 <= args.load_jobs <= 100_000:
        parser.error("--load-jobs must be between 1 and 100000")
    if not 1 <= args.load_one_user_jobs <= 100:
        parser.error("--load-one-user-jobs must be between 1 and 100")
    if not 0 <= args.load_listen_backlog <= 65535:
        parser.error("--load-listen-backlog must be between 0 and 65535")
    if not 1 <= args.load_session_idle <= 300:
        parser.error("--load-session-idle must be between 1 and 300 seconds")
    if args.session_idle < 2 * args.noop_wait + 5:
        parser.error("--session-idle must exceed twice --noop-wait plus 5 s, or the session closes between jobs")
    return args


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = platform.processor() or "unknown"
    memory_gb: float | None = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {"cpu_count": os.cpu_count(), "cpu_model": model, "memory_gb": memory_gb,
            "python": platform.python_version(), "platform": platform.platform(terse=True),
            "load_average_at_start": load}


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def attempt(results: dict[str, Any], name: str, run: Callable[[], Any]) -> Any:
    """Run one scenario; on failure record the error under ``name`` and return None."""
    say(f"{name} …")
    started = time.monotonic()
    try:
        value = run()
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        return None
    say(f"{name} done in {time.monotonic() - started:.1f} s")
    return value


def run_against(target: Target, store: str, args: argparse.Namespace, results: dict[str, Any],
                *, latency: bool) -> None:
    """Every gateway scenario against one running gateway, recorded under ``<scenario>_<store>``."""
    filled = attempt(results, f"enqueue_{store}", lambda: scenarios.enqueue_latency(target, args.jobs))
    if filled is not None:
        results[f"enqueue_{store}"], user, job_ids = filled
        one = attempt(results, f"one_file_{store}",
                      lambda: scenarios.one_file_throughput(target, user, job_ids, noop_wait=args.noop_wait))
        if one is not None:
            results[f"one_file_{store}"] = one
    if latency:
        rng = random.Random(args.seed)
        for wait in dict.fromkeys([args.noop_wait, 1.0]):
            key = f"session_latency_{wait:g}s"
            value = attempt(results, key, functools.partial(
                scenarios.session_latency, target, noop_wait=wait, jobs=args.latency_jobs, rng=rng))
            if value is not None:
                results[key] = value
        typed = attempt(results, "typed_call_latency", functools.partial(
            scenarios.typed_call_latency, target, noop_wait=args.noop_wait, calls=args.latency_jobs, rng=rng))
        if typed is not None:
            results["typed_call_latency"] = typed
    many = attempt(results, f"many_files_{store}", lambda: scenarios.many_files_throughput(
        target, files=args.files, jobs_per_file=args.jobs, noop_wait=args.noop_wait))
    if many is not None:
        results[f"many_files_{store}"] = many


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from tests.support.paths import SCHEMA_DIR

    schema_dir = SCHEMA_DIR if SCHEMA_DIR.is_dir() else None
    if schema_dir is None:
        say(f"no qbXML schemas at {SCHEMA_DIR}: schema validation is off, so enqueue times are lower than deployed")
    started_at = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    host = machine()  # before anything starts: the load average says whether the machine was quiet
    began = time.monotonic()
    results: dict[str, Any] = {}

    if args.sync_only:
        run_sync(args, schema_dir, results)
        return finish(args, host, started_at, began, schema_dir, results)
    if args.peer_only:
        run_peer(args, schema_dir, results)
        return finish(args, host, started_at, began, schema_dir, results)
    if args.load:
        run_load(args, results)
        return finish(args, host, started_at, began, schema_dir, results)

    counted = attempt(results, "aws_calls", lambda: calls.aws_calls(schema_dir))
    if counted is not None:
        results["aws_calls"] = counted
        priced = attempt(results, "cost", lambda: cost.model(counted, schema_dir))
        if priced is not None:
            results["cost"] = priced
    if args.calls_only:
        return finish(args, host, started_at, began, schema_dir, results)

    cold = attempt(results, "cold_start", lambda: inprocess.cold_start(schema_dir, args.cold_repeats))
    if cold is not None:
        results["cold_start"] = cold
    handler = attempt(results, "soap_handler", lambda: inprocess.soap_handler(args.jobs, schema_dir))
    if handler is not None:
        results["soap_handler"] = handler
    run_peer(args, schema_dir, results)

    target = attempt(results, "start_moto", lambda: Target.start("moto", session_idle=args.session_idle))
    if target is not None:
        try:
            run_against(target, "moto", args, results, latency=True)
        finally:
            target.stop()
    run_long_poll(args, results)

    if args.skip_dynalite:
        results["dynalite"] = {"skipped": "--skip-dynalite"}
    else:
        from tests.support.stack import Dynalite

        dynalite = attempt(results, "start_dynalite", Dynalite)
        if dynalite is not None:
            try:
                target = attempt(results, "start_dynalite_gateway", lambda: Target.start(
                    "dynalite", session_idle=args.session_idle, dynamodb_endpoint=dynalite.endpoint))
                if target is not None:
                    try:
                        run_against(target, "dynalite", args, results, latency=False)
                    finally:
                        target.stop()
            finally:
                dynalite.stop()
    if args.skip_sync:
        results["large_sync"] = {"skipped": "--skip-sync"}
    else:
        run_sync(args, schema_dir, results)
    return finish(args, host, started_at, began, schema_dir, results)


def run_long_poll(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Enqueue → result with a session open, on a gateway started with the opt-in long-poll
    (chalicelib.qbwc.longpoll), beside the run without it (``session_latency_<noop>s``)."""
    hold = cost.LONG_POLL_HOLD
    target = attempt(results, "start_moto_long_poll", lambda: Target.start(
        "moto", session_idle=args.session_idle, env={"QBDGW_LONG_POLL_SECONDS": f"{hold:g}"}))
    if target is None:
        return
    try:
        key = f"session_latency_{args.noop_wait:g}s_long_poll"
        value = attempt(results, key, functools.partial(
            scenarios.session_latency, target, noop_wait=args.noop_wait, jobs=max(20, args.latency_jobs),
            rng=random.Random(args.seed), long_poll=hold))
        if value is not None:
            results[key] = value
    finally:
        target.stop()


def run_load(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """The heavy load run (bench.load): N Web Connectors on one gateway on dynalite, then 1, under ``load``."""
    config = load.LoadConfig(connectors=args.load_connectors, poll_seconds=args.load_poll,
                             phase_seconds=args.load_seconds, jobs=args.load_jobs,
                             one_user_jobs=args.load_one_user_jobs, noop_wait=args.noop_wait,
                             session_idle=args.load_session_idle, seed=args.seed,
                             listen_backlog=args.load_listen_backlog)
    value = attempt(results, "load", lambda: load.run(config, say))
    if value is not None:
        results["load"] = value


def run_peer(args: argparse.Namespace, schema_dir: Path | None, results: dict[str, Any]) -> None:
    """CPU per Web Connector round trip, side by side with qbwc-kit (bench.peer)."""
    compared = attempt(results, "peer_round_trip", lambda: peer.compare(schema_dir, rounds=args.peer_rounds))
    if compared is not None:
        results["peer_round_trip"] = compared


def run_sync(args: argparse.Namespace, schema_dir: Path | None, results: dict[str, Any]) -> None:
    """Step 5: the large paged sync, then AWS calls per page (each in a gateway process of its own)."""
    synced = attempt(results, "large_sync", lambda: sync.large_sync(
        args.sync_customers, args.sync_page_size, schema_dir=schema_dir, seed=args.seed,
        embedded_emulator=args.sync_embedded_emulator))
    if synced is not None:
        results["large_sync"] = synced
    counted = attempt(results, "sync_aws_calls", lambda: sync_calls.per_page_calls(
        args.sync_page_size, schema_dir=schema_dir, seed=args.seed))
    if counted is not None:
        results["sync_aws_calls"] = counted


def finish(args: argparse.Namespace, host: dict[str, Any], started_at: str, began: float, schema_dir: Path | None,
           results: dict[str, Any]) -> int:
    """Write the JSON report, print the table; 1 when a scenario failed."""
    report = {
        "meta": {**host, "started_at": started_at, "seconds": round(time.monotonic() - began, 1),
                 "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                 "schemas": str(schema_dir) if schema_dir else None},
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(render(report), end="")
    print(f"JSON report: {args.out}")
    failed = [name for name, item in results.items() if isinstance(item, dict) and "error" in item]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
