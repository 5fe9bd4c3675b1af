"""``python -m simulator``: a simulated Web Connector and QuickBooks, driven from the command line.

    python -m simulator --url http://127.0.0.1:8000/qbwc --username U --password P
    python -m simulator --url … --username U --password P --every 10 --noop-wait 5 --modern
    python -m simulator --url … --username U --password P --condition dialog_open
    python -m simulator --url … --username U --password P --customers 100000 --invoices 50000 --seed 7
    python -m simulator --url … --username U --password P --customers 10000 --vanish-after 3
    python -m simulator --url … --username U --password P --company-file var/acme.json
    python -m simulator --url … --username U --password P --every 10 --condition offline
    python -m simulator --list-conditions

Without ``--every`` it runs one update session; with it, a session every N seconds (QBWC's
Auto-Run) until Ctrl-C. ``--condition NAME`` holds one of the field conditions of
``simulator.faults`` for the whole run (QuickBooks closed, a dialog open, permission reset …);
``--list-conditions`` prints them and exits. One more is the machine's, not QuickBooks' (not listed there):
``offline`` — the customer's computer is off (or asleep, or off the network), so the Web Connector
makes no calls at all; the gateway only sees silence (the end-user turns ``offline`` after its grace
period, and ``fail_if_offline`` jobs are refused). ``--customers``/``--invoices``/``--seed`` fill the
company file with a seeded history first (``simulator.population``), for large syncs.
``--company-file PATH`` keeps the company file on disk (``simulator.company_store``): loaded when
PATH exists, saved after every session and at exit, so its customers, invoices and ListIDs carry
over to the next run (``--customers`` only fills a new one).
Lost sessions mid-sync: ``--vanish-after N`` makes every session go silent after N requests (the
machine sleeps: no closeConnection; ``--vanish-before-answer``: before the Nth answer is sent),
``--close-after N`` ends every session with closeConnection after N requests, and
``--expire-iterators-after N`` lets QuickBooks forget its iterators once, after N message sets.
The first Ctrl-C ends the running session after its current call; a second one interrupts at once.
Each call is printed on one line. The exit status is 1 when the last session failed (wire error,
rejected version, bad credentials, connection error, or the gateway reported an error), else 0; a
session cut short on purpose (vanished, closed early) is not a failure.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from simulator import company_store
from simulator.faults import CONDITIONS
from simulator.quickbooks import CompanyFile
from simulator.web_connector import SessionResult, WebConnector

MACHINE_CONDITIONS: dict[str, str] = {
    "offline": "The customer's computer is off, asleep or off the network: the Web Connector makes no calls at all.",
}
"""Conditions of the customer's machine (not of QuickBooks, see ``simulator.faults``), by name."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="the gateway's QBWC endpoint, e.g. http://127.0.0.1:8000/qbwc (required)")
    parser.add_argument("--username", help="the .qwc UserName (required)")
    parser.add_argument("--password", default=os.environ.get("QBWC_PASSWORD"), help="or $QBWC_PASSWORD")
    parser.add_argument("--noop-wait", type=float, default=5.0, help="seconds QBWC pauses after NoOp (5)")
    parser.add_argument("--every", type=float, default=None, help="run a session every N seconds until Ctrl-C")
    parser.add_argument("--max-noops", type=int, default=None, help="end a session after this many NoOps")
    parser.add_argument("--company-name", default="Demo Co")
    parser.add_argument("--company-path", default=None, help="the .qbw path QuickBooks reports")
    parser.add_argument("--modern", action="store_true", help="QuickBooks Desktop 2023 (qbXML 16.0), not Pro 2014")
    parser.add_argument(
        "--schema-dir",
        type=Path,
        default=Path(os.environ["QBDGW_SCHEMA_DIR"]) if os.environ.get("QBDGW_SCHEMA_DIR") else None,
        help="Intuit's qbXML schemas (folders 13.0, 16.0); requests are validated against them",
    )
    parser.add_argument("--owner-id", default=None, help="the .qwc OwnerID (to stamp --file-id)")
    parser.add_argument("--file-id", default=None, help="the .qwc FileID QBWC stamps into the company file")
    parser.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout per call in seconds")
    parser.add_argument(
        "--condition",
        choices=sorted([*CONDITIONS, *MACHINE_CONDITIONS]),
        metavar="NAME",
        default=None,
        help="hold this field condition of QuickBooks for the whole run (see --list-conditions), or the "
        "machine's: offline (the computer is off: no calls at all)",
    )
    parser.add_argument("--list-conditions", action="store_true", help="print the field conditions and exit")
    parser.add_argument("--company-file", type=Path, default=None, metavar="PATH",
                        help="keep the company file here: loaded if PATH exists, saved after each session and at exit")
    data = parser.add_argument_group("a large company file")
    data.add_argument("--customers", type=_count, default=0, metavar="N", help="generate N customers and jobs first")
    data.add_argument("--invoices", type=_count, default=0, metavar="M", help="generate M invoices first")
    data.add_argument("--seed", type=int, default=0, metavar="S", help="the seed of the generated history (0)")
    lost = parser.add_argument_group("lost sessions")
    lost.add_argument("--vanish-after", type=_positive, default=None, metavar="N",
                      help="every session goes silent after N requests (no closeConnection)")  # fmt: skip
    lost.add_argument("--vanish-before-answer", action="store_true",
                      help="with --vanish-after: vanish before receiveResponseXML carries the Nth answer")  # fmt: skip
    lost.add_argument("--close-after", type=_positive, default=None, metavar="N",
                      help="every session calls closeConnection after N requests")  # fmt: skip
    lost.add_argument("--expire-iterators-after", type=_count, default=None, metavar="N",
                      help="QuickBooks forgets its iterators once, after N message sets")  # fmt: skip
    args = parser.parse_args(argv)
    if args.list_conditions:
        return args
    missing = [option for option in ("url", "username") if not getattr(args, option)]
    if missing:
        parser.error("the following arguments are required: " + ", ".join(f"--{option}" for option in missing))
    if not args.password:
        parser.error("--password (or $QBWC_PASSWORD) is required")
    if args.invoices and not args.customers:
        parser.error("--invoices needs --customers")
    if args.vanish_before_answer and args.vanish_after is None:
        parser.error("--vanish-before-answer needs --vanish-after")
    return args


