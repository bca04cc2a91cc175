"""Values an outside client sends that no form would: overflowing numbers, pages past the
end, JSON of the wrong type, parameters a page does not take. Each is one clear 4xx naming
what to change, never a 500 (these were 500s or silent coercions before)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalatlas.queue import check_submission
from evalatlas.web import create_app

BOARD_PAGES = ("/", "/api/leaderboard", "/api/leaderboard.json", "/api/leaderboard.csv")
FILTERED_PAGES = (
    "/capabilities",
    "/api/capabilities",
    "/plots",
    "/api/plots/score-vs-params",
    "/api/plots/ranks",
)
# Each page with each size parameter it takes (discovery takes an upper bound only).
SIZE_PARAMETERS = [
    (path, name) for path in BOARD_PAGES + FILTERED_PAGES for name in ("params_min", "params_max")
] + [("/discover", "params_max"), ("/api/discover", "params_max")]
HUGE_SIZES = ("1e400", "1e400B", "9e999T", "2e15", "1001T")


@pytest.fixture(scope="module")
def hostile_client(
    filled_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app with submissions on, over a copy (an accepted submission would be queued)."""
    root = tmp_path_factory.mktemp("hostile") / "workspace"
    shutil.copytree(filled_workspace, root)
    with TestClient(create_app(root, submission_check=check_submission)) as client:
        yield client


@pytest.mark.parametrize(("path", "name"), SIZE_PARAMETERS)
@pytest.mark.parametrize("value", HUGE_SIZES)
def test_a_huge_parameter_count_is_a_422_naming_it(
    hostile_client: TestClient, path: str, value: str, name: str
) -> None:
    response = hostile_client.get(path, params={name: value})
    assert response.status_code == 422, response.text[:300]
    if path.startswith("/api/"):
        assert response.json() == {
            "error": "invalid_parameter",
            "detail": f"{name}: {value!r} is larger than any model; give at most 1000T (1e15)",
        }
    else:
        assert name in response.text


def test_the_largest_allowed_parameter_count_still_filters(hostile_client: TestClient) -> None:
    response = hostile_client.get("/api/leaderboard", params={"params_max": "1000T"})
    assert response.status_code == 200
    assert response.json()["total"] > 0


@pytest.mark.parametrize("value", ["²", "٣", "1e3", "-1", "0x10"])
def test_a_page_that_is_not_a_plain_whole_number_is_a_422(
    hostile_client: TestClient, value: str
) -> None:
    response = hostile_client.get("/api/leaderboard", params={"page": value})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("page: ")


@pytest.mark.parametrize("path", ["/", "/api/leaderboard", "/capabilities", "/api/capabilities"])
def test_a_page_past_the_last_is_a_404_saying_how_many_there_are(
    hostile_client: TestClient, path: str
) -> None:
    response = hostile_client.get(path, params={"page": "99999"})
    assert response.status_code == 404
    assert "page 99999 is past the last page; there is only page 1" in response.text
    assert hostile_client.get(path, params={"page": "1"}).status_code == 200


def test_a_sample_page_past_the_last_is_a_404(hostile_client: TestClient) -> None:
    key = hostile_client.get("/api/leaderboard").json()["rows"][0]["model"]["key"]
    run = hostile_client.get(f"/api/models/{key}").json()["results"][0]["run_id"]
    url = f"/api/models/{key}/runs/{run}/samples"
    assert hostile_client.get(url).status_code == 200
    response = hostile_client.get(url, params={"page": "99999"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("page 99999 is past the last page")


def test_a_content_length_of_non_ascii_digits_is_not_a_server_error(
    hostile_client: TestClient,
) -> None:
    response = hostile_client.post(
        "/api/arena/battles/x/vote",
        content=b'{"outcome": "A"}',
        headers={"content-type": "application/json", "content-length": b"\xb2"},
    )
    assert response.status_code < 500


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("limit", "true", "limit: Input should be a valid integer (got true)"),
        ("limit", '"5"', 'limit: Input should be a valid integer (got "5")'),
        ("num_fewshot", "2.0", "num_fewshot: Input should be a valid integer (got 2.0)"),
        (
            "apply_chat_template",
            '"yes"',
            'apply_chat_template: Input should be a valid boolean (got "yes")',
        ),
        (
            "apply_chat_template",
            "1",
            "apply_chat_template: Input should be a valid boolean (got 1)",
        ),
    ],
)
def test_loose_json_types_in_a_submission_are_refused(
    hostile_client: TestClient, field: str, value: str, said: str
) -> None:
    body = f'{{"model_reference": "random", "tasks": "arc_challenge", "{field}": {value}}}'
    response = hostile_client.post(
        "/api/submissions", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json() == {"error": "invalid_parameter", "detail": said}


def test_a_vote_given_as_a_number_is_refused(hostile_client: TestClient) -> None:
    response = hostile_client.post(
        "/api/arena/battles/x/vote",
        content='{"outcome": 1}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("outcome: Input should be 'A', 'B'")


def test_a_page_without_parameters_says_so(hostile_client: TestClient) -> None:
    response = hostile_client.get("/api/arena/battles/x", params={"x": "1"})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "x: unknown parameter; this page takes no query parameters"
    )


def test_a_page_with_parameters_lists_them(hostile_client: TestClient) -> None:
    response = hostile_client.get("/api/arena", params={"x": "1"})
    assert response.json()["detail"] == "x: unknown parameter; this page accepts draw"
