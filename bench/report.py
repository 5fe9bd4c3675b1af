"""The benchmark's human-readable table, rendered from the JSON report (so the two always agree)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

Row = tuple[str, str, str, str, str, str]


def _ms(summary: Mapping[str, Any] | None, key: str) -> str:
    if not summary or summary.get("n", 0) == 0:
        return "—"
    value = float(summary[f"{key}_ms"])
    return "—" if math.isnan(value) else f"{value:.1f} ms"


def _s(summary: Mapping[str, Any] | None, key: str) -> str:
    if not summary or summary.get("n", 0) == 0:
        return "—"
    value = float(summary[f"{key}_s"])
    return "—" if math.isnan(value) else f"{value:.2f} s"


def _timing(label: str, summary: Mapping[str, Any] | None, *, seconds: bool = False) -> Row:
    fmt = _s if seconds else _ms
    n = str(summary.get("n", 0)) if summary else "0"
    return (label, n, fmt(summary, "p50"), fmt(summary, "p95"), fmt(summary, "p99"), fmt(summary, "max"))


def timing_rows(results: Mapping[str, Any]) -> list[Row]:
    """Latency rows: label, n, p50, p95, p99, max."""
    rows: list[Row] = []
    for store in ("moto", "dynalite"):
        enqueue = results.get(f"enqueue_{store}") or {}
        if "health" in enqueue:
            rows.append(_timing(f"[{store}] GET /health (HTTP floor)", enqueue["health"]))
        if "health_kept_alive" in enqueue:
            rows.append(_timing(f"[{store}] GET /health, kept-alive connection", enqueue["health_kept_alive"]))
        if "enqueue" in enqueue:
            rows.append(_timing(f"[{store}] POST /v1/end-users/{{id}}/jobs", enqueue["enqueue"]))
    for key in sorted(k for k in results if k.startswith("session_latency_")):
        item = results[key] or {}
        if "enqueue_to_result" in item:
            held = f", long-poll {item['long_poll_s']:g} s" if item.get("long_poll_s") else ""
            rows.append(_timing(f"[moto] enqueue → result on SQS, session open, NoOp {item['noop_wait_s']:g} s{held}",
                                item["enqueue_to_result"], seconds=True))
    typed = results.get("typed_call_latency") or {}
    if "call_to_answer" in typed:
        label = f"[moto] typed call answered within the call, session open, NoOp {typed['noop_wait_s']:g} s"
        rows.append(_timing(label, typed["call_to_answer"], seconds=True))
    for store in ("moto", "dynalite"):
        one = results.get(f"one_file_{store}") or {}
        if "job_cycle" in one:
            rows.append(_timing(f"[{store}] one job over SOAP (send+receive)", one["job_cycle"]))
            rows.append(_timing(f"[{store}]   sendRequestXML (+ simulator)", one["send_request_xml"]))
            rows.append(_timing(f"[{store}]   receiveResponseXML", one["receive_response_xml"]))
    handler = results.get("soap_handler") or {}
    if "send_request_xml" in handler:
        rows.append(_timing("[in-process] handle_soap sendRequestXML", handler["send_request_xml"]))
        rows.append(_timing("[in-process] handle_soap receiveResponseXML", handler["receive_response_xml"]))
        rows.append(_timing("[in-process] handle_soap serverVersion", handler["server_version"]))
        rows.append(_timing("[in-process] enqueue (checks + memory store)", handler["enqueue"]))
    return rows


def throughput_rows(results: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Throughput and one-off rows: label, value."""
    rows: list[tuple[str, str]] = []
    for store in ("moto", "dynalite"):
        one = results.get(f"one_file_{store}") or {}
        if "jobs_per_second" in one:
            rows.append((f"[{store}] 1 company file, {one['jobs']} CustomerAdds",
                         f"{one['jobs_per_second']:.1f} jobs/s ({one['results']} results in "
                         f"{one['seconds_to_last_result']:.2f} s; steady {one['jobs_per_second_steady']} jobs/s)"))
        many = results.get(f"many_files_{store}") or {}
        if "jobs_per_second" in many:
            per = many["per_file_jobs_per_second"]
            rows.append((f"[{store}] {many['files']} company files at once, {many['jobs']} CustomerAdds",
                         f"{many['jobs_per_second']:.1f} jobs/s in total ({per['min']:.1f} to {per['max']:.1f} "
                         f"per file; {many['results']} results in {many['seconds_to_last_result']:.2f} s)"))
    cold = results.get("cold_start") or {}
    if "import_app_ms" in cold:
        rows.append((f"cold start: import app (median of {cold['repeats']})", f"{cold['import_app_ms']:.0f} ms"))
        rows.append(("cold start: + build services, + first schema load",
                     f"{cold['build_services_ms']:.0f} ms, {cold['first_validation_ms']:.0f} ms"))
        rows.append(("cold start: whole `python -c 'import app'` process", f"{cold['process_wall_ms']:.0f} ms"))
        if "minimal_app_ms" in cold:
            rows.append(("cold start: minimal Chalice app + boto3 + one DynamoDB client (reference)",
                         f"{cold['minimal_app_ms']:.0f} ms; import app = {cold['import_app_ratio']:.2f}x it"))
            rows.append(("cold start: first SOAP call (import, services, one authenticate)",
                         f"{cold['first_call_ms']:.0f} ms = {cold['first_call_ratio']:.2f}x the reference "
                         f"(authenticate {cold['first_authenticate_ms']:.1f} ms)"))
    handler = results.get("soap_handler") or {}
    if "authenticate_ms" in handler:
        rows.append(("[in-process] authenticate (keyed hash of the generated password)",
                     f"{handler['authenticate_ms']:.1f} ms"))
    ops = handler.get("store_operations_per_call") or {}
    if ops:
        rows.append(("[in-process] store operations per job (send + receive)",
                     f"{ops['send_request_xml']} + {ops['receive_response_xml']}"))
    return rows


