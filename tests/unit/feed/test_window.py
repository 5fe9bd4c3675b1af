"""The mark's arithmetic (chalicelib.feed.window.advance), pure: where the next window starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.feed.models import Mark, Seen
from chalicelib.feed.window import advance

OVERLAP = timedelta(minutes=10)


def _pending(*times: str) -> Mark:
    return Mark(at="2024-03-04T04:00:00-05:00", pending_run=2,
                pending=tuple(Seen(f"id{i}", f"rev{i}", at) for i, at in enumerate(times)))


def test_the_mark_moves_to_the_newest_time_published_when_the_query_began_after_it() -> None:
    began = datetime(2024, 3, 4, 10, 30, tzinfo=UTC)  # 05:30 in the company's -05:00
    mark = advance(_pending("2024-03-04T05:15:00-05:00", "2024-03-04T05:22:02-05:00"), 2, OVERLAP, began=began)
    assert mark.at == "2024-03-04T05:22:02-05:00"
    assert [s.id for s in mark.recent] == ["id0", "id1"]  # both within the overlap below it
    assert mark.done_run == 2 and mark.pending == ()


def test_the_mark_is_no_later_than_when_a_long_walk_began_in_the_companys_offset() -> None:
    """A walk that began at 05:01 and published a record stamped 05:22: an edit at 05:11 behind the walk's
    position must still be inside the next window (from the mark minus the overlap)."""
    began = datetime(2024, 3, 4, 10, 1, tzinfo=UTC)
    mark = advance(_pending("2024-03-04T05:22:02-05:00"), 2, OVERLAP, began=began)
    assert mark.at == "2024-03-04T05:01:00-05:00"
    assert [s.id for s in mark.recent] == ["id0"]  # what was published stays known: no second event


def test_the_mark_never_moves_back() -> None:
    """A query that began before the mark it had (the host's clock ahead of the gateway's): it stays."""
    began = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)  # 03:00 in -05:00, before the mark's 04:00
    mark = advance(_pending("2024-03-04T05:22:02-05:00"), 2, OVERLAP, began=began)
    assert mark.at == "2024-03-04T04:00:00-05:00"
    without = advance(_pending("2024-03-04T05:22:02-05:00"), 2, OVERLAP)
    assert without.at == "2024-03-04T05:22:02-05:00"
