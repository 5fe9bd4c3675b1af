"""Every field condition can be switched on, and the Web Connector reports it the way QBWC does."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from simulator.__main__ import main
from simulator.faults import CONDITIONS, Condition, at_stage
from simulator.quickbooks import CompanyFile
from simulator.records import HResultError
from simulator.web_connector import SessionOutcome, SessionResult, WebConnector
from tests.unit.simulator.fake_gateway import Answer, FakeGateway, serve
from tests.unit.simulator.support import customer_add, message_set, responses

OPENING = ["serverVersion", "clientVersion", "authenticate"]
PASSWORD = "s3cret"

EXPECTED: dict[str, tuple[str, str]] = {
    "quickbooks_not_running": ("open", "0x80040416"),
    "no_company_file_open": ("open", "0x80040417"),
    "wrong_company_file_open": ("open", "0x8004040A"),
    "multiple_company_files_open": ("open", "0x8004040A"),
    "dialog_open": ("open", "0x80040414"),
    "same_user_signed_in_elsewhere": ("open", "0x80040410"),
    "permission_denied": ("open", "0x8004041A"),
    "never_authorized": ("open", "0x80040418"),
    "single_user_conflict": ("open", "0x80040422"),
    "quickbooks_starting": ("open", "0x80040424"),
    "could_not_start": ("open", "0x80040408"),
    "other_version_installed": ("open", "0x80040407"),
    "unparsable_request": ("request", "0x80040400"),
}
"""The conditions the gateway's reporting feature needs, with the stage and HRESULT each must have."""

OPEN_STAGE = [condition.name for condition in at_stage("open")]


def script(**overrides: list[Answer]) -> dict[str, list[Answer]]:
    """A gateway with one CustomerAdd to hand out that says "done" to connectionError."""
    answers: dict[str, list[Answer]] = {
        "serverVersion": ["fake-gateway 1.0"],
        "clientVersion": [""],
        "authenticate": [["TICKET-1", ""]],
        "sendRequestXML": [message_set(customer_add("Acme"))],
        "receiveResponseXML": [100],
        "getLastError": ["NoOp"],
        "connectionError": ["done"],
        "closeConnection": ["OK"],
    }
    answers.update(overrides)
    return answers


def connector(gateway: FakeGateway, company: CompanyFile, password: str = PASSWORD, **options: Any) -> WebConnector:
    options.setdefault("noop_wait", 0.01)
    options.setdefault("timeout", 5.0)
    return WebConnector(gateway.url, "qbuser", password, company, **options)


def customer_names(company: CompanyFile) -> list[str]:
    return sorted(customer.name for customer in company.customers())


# -- the catalogue ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "stage", "hresult"), [(name, *value) for name, value in EXPECTED.items()])
def test_each_field_condition_is_catalogued_with_its_stage_and_hresult(name: str, stage: str, hresult: str) -> None:
    """GIVEN the catalogue of field conditions
    WHEN a condition the gateway reports is looked up by name
    THEN it exists under that name, with its stage, its HRESULT and a one-sentence QuickBooks message."""
    condition = CONDITIONS[name]

    assert (condition.name, condition.stage, condition.hresult) == (name, stage, hresult)
    assert condition.message.endswith(".")
    assert ". " not in condition.message, "QBXMLRP2's messages are single sentences"
    assert condition.description


def test_messages_tell_apart_the_conditions_that_share_an_hresult() -> None:
    """GIVEN conditions whose HRESULT does not say it all
    WHEN their messages are read
    THEN each says what is wrong: more than one file open, the user signed in on another computer."""
    assert CONDITIONS["multiple_company_files_open"].message != CONDITIONS["wrong_company_file_open"].message
    assert "More than one" in CONDITIONS["multiple_company_files_open"].message
    assert "another computer" in CONDITIONS["same_user_signed_in_elsewhere"].message


def test_an_unknown_condition_is_refused_and_the_held_one_kept(company: CompanyFile) -> None:
    """GIVEN a company file holding dialog_open
    WHEN an unknown condition name is set
    THEN ValueError names the known conditions and dialog_open is still held."""
    company.set_condition("dialog_open")

    with pytest.raises(ValueError, match="dialog_open") as raised:
        company.set_condition("printer_on_fire")

    assert "printer_on_fire" in str(raised.value)
    assert company.condition is CONDITIONS["dialog_open"]


