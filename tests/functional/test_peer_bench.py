"""The side-by-side benchmark against qbwc-kit (bench.peer) measures what it says: both servers run the
same job over the same bytes, each answer reaches its consumer, and the numbers are the two servers' own."""

from __future__ import annotations

from bench import peer
from tests.support.paths import SCHEMA_DIR


def test_both_servers_run_the_same_query_and_deliver_its_answer() -> None:
    # GIVEN the two exchanges (a 14 KB and a small CustomerQuery answer from the simulated company file)
    exchanges = peer.exchanges()
    assert [len(e.answer.encode()) >= 14_000 for e in exchanges] == [True, False]
    gateway, kit = peer.Gateway(SCHEMA_DIR), peer.Peer()
    for exchange in exchanges:
        # WHEN one round trip runs through each
        ours, theirs = peer.round_trip(gateway, exchange), peer.round_trip(kit, exchange)
        # THEN each took CPU, the gateway published the job's result with QuickBooks' answer, and qbwc-kit's
        # task parsed the same records
        assert ours > 0 and theirs > 0
        result = gateway.published[-1]
        assert result["status"] == "succeeded" and "<CustomerQueryRs" in result["response_qbxml"]
        records = len(kit.parsed[-1].first().records)
        assert records == result["response_qbxml"].count("<CustomerRet>") >= 1


def test_the_comparison_reports_medians_and_their_ratio() -> None:
    report = peer.compare(SCHEMA_DIR, rounds=10, warmup=2)
    assert report["rounds"] == 10 and report["qbwc_kit_version"] == "0.1.3"
    for row in report["exchanges"]:
        assert row["gateway_us"] > 0 and row["qbwc_kit_us"] > 0
        assert row["ratio"] == round(row["gateway_us"] / row["qbwc_kit_us"], 2)
        # AND the reading floor is measured beside them: below the whole round trip, which reads the same bytes
        assert 0 < row["reading_floor_us"] < row["gateway_us"]
        assert row["floor_ratio"] == round(row["reading_floor_us"] / row["qbwc_kit_us"], 2)


def test_a_ratio_is_the_ratio_of_the_figures_reported_even_at_a_rounding_boundary() -> None:
    # GIVEN medians whose unrounded ratio rounds up (172.74 / 348.94 = 0.49505) and whose reported figures'
    # ratio rounds down (172.7 / 348.9 = 0.49498): a CI run met this case
    line = peer.row("x", 1, [1_000_000], [348_940], [172_740])
    # THEN the report's ratio is the reported figures' ratio
    assert (line["reading_floor_us"], line["qbwc_kit_us"]) == (172.7, 348.9)
    assert line["floor_ratio"] == round(172.7 / 348.9, 2) == 0.49
    assert line["ratio"] == round(line["gateway_us"] / line["qbwc_kit_us"], 2)


def test_the_reading_floor_parses_what_a_round_trip_reads() -> None:
    # GIVEN an exchange WHEN only its bytes are read THEN it takes CPU, more for the 14 KB answer than the small one
    big, small = peer.exchanges()
    floors = [min(peer.reading_floor(peer.Reading.of(e)) for _ in range(20)) for e in (big, small)]
    assert floors[0] > floors[1] > 0


def test_a_round_trip_counts_the_server_s_calls_not_the_bench_reading_their_answers(monkeypatch) -> None:
    # GIVEN a clock that only moves when the bench itself reads an answer (a second per read)
    now = [0]
    reads = peer.result_of

    def slow_read(body: str | bytes, method: str) -> list[str]:
        now[0] += 1_000_000_000
        return reads(body, method)

    monkeypatch.setattr(peer, "result_of", slow_read)
    gateway, exchange = peer.Gateway(SCHEMA_DIR), peer.exchanges()[1]
    # WHEN a round trip is measured on that clock
    spent = peer.round_trip(gateway, exchange, clock=lambda: now[0])
    # THEN the bench read three answers, and none of that reading is the server's CPU
    assert now[0] == 3_000_000_000
    assert spent == 0
