"""docs/operations.md says what the code does: the stack's functions, the configuration the settings read,
the steps of ``make package``, where the Web Connector's log lines are, which URL the ``.qwc`` files name,
and how API keys made by the CLI are stored. Each test reads the facts from the code (the Chalice app,
``infra/package.py``, ``chalicelib/config.py``, the Makefile, the CLI) and the page, and fails when they part.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from click.testing import CliRunner

from chalicelib.config import Settings
from infra.package import FUNCTION_ENVIRONMENT, FUNCTION_LOG_GROUPS, add_web_connector_url
from tests.support.paths import REPO_DIR

OPERATIONS = REPO_DIR / "docs" / "operations.md"
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12}
_N = "|".join(NUMBERS)
# How the page counts the stack's functions: "the six Lambda functions", "all six functions".
COUNTED = re.compile(rf"\b(?:(?:all|the) ({_N})(?: Lambda)? functions|({_N}) Lambda functions)\b", re.IGNORECASE)
QBDGW_NAME = re.compile(r"`(QBDGW_[A-Z0-9_]+)`")


@pytest.fixture(scope="module")
def page() -> str:
    return OPERATIONS.read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` (a ``#`` line) up to the next heading of any level."""
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(r"^#{1,6} ", text[start:], re.MULTILINE)
    return text[start:start + following.start()] if following else text[start:]


def _table(text: str, header: str) -> list[list[str]]:
    """The rows (cells stripped) of the table whose header line starts with ``header``."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[first + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _units(text: str) -> list[str]:
    """Paragraphs (text between blank lines), but every table row on its own."""
    units: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        units.extend(rows)
        rest = "\n".join(line for line in block.splitlines() if not line.startswith("|"))
        if rest.strip():
            units.append(rest)
    return units


def _app_functions() -> set[str]:
    """The logical ids ``chalice package`` gives the app's functions: APIHandler for the routes, the rest by name."""
    from chalice.utils import to_cfn_resource_name

    from app import app

    named = [f.name for f in app.pure_lambda_functions] + [source.name for source in app.event_sources]
    return ({"APIHandler"} if app.routes else set()) | {to_cfn_resource_name(name) for name in named}


def _function_names() -> dict[str, str]:
    """Each function's logical id → its name in a stage, as the template's log group for it fixes it."""
    resources = json.loads((REPO_DIR / "infra" / "template.json").read_text(encoding="utf-8"))["Resources"]
    names = {}
    for logical, group in FUNCTION_LOG_GROUPS.items():
        sub = resources[group]["Properties"]["LogGroupName"]["Fn::Sub"]
        names[logical] = str(sub).removeprefix("/aws/lambda/").replace("${Stage}", "<stage>")
    return names


# 1. The functions ------------------------------------------------------------------------------------------
def test_the_function_table_names_every_function_of_the_stack_as_the_template_names_it(page: str) -> None:
    # GIVEN the app's functions, which are the packaged template's (infra.package wires each to its log group)
    assert _app_functions() == set(FUNCTION_LOG_GROUPS)
    # WHEN the page's table of Lambda functions is read
    rows = _table(page, "| function | name |")
    listed = {row[0].strip("`"): row[1].strip("`") for row in rows}
    # THEN it has one row per function, with the function's name in a stage
    assert listed == _function_names()


def test_every_count_of_the_functions_in_words_is_the_number_there_are(page: str) -> None:
    # GIVEN how many functions the stack has
    there_are = len(_app_functions())
    # WHEN the page (and the README) say how many there are ("the six Lambda functions", "all six functions")
    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    counts = {(doc, match.group(0)): NUMBERS[(match.group(1) or match.group(2)).lower()]
              for doc, text in (("operations.md", page), ("README.md", readme)) for match in COUNTED.finditer(text)}
    # THEN the page says it at least once, and every count is that number
    assert any(doc == "operations.md" for doc, _ in counts), "operations.md no longer says how many functions"
    wrong = {said: n for said, n in counts.items() if n != there_are}
    assert not wrong, f"the stack has {there_are} functions: {wrong}"