def _count(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not at least 1")
    return value


def list_conditions() -> None:
    """One line per condition: name, stage, HRESULT and what it means for the customer."""
    width = max(len(name) for name in CONDITIONS)
    for condition in CONDITIONS.values():
        print(f"{condition.name:<{width}}  {condition.stage:<7}  {condition.hresult}  {condition.description}")


def _print(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def _report(result: SessionResult) -> None:
    _print(
        f"session {result.outcome.value}: {result.requests_processed} request(s), "
        f"{result.noops} NoOp(s), status {list(result.status_texts)}" + (f", {result.error}" if result.error else "")
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_conditions:
        list_conditions()
        return 0
    factory = CompanyFile.modern if args.modern else CompanyFile
    company = factory(args.company_name, path=args.company_path, schema_dir=args.schema_dir)
    stored: Path | None = args.company_file
    if stored is not None and stored.exists():
        try:
            company_store.load(company, stored)
        except ValueError as exc:
            print(f"python -m simulator: error: {exc}", file=sys.stderr)
            return 2
        if args.customers:
            print(f"python -m simulator: error: --customers fills a new company file; {stored} exists "
                  "(delete it to generate another)", file=sys.stderr)
            return 2
        _print(f"loaded {stored}: {len(company.customers())} customers, {len(company.invoices())} invoices")
    offline = args.condition in MACHINE_CONDITIONS
    company.set_condition(None if offline else args.condition)
    if args.customers:
        started = time.perf_counter()
        made = company.populate(args.customers, args.invoices, seed=args.seed)
        _print(
            f"populated {made.customers} customers ({made.jobs} jobs) and {made.invoices} invoices "
            f"({made.lines} lines) from {made.since} to {made.until}, seed {made.seed}, "
            f"in {time.perf_counter() - started:.1f} s"
        )
    if args.expire_iterators_after is not None:
        company.expire_iterators(after=args.expire_iterators_after)
    connector = WebConnector(
        args.url,
        args.username,
        args.password,
        company,
        noop_wait=args.noop_wait,
        timeout=args.timeout,
        max_noops=args.max_noops,
        log=_print,
        owner_id=args.owner_id,
        file_id=args.file_id,
        vanish_after=args.vanish_after,
        vanish_before_answer=args.vanish_before_answer,
        close_after=args.close_after,
    )

    stopped = threading.Event()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        _print("stopping after the current call (Ctrl-C again to interrupt)")
        stopped.set()
        connector.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, on_sigint)
    previous_term = signal.signal(signal.SIGTERM, on_sigint)  # as the first Ctrl-C: the file is saved
    _print(f"simulating {company!r} at {company.path}")
    if company.condition is not None:
        held = company.condition
        _print(f"condition {held.name} ({held.stage}, {held.hresult}): {held.description}")
    results: list[SessionResult] = []

    def keep(result: SessionResult) -> None:
        results[:] = [result]
        _report(result)
        if stored is not None:
            company_store.save(company, stored)

    try:
        if offline:
            _print(f"condition offline (machine): {MACHINE_CONDITIONS['offline']}")
            if args.every is not None:
                while not stopped.wait(0.5):  # the machine stays off until Ctrl-C
                    pass
        elif args.every is None:
            keep(connector.run_session())
        else:
            connector.run_forever(args.every, on_result=keep)
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
        if stored is not None:
            company_store.save(company, stored)
            _print(f"saved {stored}")
    return 1 if results and results[-1].failed else 0


if __name__ == "__main__":
    sys.exit(main())
