"""Every operation of ``/openapi.json`` driven by schemathesis over the filled workspace:
no server error, and every answer (status, content type, body) as the schema says.

The requests are generated from the schema (hypothesis, derandomised so every run sends
the same ones); path parameters are real model keys and run ids half of the time, so the
data-carrying answers are checked too, not only the 404s. The checks are those about
responses; schemathesis's "schema-valid request rejected" is left out on purpose: many
values the schema can only call strings (task names, model keys) are checked against the
workspace and refused with a documented 422.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalatlas.queue import check_submission
from evalatlas.web import create_app
from evalatlas.web.admin.access import TOKEN_VARIABLE

schemathesis = pytest.importorskip(
    "schemathesis", reason="needs schemathesis: pip install 'evalatlas[dev]'"
)
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 40
# Values a schema's "string" or "integer" cannot steer generation towards, but a client
# can send: overflowing floats (1e400 is inf), huge integers, non-numbers and negatives.
HOSTILE_VALUES = (
    "1e400",
    "1e400B",
    "9e999T",
    "inf",
    "-inf",
    "NaN",
    "1e15",
    "1.5e16",
    "99999999999999999999999",
    "-1",
    "0",
    "1e-400",
    "0x10",
    "1_000",
    "５",
    "²",
)
EXPECTED_OPERATIONS = {
    "GET /api/leaderboard",
    "GET /api/leaderboard.json",
    "GET /api/leaderboard.csv",
    "GET /api/models/{key}",
    "GET /api/models/{key}/runs/{run_id}/samples",
    "GET /api/compare",
}


@pytest.fixture
def app(filled_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app as ``evalatlas serve`` starts it (submissions checked, no admin token), over
    a copy of the filled workspace: a submission the checks let through is queued there.
    Each test gets its own: a schemathesis run leaves the app it drove shut down."""
    root = tmp_path_factory.mktemp("schema") / "workspace"
    shutil.copytree(filled_workspace, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(TOKEN_VARIABLE, raising=False)
        built = create_app(root, submission_check=check_submission)
    with TestClient(built):  # runs the app's start-up and shut-down
        yield built


@pytest.fixture
def real_ids(app: Any) -> dict[str, list[str]]:
    """Model keys and (key, run id) pairs from the workspace, for the path parameters."""
    client = TestClient(app)
    keys = [row["model"]["key"] for row in client.get("/api/leaderboard").json()["rows"]]
    runs = [
        f"{key}/{result['run_id']}"
        for key in keys
        for result in client.get(f"/api/models/{key}").json()["results"]
    ]
    return {"key": keys, "run": runs}


def with_real_ids(case: Any, data: st.DataObject, real: dict[str, list[str]]) -> None:
    """Half of the time, put real ids in the case's path parameters (and real model keys
    in the ``a`` and ``b`` of a comparison)."""
    if not data.draw(st.booleans(), label="real ids"):
        return
    parameters = case.path_parameters or {}
    if "run_id" in parameters:
        run = data.draw(st.sampled_from(real["run"]), label="run")
        parameters["key"], parameters["run_id"] = run.split("/")
    elif "key" in parameters:
        parameters["key"] = data.draw(st.sampled_from(real["key"]), label="key")
    if case.operation.path == "/api/compare":
        pair = st.lists(st.sampled_from(real["key"]), min_size=2, max_size=2, unique=True)
        case.query = dict(zip(("a", "b"), data.draw(pair, label="models"), strict=True))


def with_hostile_number(case: Any, data: st.DataObject) -> None:
    """A third of the time, give one query parameter of the operation a hostile value."""
    names = [parameter.name for parameter in case.operation.query]
    if not names or data.draw(st.integers(0, 2), label="hostile") != 0:
        return
    name = data.draw(st.sampled_from(names), label="hostile parameter")
    case.query = {**(case.query or {}), name: data.draw(st.sampled_from(HOSTILE_VALUES))}


def test_every_operation_answers_as_its_schema_says(
    app: Any, real_ids: dict[str, list[str]]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} >= EXPECTED_OPERATIONS
    failures: dict[str, BaseException] = {}
    statuses: dict[str, set[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy(), data=st.data())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_by_the_schema(case: Any, data: st.DataObject) -> None:
            with_real_ids(case, data, real_ids)
            with_hostile_number(case, data)
            response = case.call_and_validate(checks=CHECKS)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        try:
            answers_by_the_schema()
        except (Exception, BaseExceptionGroup) as failure:  # try all, show every failure
            failures[operation.label] = failure
    assert not failures, "\n\n".join(f"{label}:\n{error}" for label, error in failures.items())
    # The real ids reached the data: each read operation answered with data, not only errors.
    for label in EXPECTED_OPERATIONS:
        assert 200 in statuses[label], (label, statuses[label])


def test_hostile_numbers_in_every_query_parameter(app: Any, real_ids: dict[str, list[str]]) -> None:
    """Every query parameter of every read operation, given each hostile value in turn
    (the others left out, so nothing else is refused first): answers as the schema says."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    key, run_id = real_ids["run"][0].split("/")
    path_values = {"key": key, "run_id": run_id}
    failures = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        if operation.method.upper() != "GET":
            continue
        path = {p.name: path_values.get(p.name, "1") for p in operation.path_parameters}
        for name in (parameter.name for parameter in operation.query):
            for value in HOSTILE_VALUES:
                case = operation.Case(path_parameters=path, query={name: value})
                try:
                    case.call_and_validate(checks=CHECKS)
                except (Exception, BaseExceptionGroup) as failure:
                    failures.append(f"{operation.label} {name}={value!r}: {failure}")
    assert not failures, "\n\n".join(failures[:10])


def test_the_schema_documents_the_error_body(app: Any) -> None:
    document = TestClient(app).get("/openapi.json").json()
    assert set(document["components"]["schemas"]["ErrorBody"]["required"]) == {"error", "detail"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            assert {"422", "503"} <= set(responses), path
            paged = any(
                parameter["name"] == "page" for parameter in operation.get("parameters", [])
            )
            may_miss = "{" in path or path == "/api/compare" or paged
            assert ("404" in responses) == may_miss, path
    leaderboard = document["paths"]["/api/leaderboard"]["get"]["parameters"]
    page = next(parameter for parameter in leaderboard if parameter["name"] == "page")
    assert page["schema"] == {"type": "integer", "minimum": 1, "maximum": 1_000_000}