def _calls(t: Mapping[str, Any] | None) -> str:
    """``8 (3 r, 4 w, 1 sqs)``: total, then reads, writes, SQS sends and other calls."""
    if not t or "total" not in t:
        return "—"
    parts = [f"{t['reads']} r", f"{t['writes']} w"]
    if t.get("sqs_sends"):
        parts.append(f"{t['sqs_sends']} sqs")
    if t.get("other"):
        parts.append(f"{t['other']} other")
    if t.get("count_queries"):
        parts.append(f"{t['count_queries']} COUNT")
    return f"{t['total']} ({', '.join(parts)})"


CALL_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("(a) enqueue, one job", "enqueue", None),
    ("(b) one-job session, serverVersion → closeConnection", "one_job_session", None),
    ("(c) 10-job session, serverVersion → closeConnection", "ten_job_session", None),
    ("(d) marginal job, enqueue → result on SQS", "marginal_job", None),
    ("(e) idle keep-alive cycle (sendRequestXML \"\" + getLastError NoOp)", "keep_alive", "cycle"),
    ("(e)   sendRequestXML alone", "keep_alive", "send_request_xml"),
    ("(e)   getLastError alone", "keep_alive", "get_last_error"),
    ("(f) idle poll (authenticate → none, closeConnection)", "idle_poll", None),
    ("(h) sweeper run with nothing to do", "sweeper", None),
)