def test_where_the_page_sends_you_to_the_api_s_logs_for_the_web_connector_it_names_its_own_function(
        page: str) -> None:
    # GIVEN that deployed .qwc files name the WebConnector function's URL (APIHandler's /qbwc serves older ones)
    # WHEN a paragraph or table row names APIHandler and a Web Connector log line (QBWC …) or login
    about_the_web_connector = [unit for unit in _units(page) if "`APIHandler`" in unit
                               and (re.search(r"`QBWC [^`]*`", unit) or "Web Connector login" in unit)]
    # THEN it names WebConnector too, where those lines are logged for every .qwc made today
    wrong = [unit for unit in about_the_web_connector if "`WebConnector`" not in unit]
    assert not wrong, "\n\n".join(wrong)


# 2. Configuration ------------------------------------------------------------------------------------------
def _configuration_rows(page: str) -> dict[str, list[str]]:
    """Each variable of the Configuration table → its row (a row may name several: `A` / `B`)."""
    rows = _table(_section(page, "## Configuration"), "| variable |")
    return {name: row for row in rows for name in QBDGW_NAME.findall(row[0])}


def _settings_variables() -> set[str]:
    source = (REPO_DIR / "chalicelib" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'"(QBDGW_[A-Z0-9_]+)"', source))


def test_the_configuration_table_lists_every_variable_the_settings_read(page: str) -> None:
    # GIVEN every QBDGW_ variable chalicelib/config.py reads  WHEN the Configuration table is read
    read = _settings_variables()
    assert len(read) > 30, "the regex no longer finds the settings' variables"
    # THEN each has a row
    missing = sorted(read - set(_configuration_rows(page)))
    assert not missing, f"not in operations.md's Configuration table: {missing}"


def test_every_variable_the_configuration_table_lists_is_read_by_the_code(page: str) -> None:
    # GIVEN the gateway's source  WHEN the Configuration table's variables are looked up in it
    source = "".join(path.read_text(encoding="utf-8") for path in [REPO_DIR / "app.py",
                                                                   *(REPO_DIR / "chalicelib").rglob("*.py")])
    # THEN each is read somewhere (a removed setting leaves the table too)
    unread = sorted(name for name in _configuration_rows(page) if f'"{name}"' not in source)
    assert not unread, f"in the Configuration table but read nowhere: {unread}"


def _field_set_by(name: str) -> str | None:
    """The Settings field a variable sets, found by setting it."""
    for value in ("7", "on", "false"):
        try:
            changed = Settings.from_env({name: value})
        except ValueError:
            continue
        fields = [f for f, v in vars(changed).items() if v != getattr(Settings.from_env({}), f)]
        if fields:
            return fields[0]
    return None


def test_the_configuration_table_gives_each_number_setting_its_default(page: str) -> None:
    # GIVEN each variable that sets a number, and that number's default in Settings
    rows = _configuration_rows(page)
    checked = 0
    for name in sorted(_settings_variables()):
        field = _field_set_by(name)
        default = getattr(Settings(), field) if field else None
        if name not in rows or not isinstance(default, int) or isinstance(default, bool):
            continue  # a missing row is the test above's
        # WHEN its row is read THEN its default column shows that number
        assert re.search(rf"(?<![\d.]){default}(?![\d.])", rows[name][1]), (name, default, rows[name][1])
        checked += 1
    assert checked > 15


