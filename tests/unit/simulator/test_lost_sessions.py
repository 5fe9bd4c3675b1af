"""Sessions lost in the middle of a sync: iterators that expire, QuickBooks restarting, a machine that
goes to sleep mid-session, and a session closed early — each as the gateway would see it."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.__main__ import main
from simulator.quickbooks import CompanyFile
from simulator.sessions import Interruption, SessionOutcome
from simulator.web_connector import WebConnector
from tests.support.paths import SCHEMA_DIR
from tests.unit.simulator.fake_gateway import Answer, FakeGateway, serve
from tests.unit.simulator.queries import ask, attribute, customer_query, texts
from tests.unit.simulator.support import customer_add, message_set, responses

OPENING = ["serverVersion", "clientVersion", "authenticate"]


@pytest.fixture
def populated() -> CompanyFile:
    company = CompanyFile.modern("Synced Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=1_000, invoices=200, seed=21)
    return company


def start(company: CompanyFile, size: int = 100) -> str:
    return (
        attribute(ask(company, customer_query(iterator="Start", max_returned=size, active="All")), "iteratorID") or ""
    )


def proceed(company: CompanyFile, iterator_id: str, size: int = 100) -> int:
    """Continue the iterator; return the statusCode."""
    return ask(company, customer_query(iterator="Continue", iterator_id=iterator_id, max_returned=size)).status_code


def connector(gateway: FakeGateway, company: CompanyFile, **options: Any) -> WebConnector:
    options.setdefault("noop_wait", 0.01)
    options.setdefault("timeout", 5.0)
    return WebConnector(gateway.url, "qbuser", "s3cret", company, **options)


def paging_script(**overrides: list[Answer]) -> dict[str, list[Answer]]:
    """A gateway that starts a 100-customer iterator, continues the iterator it was given, and says 50 %."""
    state: dict[str, str] = {}

    def send(params: dict[str, str]) -> str:
        if "id" in state:
            query = customer_query(iterator="Continue", iterator_id=state["id"], max_returned=100, active="All")
        else:
            query = customer_query(iterator="Start", max_returned=100, active="All")
        return message_set(query, version="16.0")

    def receive(params: dict[str, str]) -> int:
        [rs] = responses(params["response"])
        state.setdefault("id", attribute(rs, "iteratorID") or "")
        return 50

    script: dict[str, list[Answer]] = {
        "serverVersion": ["fake-gateway 1.0"],
        "clientVersion": [""],
        "authenticate": [["TICKET-1", ""]],
        "sendRequestXML": [send],
        "receiveResponseXML": [receive],
        "getLastError": ["NoOp"],
        "connectionError": ["done"],
        "closeConnection": ["OK"],
    }
    script.update(overrides)
    return script


# -- the company file ------------------------------------------------------------------------------


def test_expire_iterators_kills_every_open_iterator_and_keeps_the_data(populated: CompanyFile) -> None:
    """GIVEN two open customer iterators
    WHEN expire_iterators() is called
    THEN both continuations get 3391 (Error), no iterator is open, the customers are all still there,
    and a new Start works."""
    first, second = start(populated), start(populated)

    populated.expire_iterators()

    assert (proceed(populated, first), proceed(populated, second), populated.open_iterators) == (3391, 3391, 0)
    assert len(populated.customers()) == 1_000
    assert proceed(populated, start(populated)) == 0


def test_expire_iterators_after_n_message_sets_strikes_once(populated: CompanyFile) -> None:
    """GIVEN an open iterator and expire_iterators(after=2)
    WHEN it is continued three times, then a new iterator is started and continued
    THEN the first two continuations work, the third gets 3391, and the new iterator lives on."""
    iterator_id = start(populated)

    populated.expire_iterators(after=2)
    codes = [proceed(populated, iterator_id) for _ in range(3)]
    fresh = start(populated)

    assert codes == [0, 0, 3391]
    assert proceed(populated, fresh) == 0


@pytest.mark.parametrize("end", ["close_session", "restart"])
def test_the_end_of_a_session_and_a_restart_drop_iterators(populated: CompanyFile, end: str) -> None:
    """GIVEN an open iterator and a message set stored under newMessageSetID
    WHEN the QuickBooks session ends (or QuickBooks restarts)
    THEN the iterator is gone (3391) but the stored answer can still be recovered."""
    iterator_id = start(populated)
    populated.process(message_set(customer_add("Kept Co"), version="16.0", attributes='newMessageSetID="set-9"'))

    getattr(populated, end)()
    recovered = responses(populated.process(message_set(version="16.0", attributes='oldMessageSetID="set-9"')))

    assert proceed(populated, iterator_id) == 3391
    assert [(rs.name, rs.status_code, rs.ret_text("Name")) for rs in recovered] == [("CustomerAddRs", 0, "Kept Co")]
    assert populated.restarts == (1 if end == "restart" else 0)


# -- the Web Connector -----------------------------------------------------------------------------


def test_a_machine_that_sleeps_mid_session_makes_no_further_call(populated: CompanyFile) -> None:
    """GIVEN a gateway paging customers with an iterator, 50 % after each page
    WHEN the Web Connector vanishes after 3 requests
    THEN the gateway gets three pages and then nothing — no fourth sendRequestXML, no closeConnection —
    and the QuickBooks session's iterator is gone with it."""
    with serve(paging_script()) as gateway:
        result = connector(gateway, populated, vanish_after=3).run_session()

    assert gateway.methods == [*OPENING] + ["sendRequestXML", "receiveResponseXML"] * 3
    assert (result.outcome, result.requests_processed, result.close_message) == (SessionOutcome.VANISHED, 3, None)
    assert not result.failed
    assert populated.open_iterators == 0