def calls_lines(results: Mapping[str, Any]) -> list[str]:
    """The AWS-calls table (``bench.calls``): one row per path, one column per number of end-users."""
    item = results.get("aws_calls") or {}
    by_size: Mapping[str, Any] = item.get("end_users") or {}
    if not by_size:
        return []
    sizes = list(by_size)
    header = ["AWS calls per path (r reads, w writes, sqs sends)",
              *(f"{int(n):,} end-user{'s' if int(n) != 1 else ''}" for n in sizes)]
    rows = []
    for label, key, sub in CALL_ROWS:
        cells = []
        for size in sizes:
            value = (by_size[size] or {}).get(key) or {}
            cells.append(_calls(value.get(sub) if sub else value))
        rows.append([label, *cells])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(header)).rstrip(),
             "-" * (sum(widths) + 2 * (len(widths) - 1))]
    lines += ["  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip() for row in rows]
    first = by_size[sizes[0]] or {}
    marginal = first.get("marginal_job") or {}
    if marginal.get("by_call"):
        lines.append("(d) by call: " + "; ".join(f"{name} {_calls(t)}" for name, t in marginal["by_call"].items()))
        lines.append("(d) by operation: " + ", ".join(f"{op} {n}" for op, n in marginal.get("calls", {}).items()))
    keep = first.get("keep_alive") or {}
    if keep.get("cycles"):
        lines.append(f"(e) over {keep['cycles']} cycles {keep['pause_seconds']:g} s apart: "
                     f"{keep.get('send_request_xml_writing', 0)} of {keep['cycles']} idle sendRequestXML wrote")
    lines.append(f"COUNT queries in the SOAP path: {item.get('soap_path_count_queries', '—')} "
                 f"of {item.get('soap_path_queries', '—')} queries")
    return lines


def _ops(t: Mapping[str, Any] | None) -> str:
    """``4: dynamodb.Query 1, …`` — total, then every operation."""
    if not t or "total" not in t:
        return "—"
    return f"{t['total']}: " + ", ".join(f"{name} {n}" for name, n in (t.get("calls") or {}).items())


def _rss_lines(item: Mapping[str, Any]) -> list[str]:
    """The large sync's memory: the gateway process, and the emulator's process when it had one."""
    rss = item["rss"]
    gateway = rss.get("gateway") or {}
    verdict = "within" if rss["within_goal"] else "OVER"
    at_pages = gateway.get("at_page_mb") or {}
    growth = (gateway.get("growth_mb_per_page") or {}).get("from_page_25")
    lines = [
        f"  gateway process peak RSS (VmHWM) {rss['peak_mb']:.0f} MB, {verdict} the {rss['goal_mb']} MB goal "
        f"({(gateway.get('at_ready') or {}).get('VmRSS')} MB when ready, {gateway.get('before_sync_mb')} MB "
        f"before the sync; {len(gateway.get('descendants') or [])} child processes)"
        + (f"; RSS at page 25 {at_pages['25']} MB, then {growth:+.2f} MB a page" if "25" in at_pages
           and growth is not None else ""),
    ]
    emulator = rss.get("emulator")
    if emulator:
        lines.append(
            f"  AWS emulator process peak RSS (VmHWM) {emulator['peak_mb']:.0f} MB "
            f"({(emulator.get('at_ready') or {}).get('VmRSS')} MB when ready; its payload bucket held "
            f"{item['verified']['payload_bucket_mb']} MB of pages); the two peaks together "
            f"{rss['sum_of_peaks_mb']:.0f} MB")
    else:
        lines.append(f"  (the gateway process includes moto, embedded: its payload bucket then held "
                     f"{item['verified']['payload_bucket_mb']} MB of pages)")
    return lines


def sync_lines(results: Mapping[str, Any]) -> list[str]:
    """The large sync (``bench.sync``) and its AWS calls per page (``bench.sync_calls``)."""
    item = results.get("large_sync") or {}
    lines: list[str] = []
    if "wall_s" in item:
        lines += [
            f"large sync: {item['records']:,} of {item['customers']:,} customers in pages of {item['page_size']}, "
            f"one session (populating the file: {item['populate_s']:.1f} s, not counted)",
            f"  wall time {item['wall_s']:.1f} s, {item['records_per_second']:,.0f} records/s, "
            f"{item['round_trips']} round trips, {item['pages']} pages ({item['pages_in_s3']} via S3)",
            f"  round trip p50 {_ms(item['round_trip'], 'p50')} (receiveResponseXML p50 "
            f"{_ms(item['receive_response_xml'], 'p50')}; simulated QuickBooks "
            f"{item['simulated_quickbooks_total_s']:.1f} s in all)",
            f"  largest SOAP body sent by the Web Connector: {item['largest_soap_body_bytes']:,} bytes "
            f"({item['largest_soap_body_method']})",
            *_rss_lines(item),
            f"  verified afterwards: {item['verified']['delivered']:,} records delivered, every customer once and "
            f"in order: {item['verified']['in_order_once']}; job {item['job']['status']}",
        ]
    calls = results.get("sync_aws_calls") or {}
    if "per_page" in calls:
        lines += [
            f"AWS calls per page (counted in the {calls['counted_in']} by moto's recorder, {calls['pages']} pages of "
            f"{calls['page_size']}):",
            f"  a middle page: {_ops(calls['per_page'])}",
            f"  first page: {_ops(calls['first_page'])}",
            f"  last page: {_ops(calls['last_page'])}",
            f"  whole job / pages: {_ops(calls['whole_job_per_page'])}",
        ]
    return lines


def peer_lines(results: Mapping[str, Any]) -> list[str]:
    """CPU per Web Connector round trip against qbwc-kit, as a small table (bench.peer)."""
    compared = results.get("peer_round_trip") or {}
    rows = compared.get("exchanges") or []
    if not rows:
        return []
    lines = [f"CPU per round trip (authenticate → sendRequestXML → receiveResponseXML → closeConnection), median of "
             f"{compared['rounds']}, AWS I/O excluded; qbwc-kit {compared['qbwc_kit_version']}"]
    width = max(len(row["exchange"]) for row in rows)
    lines.append(f"{'exchange':<{width}}  {'bytes':>7}  {'qbd-gateway':>12}  {'qbwc-kit':>10}  {'ratio':>6}  "
                 f"{'reading only':>12}  {'its ratio':>9}")
    lines += [f"{row['exchange']:<{width}}  {row['answer_bytes']:>7,}  {row['gateway_us']:>9,.0f} µs  "
              f"{row['qbwc_kit_us']:>7,.0f} µs  {row['ratio']:>5.2f}x  "
              f"{row['reading_floor_us']:>9,.0f} µs  {row['floor_ratio']:>8.2f}x" for row in rows]
    lines.append("(reading only: the gateway's parsers on the same four envelopes and answer, nothing done with them)")
    return [*lines, ""]


def cost_lines(results: Mapping[str, Any]) -> list[str]:
    """What an end-user costs a month (1,000 jobs) per front door and polling interval (bench.cost)."""
    priced = results.get("cost") or {}
    months = priced.get("per_end_user_month") or []
    if not months:
        return []
    parts = list(months[0]["parts"])
    lines = [f"cost per end-user per month, 1,000 jobs; prices of {priced['prices_as_of']}",
             f"{'poll':>5}  {'front door':<13}" + "".join(f"{p:>11}" for p in parts) + f"{'total':>9}"]
    for month in months:
        door = month["door"] + (f" +lp {month['long_poll']:g}s" if month.get("long_poll") else "") + (
            f" {month['memory_gb'] * 1024:g}MB" if month["memory_gb"] != priced["assumed"]["memory_gb"] else "")
        lines.append(f"{month['poll_seconds']:>4}s  {door:<13}"
                     + "".join(f"{month['parts'][p]:>11.4f}" for p in parts) + f"{month['total']:>9.3f}")
    lines.append("per million jobs (marginal): " + ", ".join(f"{m['door']} ${m['total']:.2f}"
                                                          for m in priced.get("per_million_jobs", [])))
    measured = priced["measured"]
    sdk = measured["sdk"]
    lines.append(f"CPU per idle poll / job round trip: {measured['idle_poll']['cpu_ms']:.2f} / "
                 f"{measured['job_round_trip']['cpu_ms']:.2f} ms the gateway's own (in-memory store), "
                 f"{sdk['idle_poll']['cpu_ms']:.2f} / {sdk['job_round_trip']['cpu_ms']:.2f} ms with the AWS SDK "
                 f"over HTTP ({sdk['http']['requests']:,} requests, {sdk['http']['sockets_opened']} sockets "
                 f"opened); billed that x{priced['assumed']['cpu_scale']:g} (the CPU share of "
                 f"{priced['assumed']['memory_gb'] * 1024:g} MB)")
    return [*lines, ""]


def _pq(summary: Mapping[str, Any] | None, seconds: bool = False) -> str:
    """``p50 a / p95 b / p99 c`` of a summary."""
    fmt = _s if seconds else _ms
    return f"p50 {fmt(summary, 'p50')} / p95 {fmt(summary, 'p95')} / p99 {fmt(summary, 'p99')}"


def _soap(item: Mapping[str, Any]) -> str:
    by = item.get("by_method") or {}
    split = "; ".join(f"{m} {_pq(by.get(m))}" for m in ("authenticate", "sendRequestXML", "receiveResponseXML")
                      if m in by)
    return (f"{item.get('calls', 0):,} SOAP calls, {item.get('calls_per_second')} calls/s, {item.get('failed', 0)} "
            f"failed; all {_pq(item.get('all'))}" + (f"; {split}" if split else ""))


def _per(t: Mapping[str, Any] | None) -> str:
    if not t or "total" not in t:
        return "—"
    return f"{t['total']:.2f} ({t['reads']:.2f} r, {t['writes']:.2f} w, {t['sqs_sends']:.2f} sqs)"


def _cpu(window: Mapping[str, Any]) -> str:
    cpu = window.get("cpu") or {}
    parts = [f"{name} {v['cpu_s']:.1f} s ({v['cores']:.2f} cores)" for name, v in cpu.items()]
    machine = window.get("machine") or {}
    pressure = window.get("cpu_pressure_some")
    return (f"{window.get('wall_s')} s: " + ", ".join(parts)
            + f"; machine busy {machine.get('busy_cores')} of {machine.get('cpus')} cores (other processes and "
              f"kernel {machine.get('other_processes_cpu_s')} s)"
            + (f"; a task waiting for a CPU {pressure:.0%} of the time" if pressure is not None else ""))


def load_lines(results: Mapping[str, Any]) -> list[str]:
    """The load run (bench.load): N Web Connectors on one gateway on dynalite, then 1."""
    item = results.get("load") or {}
    n, one = item.get("at_n") or {}, item.get("at_1") or {}
    if not n:
        return []
    a, b, checks = n["phase_a"], n["phase_b"], n["checks"]
    flat, limits, paper = item.get("flat") or {}, item.get("limits") or {}, item.get("lambda") or {}
    saturated = "SATURATED (one Python process: about one core)" if limits.get("gateway_saturated") else "not saturated"
    load_avg = (n.get("machine") or {}).get("load_average") or {}
    lines = [
        f"load run: {n['connectors']:,} Web Connectors polling every {n['poll_seconds']:g} s, one gateway, table on "
        f"dynalite; phases of {n['phase_seconds']:g} s ({item.get('seconds')} s in all)",
        f"  idle phase: {a['idle_polls']:,} idle polls of {a['idle_polls_offered']:,} offered (sessions "
        f"{a['sessions']}); {_soap(a['soap'])}",
        f"  mixed phase: {b['jobs']} jobs ({b['writes']} writes), {b['jobs_per_second']} jobs/s completed, "
        f"{b['jobs_per_job_session']} per session; enqueue → result {_pq(b['enqueue_to_result'], seconds=True)}; "
        f"POST retries {b.get('enqueue_retries', 0)}, never answered {b.get('enqueue_failed', 0)}; sessions "
        f"{b['sessions']}",
        f"  mixed phase: {_soap(b['soap'])}",
        f"  AWS calls per idle poll: {_per(a['aws_calls_per_idle_poll'])} at {n['connectors']:,}, "
        f"{_per(one.get('aws_calls_per_idle_poll'))} at 1 end-user: ratio {(flat.get('idle_poll') or {}).get('ratio')}",
        f"  AWS calls per job (enqueue + its session): {_per(b['aws_calls_per_job'])} at {n['connectors']:,}, "
        f"{_per(one.get('aws_calls_per_job'))} at 1 end-user: ratio {(flat.get('job') or {}).get('ratio')}",
        f"  checks: {checks['succeeded']}/{checks['jobs']} jobs succeeded; lost {checks['lost']}, failed "
        f"{checks['failed']}, writes in the file twice {checks['writes_in_file_twice']}, executed twice "
        f"{checks['writes_executed_twice']}, requests beyond the jobs {checks['requests_executed_beyond_jobs']}; "
        f"duplicate result messages {checks['duplicate_result_messages']} (not lost or duplicated jobs)",
        f"  CPU, idle phase {_cpu(a['machine'])}",
        f"  CPU, mixed phase {_cpu(b['machine'])}",
        f"  the driver's own wake-up lag (in every SOAP latency above): idle {_pq(a.get('driver_wakeup_lag'))}; "
        f"mixed {_pq(b.get('driver_wakeup_lag'))}",
        f"  load average {load_avg.get('start')} → {load_avg.get('end')}; listen-queue overflows "
        f"{(n.get('machine') or {}).get('listen_overflows') or 0}; gateway {saturated}, at most "
        f"{limits.get('gateway_cores_max_phase')} cores in a phase",
    ]
    if one:
        lines.append(f"  at 1 end-user: {_soap(one.get('soap') or {})}")
    if "idle" in paper:
        mixed = paper.get("mixed") or {}
        lines.append(
            f"  Lambda on paper, {paper['end_users']:,} end-users every {paper['poll_seconds']:g} s: gateway CPU "
            f"{paper['gateway_cpu_ms_per_soap_call']} ms per SOAP call (measured here) x"
            f"{paper['assumed']['cpu_scale']:g} (512 MB's share of a vCPU) + AWS latency (reads "
            f"{paper['assumed']['latency_ms']['read']:g} ms, writes {paper['assumed']['latency_ms']['write']:g} ms, "
            f"SQS {paper['assumed']['latency_ms']['sqs']:g} ms) + {paper['assumed']['runtime_ms']:g} ms runtime = "
            f"{paper['idle']['ms_per_call']} ms per idle call; {paper['idle']['soap_calls_per_second']} calls/s → "
            f"concurrency {paper['idle']['concurrency']}"
            + (f"; with the mixed phase's {mixed['jobs_per_second']} jobs/s: {mixed['requests_per_second']} "
               f"requests/s x {mixed['ms_per_call']} ms → concurrency {mixed['concurrency']}" if mixed else ""))
    return [*lines, ""]


def render(report: Mapping[str, Any]) -> str:
    """The whole report as text: machine, latency table, throughput table, errors."""
    meta = report["meta"]
    results = report["results"]
    lines = [
        f"qbd-gateway benchmark — {meta['cpu_count']} CPU(s) {meta['cpu_model']}, {meta['memory_gb']} GB, "
        f"Python {meta['python']}, {meta['platform']}",
        f"{meta['started_at']}; {meta['seconds']:.0f} s; load average at start {meta.get('load_average_at_start')}",
        f"args {meta['args']}",
        "",
    ]
    calls = calls_lines(results)
    if calls:
        lines += [*calls, ""]
    rows = timing_rows(results)
    if rows:
        header: Row = ("latency", "n", "p50", "p95", "p99", "max")
        width = max(len(r[0]) for r in [*rows, header])
        lines += [f"{r[0]:<{width}}  {r[1]:>4}" + "".join(f"  {cell:>10}" for cell in r[2:]) for r in [header]]
        lines.append("-" * (width + 54))
        lines += [f"{r[0]:<{width}}  {r[1]:>4}" + "".join(f"  {cell:>10}" for cell in r[2:]) for r in rows]
        lines.append("")
    more = throughput_rows(results)
    if more:
        width = max(len(label) for label, _ in more)
        lines += [f"{label:<{width}}  {value}" for label, value in more]
        lines.append("")
    synced = sync_lines(results)
    if synced:
        lines += [*synced, ""]
    lines += load_lines(results)
    lines += peer_lines(results)
    lines += cost_lines(results)
    heavy = (results.get("cold_start") or {}).get("heaviest_imports") or []
    if heavy:
        lines.append("heaviest imports of app.py: " + ", ".join(f"{h['module']} {h['cumulative_ms']:.0f} ms"
                                                           for h in heavy))
    for name, item in results.items():
        if isinstance(item, Mapping) and "error" in item:
            lines.append(f"!! {name}: {item['error']}")
        if isinstance(item, Mapping) and "skipped" in item:
            lines.append(f"-- {name} skipped: {item['skipped']}")
    return "\n".join(lines).rstrip() + "\n"