# -- the company file ------------------------------------------------------------------------------


def test_an_open_stage_condition_throws_on_open_only(company: CompanyFile) -> None:
    """GIVEN an open session, then permission_denied switched on
    WHEN the open session processes a request and a new open is tried
    THEN the request runs, and the open throws 0x8004041A naming the condition as its detail."""
    company.open_session()
    company.set_condition("permission_denied")

    [rs] = responses(company.process(message_set(customer_add("Acme"))))
    with pytest.raises(HResultError) as raised:
        company.open_session()

    assert rs.status_code == 0
    assert (raised.value.hresult, raised.value.detail) == ("0x8004041A", "condition permission_denied")
    assert raised.value.message == CONDITIONS["permission_denied"].message
    assert (company.sessions_opened, company.open_attempts) == (1, ("", ""))


def test_a_request_stage_condition_throws_before_executing(company: CompanyFile) -> None:
    """GIVEN unparsable_request switched on
    WHEN the file is opened and a valid CustomerAdd is processed
    THEN the open succeeds, the request throws 0x80040400 and nothing is executed."""
    company.set_condition("unparsable_request")

    company.open_session()
    with pytest.raises(HResultError) as raised:
        company.process(message_set(customer_add("Acme")))

    assert raised.value.hresult == "0x80040400"
    assert company.sessions_opened == 1
    assert (company.executions, company.customers()) == ([], ())


def test_a_custom_condition_can_be_held(company: CompanyFile) -> None:
    """GIVEN a condition that is not in the catalogue (a Condition object)
    WHEN it is set and the file is opened
    THEN the open throws its HRESULT and message."""
    locked = Condition("file_locked", "Another process holds the lock.", "open", "0x8004041B", "Try again later.")
    company.set_condition(locked)

    with pytest.raises(HResultError) as raised:
        company.open_session()

    assert (raised.value.hresult, raised.value.message) == ("0x8004041B", "Try again later.")


# -- the Web Connector: open stage -----------------------------------------------------------------