def test_vanishing_before_the_answer_leaves_work_done_and_unreported(populated: CompanyFile) -> None:
    """GIVEN the same paging gateway
    WHEN the Web Connector vanishes before the answer to its 2nd request
    THEN QuickBooks ran 2 requests but the gateway received only 1 answer."""
    with serve(paging_script()) as gateway:
        result = connector(gateway, populated, vanish_after=2, vanish_before_answer=True).run_session()

    assert gateway.methods == [*OPENING, "sendRequestXML", "receiveResponseXML", "sendRequestXML"]
    assert [execution.name for execution in populated.executions] == ["CustomerQueryRq"] * 2
    assert result.outcome is SessionOutcome.VANISHED


def test_a_session_closed_early_says_close_connection(populated: CompanyFile) -> None:
    """GIVEN the paging gateway, which always has more to ask (50 %)
    WHEN the Web Connector is set to close after 2 requests
    THEN it calls closeConnection after the 2nd answer and reports CLOSED_EARLY."""
    with serve(paging_script()) as gateway:
        result = connector(gateway, populated, close_after=2).run_session()

    assert gateway.methods == [*OPENING, *["sendRequestXML", "receiveResponseXML"] * 2, "closeConnection"]
    assert (result.outcome, result.close_message) == (SessionOutcome.CLOSED_EARLY, "OK")


def test_a_one_shot_interruption_spares_the_next_session(populated: CompanyFile) -> None:
    """GIVEN a connector told to vanish after 1 request in its next session only
    WHEN two sessions run against a gateway that finishes at the second answer
    THEN the first vanishes after 1 request, the second completes with closeConnection."""
    receive: list[Answer] = [50, 50, 100]
    send: list[Answer] = [message_set(customer_query(max_returned=5), version="16.0")]
    with serve(paging_script(sendRequestXML=send, receiveResponseXML=receive)) as gateway:
        web_connector = connector(gateway, populated)
        web_connector.vanish_next_session(after=1)
        first, second = web_connector.run_session(), web_connector.run_session()

    assert (first.outcome, first.requests_processed) == (SessionOutcome.VANISHED, 1)
    assert (second.outcome, second.requests_processed) == (SessionOutcome.COMPLETED, 2)
    assert gateway.methods.count("closeConnection") == 1


def test_an_interruption_needs_at_least_one_request() -> None:
    """GIVEN the interruption record
    WHEN one is made for 0 requests
    THEN it is refused."""
    with pytest.raises(ValueError, match="at least one request"):
        Interruption(0, "vanish")


