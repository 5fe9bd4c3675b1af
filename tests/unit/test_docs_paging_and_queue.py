"""docs/paging.md, docs/queue-core.md and docs/feed.md say what the code does: which queries can be paged,
what ``paging`` takes and what a page carries, the attributes of the lease's pointer, the bugs the simulation
of paged syncs found, and how far back a new subscription's first catch-up asks. Each test reads the fact from
the code (the pager, the API's body, the DynamoDB adapter, the simulation's regression tests, the feed's
window) and the page, and fails when they part.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

import pytest

from chalicelib.api.bodies import Paging
from chalicelib.errors import GatewayError
from chalicelib.feed import window
from chalicelib.feed.models import Mark, Subscription
from chalicelib.jobs.models import Job
from chalicelib.jobs.results import result_message
from chalicelib.jobs.states import JobStatus
from chalicelib.qbxml import QbxmlVersion, parse_job_qbxml
from chalicelib.qbxml.cursor import Cursor
from chalicelib.qbxml.paging import pageable
from chalicelib.qbxml.schema import SchemaCatalog
from chalicelib.store.dynamo_lease import _POINTER_ATTRS
from tests.support.paths import REPO_DIR, SCHEMA_DIR

DOCS = REPO_DIR / "docs"
QUERY_NAME = re.compile(r"`(\w+QueryRq)`")
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12}


@cache
def catalog() -> SchemaCatalog:
    return SchemaCatalog(SCHEMA_DIR)


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _between(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin:text.index(end, begin)]


def _family(query: str) -> str | None:
    """How the pager walks ``<query/>`` at the oldest and newest qbXML versions ("list", "txn"), or None
    when it refuses it at either."""
    families = set()
    for version in (QbxmlVersion(13, 0), catalog().available()[-1]):
        try:
            families.add(pageable(parse_job_qbxml(f"<{query}/>"), 10, version, catalog()).family)
        except GatewayError:
            return None
    assert len(families) == 1, f"{query} is paged differently by version: {families}"
    return families.pop()


ASKING = " ".join(_between(_page("paging.md"), "## Asking for it", "## What the SaaS receives").split())


@pytest.mark.parametrize(("start", "end", "family"), [
    ("a **list query**", "else a **transaction query**", "list"),
    ("a **transaction query**", "walked in windows", "txn"),
    ("The other list queries", "are refused", None),
])
def test_the_queries_the_paging_page_names_are_paged_as_it_says(start: str, end: str, family: str | None) -> None:
    named = QUERY_NAME.findall(_between(ASKING, start, end))
    assert named, f"the paging page names no queries after {start!r}"
    assert {q: _family(q) for q in named} == {q: family for q in named}


def test_the_paging_page_names_every_option_paging_takes() -> None:
    for option in Paging.model_fields:
        assert f"`{option}`" in ASKING, f"docs/paging.md does not say what paging.{option} does"


def test_the_paging_page_names_every_field_of_a_page_and_when_the_last_one_has_records_left() -> None:
    """A job of a page budget (``max_pages``) ends with records left: its last page says ``has_more``."""
    cursor = Cursor(page_size=10, pages=2, records=20, page_records=10, remaining=15, page_budget=2)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    job = Job(id="job_1", end_user_id="eu_1", seq=1, status=JobStatus.SUCCEEDED, qbxml="<CustomerQueryRq/>",
              request_names=("CustomerQueryRq",), is_write=False, enqueued_at=now, source="rest",
              paging=cursor.to_dict(),
              response_qbxml="<QBXML/>")
    message = result_message(job)
    assert message["last"] and message["remaining"] == 15 and message["has_more"]
    receives = _between(_page("paging.md"), "## What the SaaS receives", "## How it runs")
    page_fields = ("page", "records", "remaining", "last", "resumed", "cursor", "has_more")
    assert set(page_fields) <= set(message)
    for name in page_fields:
        assert f"`{name}`" in receives or f'"{name}"' in receives, f"docs/paging.md does not name {name}"
    assert '"remaining": 0`)' not in receives, "the page says every last page has nothing remaining"


def test_the_pointer_attributes_the_queue_core_page_lists_are_those_the_lease_stores() -> None:
    row = next(line for line in _page("queue-core.md").splitlines() if line.startswith("| company-file lease"))
    assert set(re.findall(r"`(p_\w+)`", row)) == set(_POINTER_ATTRS)


def test_the_paging_page_counts_the_bugs_the_simulation_of_paged_syncs_found() -> None:
    source = (REPO_DIR / "tests" / "unit" / "jobs" / "test_simulation.py").read_text(encoding="utf-8")
    found = set()
    for number, story in re.findall(r'"""Counter-example (\d+)\b(.*?)"""', source, re.DOTALL):
        given = story.split("WHEN", 1)[0]
        if "paged" in given or "paged syncs" in story:
            found.add(int(number))
    said = re.search(rf"It found ({'|'.join(NUMBERS)}) bugs of paged syncs \(counter-examples (\d+) to (\d+)\)",
                     " ".join(_page("paging.md").split()))
    assert said, "docs/paging.md does not say how many bugs the simulation of paged syncs found"
    assert NUMBERS[said.group(1)] == len(found)
    assert set(range(int(said.group(2)), int(said.group(3)) + 1)) == found


def test_the_feed_page_says_how_far_back_a_now_subscription_s_first_catch_up_asks() -> None:
    created = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    subscription = Subscription(id="fsub_1", end_user_id="eu_1", object_types=("customers",), interval_seconds=3600,
                                start="now", created_at=created, next_run_at=created)
    bound = window.since(Mark(), subscription, window.DEFAULT_OVERLAP)
    assert bound is not None
    back = created - datetime.fromisoformat(bound).replace(tzinfo=UTC)
    assert back == window.DEFAULT_OVERLAP + window.AHEAD_OF_UTC
    hours = int(window.AHEAD_OF_UTC.total_seconds() // 3600)
    text = " ".join(_page("feed.md").split())
    assert f"the first query asks from the creation time minus the overlap and {hours} hours" in text