@pytest.mark.parametrize("name", OPEN_STAGE)
def test_open_stage_condition_is_reported_retried_once_and_ends_on_done(company: CompanyFile, name: str) -> None:
    """GIVEN a company file held in an open-stage condition, and a gateway that answers the first
    connectionError with the company file's path and the second with "done"
    WHEN one update session runs
    THEN connectionError carries the condition's HRESULT and message, the Web Connector opens the path
    the gateway returned, reports the condition again, and stops without sendRequestXML or closeConnection."""
    condition = CONDITIONS[name]
    company.set_condition(name)
    with serve(script(connectionError=[company.path, "done"])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods == [*OPENING, "connectionError", "connectionError"]
    expected = {"ticket": "TICKET-1", "hresult": condition.hresult, "message": condition.message}
    assert [call.params for call in gateway.calls("connectionError")] == [expected, expected]
    assert company.open_attempts == ("", company.path)
    assert (result.outcome, result.error_code) == (SessionOutcome.CONNECTION_FAILED, "QBWC1013")
    assert condition.hresult in (result.error or "")
    assert [call.result for call in result.calls_to("connectionError")] == [company.path, "done"]
    assert (company.sessions_opened, company.executions) == (0, [])


def test_a_one_shot_open_condition_fails_one_attempt_only(company: CompanyFile) -> None:
    """GIVEN QuickBooks still starting for one attempt, and a gateway that answers connectionError with ""
    WHEN one update session runs
    THEN one connectionError carries 0x80040424, the retry opens the file and the request runs."""
    company.fail_next("quickbooks_starting")
    with serve(script(connectionError=[""])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods == [*OPENING, "connectionError", "sendRequestXML", "receiveResponseXML", "closeConnection"]
    assert gateway.calls("connectionError")[0].params["hresult"] == "0x80040424"
    assert company.open_attempts == ("", "")
    assert result.outcome is SessionOutcome.COMPLETED
    assert customer_names(company) == ["Acme"]
    assert company.condition is None


def test_a_persistent_dialog_keeps_failing_until_cleared(company: CompanyFile) -> None:
    """GIVEN a modal dialog open in QuickBooks, and a gateway that answers connectionError with "done"
    WHEN two sessions run, the dialog is closed, and a third session runs
    THEN the first two report 0x80040414 and run nothing; the third completes the request."""
    company.set_condition("dialog_open")
    with serve(script()) as gateway:
        web_connector = connector(gateway, company)
        blocked = [web_connector.run_session(), web_connector.run_session()]
        methods_while_blocked = list(gateway.methods)
        company.set_condition(None)
        cleared = web_connector.run_session()

    assert [result.outcome for result in blocked] == [SessionOutcome.CONNECTION_FAILED] * 2
    assert [call.params["hresult"] for call in gateway.calls("connectionError")] == ["0x80040414"] * 2
    assert "sendRequestXML" not in methods_while_blocked
    assert cleared.outcome is SessionOutcome.COMPLETED
    assert cleared.methods[-3:] == ("sendRequestXML", "receiveResponseXML", "closeConnection")
    assert (customer_names(company), company.sessions_opened) == (["Acme"], 1)


def test_a_gateway_that_never_says_done_hits_the_simulators_bound(company: CompanyFile) -> None:
    """GIVEN QuickBooks that cannot start, and a gateway that always answers connectionError with a path
    WHEN a session runs with max_connection_attempts 2
    THEN the simulator gives up after two connectionError calls with its own outcome, not "connection failed"."""
    company.set_condition("could_not_start")
    with serve(script(connectionError=[company.path])) as gateway:
        result = connector(gateway, company, max_connection_attempts=2).run_session()

    assert gateway.methods == [*OPENING, "connectionError", "connectionError"]
    assert result.outcome is SessionOutcome.CONNECTION_RETRY_LIMIT
    assert result.failed
    assert "did not answer done" in (result.error or "")


# -- the Web Connector: request stage --------------------------------------------------------------


def test_a_request_stage_condition_goes_back_in_receive_response_xml(company: CompanyFile) -> None:
    """GIVEN QuickBooks that cannot parse requests, and a gateway that answers the hresult with -1
    WHEN a session hands out a valid CustomerAdd
    THEN receiveResponseXML carries an empty response with 0x80040400 and its message,
    then getLastError and closeConnection are called, and nothing is executed."""
    company.set_condition("unparsable_request")
    with serve(script(receiveResponseXML=[-1], getLastError=["QuickBooks could not read job 7"])) as gateway:
        result = connector(gateway, company).run_session()

    [received] = gateway.calls("receiveResponseXML")
    assert received.params == {
        "ticket": "TICKET-1",
        "response": "",
        "hresult": "0x80040400",
        "message": CONDITIONS["unparsable_request"].message,
    }
    assert gateway.methods[-3:] == ["receiveResponseXML", "getLastError", "closeConnection"]
    assert result.outcome is SessionOutcome.SERVER_ERROR
    assert result.status_texts == ("QuickBooks could not read job 7", "OK")
    assert (result.hresult_errors, result.requests_processed, company.executions) == (1, 0, [])


def test_a_one_shot_request_condition_fails_one_request_only(company: CompanyFile) -> None:
    """GIVEN one request that QuickBooks cannot parse, and a gateway with two requests (percent 50, then 100)
    WHEN the session runs
    THEN the first answer is 0x80040400 with no response, the second a response with status 0."""
    company.fail_next("unparsable_request")
    requests: list[Answer] = [message_set(customer_add("Acme")), message_set(customer_add("Bolt"))]
    with serve(script(sendRequestXML=requests, receiveResponseXML=[50, 100])) as gateway:
        result = connector(gateway, company).run_session()

    first, second = gateway.calls("receiveResponseXML")
    assert (first.params["response"], first.params["hresult"]) == ("", "0x80040400")
    assert second.params["hresult"] == ""
    assert [rs.status_code for rs in responses(second.params["response"])] == [0]
    assert customer_names(company) == ["Bolt"]
    assert (result.outcome, result.hresult_errors, result.requests_processed) == (SessionOutcome.COMPLETED, 1, 1)


# -- the Web Connector: the machine and the password -----------------------------------------------


def test_a_paused_machine_makes_no_calls(company: CompanyFile) -> None:
    """GIVEN a paused Web Connector (the machine stopped polling)
    WHEN run_forever ticks every 0.01 s for 0.2 s, and run_session is called directly
    THEN no session is counted or reported, and the gateway receives nothing."""
    reported: list[SessionResult] = []
    with serve(script()) as gateway:
        web_connector = connector(gateway, company)
        web_connector.pause()
        direct = web_connector.run_session()
        timer = threading.Timer(0.2, web_connector.stop)
        timer.start()
        sessions = web_connector.run_forever(0.01, on_result=reported.append)
        timer.cancel()

    assert (direct.outcome, direct.calls) == (SessionOutcome.PAUSED, ())
    assert (sessions, reported) == (0, [])
    assert gateway.received == []
    assert company.open_attempts == ()


def test_a_resumed_machine_polls_again(company: CompanyFile) -> None:
    """GIVEN a paused Web Connector running run_forever every 0.01 s
    WHEN it is resumed after 0.15 s, and the first reported session stops it
    THEN exactly one session ran, and its first call came after the resume."""
    resumed_at: list[float] = []
    with serve(script(authenticate=[["TICKET-1", "none"]])) as gateway:
        web_connector = connector(gateway, company)
        web_connector.pause()

        def resume() -> None:
            resumed_at.append(time.monotonic())
            web_connector.resume()

        timers = [threading.Timer(0.15, resume), threading.Timer(5.0, web_connector.stop)]
        for timer in timers:
            timer.start()
        sessions = web_connector.run_forever(0.01, on_result=lambda result: web_connector.stop())
        for timer in timers:
            timer.cancel()

    assert sessions == 1
    assert gateway.methods == [*OPENING, "closeConnection"]
    assert gateway.received[0].at >= resumed_at[0]
    assert not web_connector.paused


def check_password(params: dict[str, str]) -> list[str]:
    """The gateway's verdict: ``nvu`` unless the password is right."""
    return ["TICKET-7", "" if params.get("strPassword") == PASSWORD else "nvu"]


def test_a_wrong_password_is_refused_and_the_connection_closed(company: CompanyFile) -> None:
    """GIVEN a gateway that answers authenticate with nvu unless the password is right
    WHEN a Web Connector configured with another password runs a session
    THEN authenticate answers nvu, closeConnection follows with the ticket, and the outcome is INVALID_USER."""
    with serve(script(authenticate=[check_password], closeConnection=["Invalid user name or password"])) as gateway:
        result = connector(gateway, company, password="wrong-password").run_session()

    assert gateway.methods == [*OPENING, "closeConnection"]
    assert gateway.calls("authenticate")[0].params["strPassword"] == "wrong-password"
    assert gateway.calls("closeConnection")[0].params == {"ticket": "TICKET-7"}
    assert result.outcome is SessionOutcome.INVALID_USER
    assert result.failed
    assert result.close_message == "Invalid user name or password"
    assert company.open_attempts == ()


def test_the_right_password_gets_through_the_same_gateway(company: CompanyFile) -> None:
    """GIVEN the same password-checking gateway
    WHEN a Web Connector with the right password runs a session
    THEN the request runs and the session completes."""
    with serve(script(authenticate=[check_password])) as gateway:
        result = connector(gateway, company).run_session()

    assert result.outcome is SessionOutcome.COMPLETED
    assert customer_names(company) == ["Acme"]


# -- the command line ------------------------------------------------------------------------------


def test_list_conditions_needs_no_gateway(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN no gateway at all
    WHEN the simulator is asked to list its conditions
    THEN it exits 0 and prints one line per condition with its stage and HRESULT."""
    status = main(["--list-conditions"])

    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert len(lines) == len(CONDITIONS)
    for line, condition in zip(lines, CONDITIONS.values(), strict=True):
        assert line.split()[:3] == [condition.name, condition.stage, condition.hresult]


def test_condition_from_the_command_line(company: CompanyFile, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a gateway that answers connectionError with "done"
    WHEN the simulator runs once with --condition dialog_open
    THEN connectionError carries 0x80040414, the log names the condition, and the exit status is 1."""
    with serve(script()) as gateway:
        status = main(
            ["--url", gateway.url, "--username", "qbuser", "--password", "pw", "--condition", "dialog_open"]
        )

    out = capsys.readouterr().out
    assert status == 1
    assert [call.params["hresult"] for call in gateway.calls("connectionError")] == ["0x80040414"]
    assert "condition dialog_open" in out
    assert "session connection_failed" in out
