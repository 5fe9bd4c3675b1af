"""docs/errors.md and docs/api.md are generated (from the error catalog, from the resources) and must not
drift; the README shows the error envelope as the code makes it."""

from __future__ import annotations

import dataclasses
import re

import pytest

from chalicelib.errors import CATALOG, error
from tests.support.paths import REPO_DIR
from tools.gen_errors_doc import render

ERRORS_DOC = REPO_DIR / "docs" / "errors.md"


@pytest.fixture(scope="module")
def committed() -> str:
    assert ERRORS_DOC.is_file(), "docs/errors.md is missing: run python -m tools.gen_errors_doc"
    return ERRORS_DOC.read_text(encoding="utf-8")


def test_errors_doc_is_what_the_catalog_renders(committed: str) -> None:
    # GIVEN the catalog as the code holds it
    # WHEN the errors page is rendered from it
    rendered = render(CATALOG)
    # THEN it is exactly the committed docs/errors.md
    assert rendered == committed, "docs/errors.md is out of date: run python -m tools.gen_errors_doc"


def test_every_catalog_code_is_documented(committed: str) -> None:
    # GIVEN every code of the catalog / WHEN the committed page is read
    missing = [code for code in CATALOG if f"| `{code}` |" not in committed]
    # THEN each one has its own row
    assert not missing, f"not in docs/errors.md: {missing}"


def test_a_new_catalog_entry_changes_the_page() -> None:
    # GIVEN the catalog plus one entry of a type nobody has used yet
    spec = next(iter(CATALOG.values()))
    extra = dataclasses.replace(spec, code="zz_new_error", type="zz_new_type", user_facing_message="Do | this.")
    # WHEN it is rendered
    page = render({**CATALOG, extra.code: extra})
    # THEN the new entry and its type appear, the pipe escaped, and the page differs from the catalog's own
    assert "### `zz_new_type`" in page
    assert "| `zz_new_error` |" in page and "Do \\| this." in page
    assert page != render(CATALOG)


def test_the_readme_lists_the_envelope_s_fields_as_the_code_makes_them() -> None:
    # GIVEN the README's line that lists the error envelope's fields
    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    listed = re.search(r'`\{"error": \{([^}]*)\}\}`', readme)
    assert listed, "the README does not show the error envelope"
    fields = [name.strip().strip('"') for name in listed.group(1).split(",")]
    # THEN they are exactly the fields of an error as the API answers it, in order
    assert fields == list(error("internal_error", "x").to_dict("req").keys())


def test_the_api_reference_is_what_the_resources_render() -> None:
    # GIVEN the resource catalog and the models  WHEN docs/api.md is rendered from them
    from tools import gen_api_doc

    rendered = gen_api_doc.render()
    # THEN it is the committed page, and it has a section with an example for every resource
    assert (REPO_DIR / "docs" / "api.md").read_text(encoding="utf-8") == rendered, \
        "docs/api.md is out of date: run python -m tools.gen_api_doc"
    from chalicelib.resources.catalog import names

    for name in names():
        section = rendered.split(f"### `{name}`", 1)[1].split("### ", 1)[0]
        assert "```bash" in section and f"/{name}" in section, name


def test_the_readme_s_result_message_has_the_keys_of_a_succeeded_job_s_message() -> None:
    # GIVEN the README's example of a result message and a message the gateway makes for a job that succeeded
    import json
    from datetime import UTC, datetime

    from chalicelib.jobs.models import Job
    from chalicelib.jobs.results import result_message
    from chalicelib.jobs.states import JobStatus

    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### SQS out:"):]
    example = json.loads(section[section.index("```json") + 7:section.index("```", section.index("```json") + 7)])
    at = datetime(2026, 11, 24, 10, tzinfo=UTC)
    job = Job(id="job_eu_1_1", end_user_id="eu_1", seq=1, qbxml="<CustomerQueryRq/>", status=JobStatus.SUCCEEDED,
              request_names=("CustomerQueryRq",), is_write=False, source="rest",
              enqueued_at=at, completed_at=at, response_qbxml="<QBXML/>")
    # THEN the example shows exactly the keys such a message has (response_s3_uri only when the answer is in S3)
    assert set(example) == set(result_message(job))


def test_the_readme_names_every_field_an_ingress_message_takes() -> None:
    from chalicelib.api.bodies import IngressMessage

    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### SQS in:"):readme.index("### Python: `chalicelib.sdk.enqueue_job`")]
    assert [f for f in IngressMessage.model_fields if f'"{f}"' not in section] == []


def test_every_list_example_of_the_api_reference_is_a_list_the_api_builds() -> None:
    # GIVEN every GET example of docs/api.md (bills-to-pay, deleted-list-objects … need a filter of their own)
    from urllib.parse import parse_qsl, urlsplit

    from chalicelib.resources import build
    from chalicelib.resources.catalog import resource

    page = (REPO_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    examples = re.findall(r'curl -s "\$QBDGW_URL/v1/end-users/\$EU/([a-z-]+)(\?[^"]*)?" -H', page)
    assert len(examples) > 70
    for name, query in examples:
        res = resource(name)
        assert res is not None, name
        params = dict(parse_qsl(urlsplit(query).query))
        # WHEN the API builds it THEN it is accepted (no 400), and a limit is sent only where it does something
        call = build.list_call(res, {k: v for k, v in params.items() if k not in build.RESERVED_PARAMS},
                               limit=int(params["limit"]) if "limit" in params else None)
        assert "limit" not in params or call.pages or "<MaxReturned>" in call.qbxml, name