def test_a_sync_resumes_by_name_after_the_machine_slept(populated: CompanyFile) -> None:
    """GIVEN a gateway that pages customers 100 at a time and, in a new session, restarts with
    NameRangeFilter FromName = the last name it got
    WHEN the first session vanishes after 4 pages and the second runs to the end
    THEN across both sessions the gateway saw every customer, the boundary one twice, nothing skipped."""
    seen: list[tuple[str, str]] = []
    state: dict[str, str | None] = {"id": None}

    def send(params: dict[str, str]) -> str:
        if state["id"] is not None:
            query = customer_query(iterator="Continue", iterator_id=state["id"], max_returned=100, active="All")
        else:
            query = customer_query(iterator="Start", max_returned=100, active="All",
                                   from_name=seen[-1][1] if seen else None)  # fmt: skip
        return message_set(query, version="16.0")

    def receive(params: dict[str, str]) -> int:
        [rs] = responses(params["response"])
        seen.extend(zip(texts(rs, "ListID"), texts(rs, "FullName"), strict=True))
        state["id"] = attribute(rs, "iteratorID")
        return 100 if attribute(rs, "iteratorRemainingCount") == "0" else 50

    script = paging_script(sendRequestXML=[send], receiveResponseXML=[receive])
    with serve(script) as gateway:
        web_connector = connector(gateway, populated)
        web_connector.vanish_next_session(after=4)
        lost = web_connector.run_session()
        state["id"] = None  # the gateway learns the session is gone
        resumed = web_connector.run_session()

    order = sorted(populated.customers(), key=lambda customer: populated.full_name(customer).casefold())
    ids = [list_id for list_id, _ in seen]
    assert (lost.outcome, resumed.outcome) == (SessionOutcome.VANISHED, SessionOutcome.COMPLETED)
    assert ids[399] == ids[400]
    assert ids[:400] + ids[401:] == [customer.list_id for customer in order]


# -- the command line ------------------------------------------------------------------------------


def test_the_command_line_populates_and_vanishes(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a gateway that pages customers
    WHEN the simulator runs with --customers 300 --invoices 40 --seed 3 --vanish-after 2
    THEN it logs the population, the gateway gets two pages of generated customers and no
    closeConnection, and the exit status is 0."""
    with serve(paging_script()) as gateway:
        status = main(["--url", gateway.url, "--username", "qbuser", "--password", "pw", "--modern",
                       "--customers", "300", "--invoices", "40", "--seed", "3", "--vanish-after", "2"])  # fmt: skip

    out = capsys.readouterr().out
    answers = [responses(call.params["response"])[0] for call in gateway.calls("receiveResponseXML")]
    assert status == 0
    assert "populated 300 customers" in out and "40 invoices" in out and "session vanished" in out
    assert gateway.methods[-1] == "receiveResponseXML" and "closeConnection" not in gateway.methods
    assert [len(rs.rets) for rs in answers] == [100, 100]
    assert [attribute(rs, "iteratorRemainingCount") for rs in answers] == ["200", "100"]


def test_the_command_line_closes_early_and_expires_iterators(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a gateway that pages customers
    WHEN the simulator runs with --expire-iterators-after 1 --close-after 2 over 300 generated customers
    THEN the second page (a Continue) is answered 3391, and the session ends with closeConnection."""
    with serve(paging_script()) as gateway:
        status = main(["--url", gateway.url, "--username", "qbuser", "--password", "pw", "--modern",
                       "--customers", "300", "--expire-iterators-after", "1", "--close-after", "2"])  # fmt: skip

    codes = [responses(call.params["response"])[0].status_code for call in gateway.calls("receiveResponseXML")]
    assert status == 0
    assert codes == [0, 3391]
    assert gateway.methods[-1] == "closeConnection"
    assert "session closed_early" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [(["--invoices", "5"], "--invoices needs --customers"), (["--vanish-before-answer"], "needs --vanish-after"),
     (["--close-after", "0"], "not at least 1")],
)  # fmt: skip
def test_the_command_line_refuses_inconsistent_options(
    capsys: pytest.CaptureFixture[str], arguments: list[str], complaint: str
) -> None:
    """GIVEN options that contradict each other or are out of range
    WHEN the simulator is started with them
    THEN it exits with a usage error naming the problem."""
    with pytest.raises(SystemExit) as exited:
        main(["--url", "http://127.0.0.1:9/qbwc", "--username", "u", "--password", "p", *arguments])

    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err
