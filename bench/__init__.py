"""Benchmarks of qbd-gateway on one machine: ``python -m bench`` (``make bench``).

The gateway runs as the end-to-end tests run it — ``python -m infra.localstack`` in a subprocess on
127.0.0.1, moto inside (for the large sync, moto in a process of its own), optionally its table on
dynalite — and the simulated Web Connector and QuickBooks company file (``simulator``) play the
customer's side over real HTTP. What is measured, how, and the numbers from a reference machine are
in ``docs/benchmarks.md``.

Modules: :mod:`bench.harness` (the running gateway, timed REST calls, the SQS result collector),
:mod:`bench.scenarios` (latency and throughput), :mod:`bench.inprocess` (cold start, SOAP handler
time), :mod:`bench.calls` (AWS calls per path, in process), :mod:`bench.sync` (the large paged sync),
:mod:`bench.sync_calls` (AWS calls per page, counted in a gateway process), :mod:`bench.emulator`
(the AWS emulator in a process of its own, and a gateway pointed at it), :mod:`bench.procmem`
(another process's memory from ``/proc``), :mod:`bench.stats` (percentiles), :mod:`bench.report`
(the table).
"""