def test_the_variables_the_page_says_the_stack_sets_are_those_infra_package_sets(page: str) -> None:
    # GIVEN what infra/package.py puts on the functions: the resources' references on every one, and what the
    # Function URL adds to the API's (unless the stage has its own)
    template: dict[str, Any] = {"Resources": {
        name: {"Type": "AWS::Serverless::Function", "Properties": {}} for name in ("APIHandler", "WebConnector")}}
    add_web_connector_url(template)
    set_by_package = set(FUNCTION_ENVIRONMENT) | set(
        template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"])
    # WHEN the Configuration section's paragraph about infra/package.py is read
    paragraph = next(unit for unit in _units(_section(page, "## Configuration")) if "`infra/package.py`" in unit)
    # THEN it names exactly those variables
    assert set(QBDGW_NAME.findall(paragraph)) == set_by_package


# 3. The .qwc files and the custom domain ---------------------------------------------------------------------
def test_the_custom_domain_steps_say_which_url_the_qwc_files_name(page: str) -> None:
    from lxml import etree

    from chalicelib.api.bodies import CreateEndUser
    from chalicelib.api.endusers import EndUserService
    from chalicelib.store.memory import MemoryStore
    from tests.unit.jobs.fakes import FakeClock

    # GIVEN a stage with a public URL (the custom domain) and the Web Connector's own URL
    function_url = "https://abc.lambda-url.us-east-1.on.aws"
    settings = Settings(public_base_url="https://gateway.example.com", qbwc_url=function_url)
    service = EndUserService(MemoryStore(), settings, FakeClock())
    user, _password = service.create(CreateEndUser(company_name="Acme"))
    # WHEN its .qwc is made THEN it names the Web Connector's URL, not the public one
    text, _name = service.qwc(user, settings.public_base_url)
    assert etree.fromstring(text.encode()).findtext("AppURL") == f"{function_url}/qbwc"
    # AND the custom-domain step that sets QBDGW_PUBLIC_URL says so, and asks for no new .qwc files
    deploy = _section(page, "## Deploy")
    step = deploy[deploy.index("5. **Custom domain"):deploy.index("6. Create an API key")]
    public_url = step[step.index('"QBDGW_PUBLIC_URL"'):]
    assert "keep naming the Function URL" in public_url
    assert not re.search(r"must be downloaded again|download (it|them|the `\.qwc`( files)?) again", public_url)
    # AND the Configuration table says QBDGW_PUBLIC_URL is used in .qwc files only without QBDGW_QBWC_URL
    assert "`QBDGW_QBWC_URL`" in _configuration_rows(page)["QBDGW_PUBLIC_URL"][2]


def test_the_page_says_where_a_stage_names_its_own_web_connector_url_and_the_package_keeps_it(page: str) -> None:
    # GIVEN a stage whose environment_variables name its own endpoint (CloudFront in front of the Function URL)
    own = "https://qbwc.example.com"
    template: dict[str, Any] = {"Resources": {
        "APIHandler": {"Type": "AWS::Serverless::Function",
                       "Properties": {"Environment": {"Variables": {"QBDGW_QBWC_URL": own}}}},
        "WebConnector": {"Type": "AWS::Serverless::Function", "Properties": {}}}}
    # WHEN it is packaged THEN the API keeps that URL for the .qwc files
    add_web_connector_url(template)
    assert template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["QBDGW_QBWC_URL"] == own
    # AND the page's advice to put CloudFront in front says where to set it and how it takes effect
    steps = re.split(r"\n(?=\d+\. )", _section(page, "## Deploy"))  # the numbered steps, sub-steps within them
    cloudfront = [step for step in steps if "CloudFront" in step]
    assert cloudfront
    for step in cloudfront:
        assert "`QBDGW_QBWC_URL`" in step and "`.chalice/config.json`" in step and "`make deploy`" in step, step


# 4. API keys and stored secrets -------------------------------------------------------------------------------
def test_the_stored_secrets_section_says_how_a_key_the_cli_makes_is_stored_and_re_stored(
        page: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from chalicelib.api.auth import ApiKeyAuthenticator
    from chalicelib.jobs.security import SecretHasher
    from chalicelib.store.memory import MemoryStore
    from cli import aws as cli_aws
    from cli.main import cli
    from tests.unit.jobs.fakes import FakeClock

    store = MemoryStore()
    monkeypatch.setattr(cli_aws.Aws, "store", lambda self: store)
    operator = CliRunner()
    # GIVEN `qbdgw api-keys create`, which takes a name and nothing else
    assert operator.invoke(cli, ["api-keys", "create", "billing", "qbdgw_chosen_key"]).exit_code == 2
    view = json.loads(operator.invoke(cli, ["api-keys", "create", "billing", "--json"]).stdout)
    # WHEN it makes a key THEN the key is stored with scrypt (the operator's machine has no pepper)
    scheme = store.api_keys[view["key_id"]].secret_hash.split("$")[0]
    assert scheme == "scrypt"
    # AND the gateway re-stores it with the keyed hash at its first use, saying so in one log line
    gateway = ApiKeyAuthenticator(store, FakeClock(), hasher=SecretHasher(("p" * 40,)))
    with caplog.at_level(logging.INFO, logger="chalicelib.api.auth"):
        gateway.authenticate(f"Bearer {view['api_key']}")
        gateway.authenticate(f"Bearer {view['api_key']}")
    [re_stored] = [r.getMessage() for r in caplog.records if "re-stored" in r.getMessage()]
    # AND the Stored secrets section says all that where it names the command
    section = _section(page, "## Stored secrets")
    about_the_cli = [item for item in re.split(r"\n(?=- )|\n\s*\n", section) if "`qbdgw api-keys create`" in item]
    assert about_the_cli, "the Stored secrets section does not say how `qbdgw api-keys create` stores a key"
    assert any(scheme in item and f"`{re_stored}`" in item for item in about_the_cli), about_the_cli
    assert not re.search(r"`qbdgw api-keys create` given", page)
    # AND the pepper's rotation says that a new key from the CLI logs such a line too
    rotation = next(unit for unit in _units(section) if "**Rotate**" in unit)
    assert "`re-stored`" in rotation and "`qbdgw api-keys create`" in rotation


def test_every_re_stored_line_the_page_quotes_is_one_the_code_logs(page: str) -> None:
    # GIVEN the gateway's source  WHEN the page's quoted `… re-stored …` log lines are looked up in it
    source = "".join(path.read_text(encoding="utf-8") for path in (REPO_DIR / "chalicelib").rglob("*.py"))
    prose = re.sub(r"```.*?```", "", page, flags=re.DOTALL)
    spans = {" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)}  # a span may wrap a line
    quoted = {span for span in spans if "re-stored" in span} - {"re-stored"}
    # THEN there are some, and each is a message the code logs
    assert quoted
    assert all(f'"{line}"' in source for line in quoted), quoted


# 5. make package -------------------------------------------------------------------------------------------------
def _package_recipe() -> list[str]:
    """The commands of the Makefile's package target, as the page writes them (`python -m …`, `cfn-lint …`)."""
    makefile = (REPO_DIR / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    recipe = makefile.split("\npackage:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    commands = []
    for line in recipe:
        module = re.search(r"\$\(PY\) -m (\S+)", line)
        tool = re.search(r"\$\(VENV\)/bin/([\w-]+)(?: ([a-z]+)\b)?", line)
        if module:
            commands.append(f"python -m {module.group(1)}")
        elif tool:
            commands.append(" ".join(part for part in tool.groups() if part))
    return commands


def test_the_package_step_lists_every_command_of_make_package_in_order(page: str) -> None:
    # GIVEN the commands make package runs
    commands = _package_recipe()
    assert len(commands) >= 4 and commands[0] == "chalice package"
    # WHEN the Deploy section's Package step is read
    deploy = _section(page, "## Deploy")
    step = deploy[deploy.index("2. **Package**"):deploy.index("3. **Deploy**")]
    # THEN it names each, in the order they run
    positions = [step.find(f"`{command}") for command in commands]
    assert -1 not in positions, [c for c, p in zip(commands, positions, strict=True) if p == -1]
    assert positions == sorted(positions), commands
