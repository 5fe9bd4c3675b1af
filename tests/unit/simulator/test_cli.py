"""``python -m simulator`` runs sessions against a gateway URL and prints a compact log."""

from __future__ import annotations

import pytest

from simulator.__main__ import main
from tests.unit.simulator.fake_gateway import Answer, serve
from tests.unit.simulator.support import customer_add, message_set


def test_one_session_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a gateway with one CustomerAdd to hand out
    WHEN the simulator runs once from the command line
    THEN it exits 0 and logs one line per call, qbXML shown by its message names."""
    answers: dict[str, list[Answer]] = {
        "authenticate": [["TICKET-1", ""]],
        "sendRequestXML": [message_set(customer_add("Acme"))],
        "receiveResponseXML": [100],
        "closeConnection": ["OK"],
    }
    with serve(answers) as gateway:
        status = main(["--url", gateway.url, "--username", "qbuser", "--password", "pw", "--noop-wait", "0.01"])

    out = capsys.readouterr().out
    assert status == 0
    assert gateway.methods[-1] == "closeConnection"
    assert "qbXML[CustomerAddRq]" in out
    assert "qbXML[CustomerAddRs:0]" in out
    assert "session completed" in out
    assert "pw" not in out.replace("password", "")


def test_a_failed_session_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a gateway that rejects the user
    WHEN the simulator runs once
    THEN it exits 1."""
    with serve({"authenticate": [["", "nvu"]], "closeConnection": ["Invalid user"]}) as gateway:
        status = main(["--url", gateway.url, "--username", "qbuser", "--password", "wrong"])

    assert status == 1
    assert "session nvu" in capsys.readouterr().out
