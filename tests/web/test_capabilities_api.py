"""The capability map, discovery and plot data as JSON (and their pages' HTML), in-process
over a store the runner filled with models of planted skills."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from analysis.skilled_workspace import HOSTILE_NAME, OUTLIER_NAME, TWINS, fill_skilled_workspace
from evalatlas.analysis import build_leaderboard
from evalatlas.analysis.capability import capability_map
from evalatlas.store import FlagKind, Store
from evalatlas.web import create_app
from evalatlas.web.capabilities import routes as routes_capabilities
from evalatlas.web.capabilities.routes import board_capabilities
from evalatlas.web.capabilities.view import CAPABILITY_PARAMETERS, DISCOVER_PARAMETERS
from evalatlas.web.plots.view import SCATTER_PARAMETERS

ALL_NAMES = {
    "Pocket 0.5B",
    *TWINS,
    HOSTILE_NAME,
    OUTLIER_NAME,
    "Solid 13B",
    "Giant 70B",
    "random baseline",
}
CONSUMER = {*TWINS, HOSTILE_NAME, OUTLIER_NAME}
ROUTES = (
    "/capabilities",
    "/api/capabilities",
    "/discover",
    "/api/discover",
    "/plots",
    "/api/plots/score-vs-params",
    "/api/plots/ranks",
)


def get(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["model"]["name"] for row in rows]


def test_the_capability_map_has_every_model_and_the_librarys_numbers(
    skilled_client: TestClient, skilled_workspace: Path
) -> None:
    payload = get(skilled_client, "/api/capabilities")
    with Store.open(skilled_workspace) as store:
        expected = capability_map(build_leaderboard(store))
    assert payload["version"] == expected.version == "1"
    assert payload["categories"] == [
        {"id": "knowledge", "label": "knowledge", "tasks": ["mmlu_anatomy"]},
        {"id": "reasoning", "label": "reasoning", "tasks": ["arc_challenge"]},
        {"id": "math", "label": "math", "tasks": ["arithmetic_gen", "arithmetic_mc"]},
        {"id": "truthfulness", "label": "truthfulness", "tasks": ["truthfulqa_mc1"]},
    ]
    assert set(names(payload["rows"])) == ALL_NAMES and payload["total"] == len(ALL_NAMES)
    for row, built in zip(payload["rows"], expected.rows, strict=True):
        assert row["model"]["key"] == built.card.key
        for category, score in built.scores.items():
            shown = row["scores"][category.value]
            assert shown["value"] == pytest.approx(score.value)
            assert shown["ci_low"] <= shown["value"] <= shown["ci_high"]
            assert (shown["n"], shown["tasks"], shown["complete"]) == (
                score.n,
                list(score.tasks),
                score.complete,
            )
    [random] = [row for row in payload["rows"] if row["model"]["name"] == "random baseline"]
    assert random["scores"]["math"]["complete"] is False  # it cannot generate
    assert random["scores"]["math"]["of_tasks"] == 2


def test_the_capability_map_takes_the_leaderboards_filters_and_sorts_by_a_category(
    skilled_client: TestClient,
) -> None:
    consumer = get(skilled_client, "/api/capabilities?params=consumer")
    assert set(names(consumer["rows"])) == CONSUMER
    by_math = get(skilled_client, "/api/capabilities?sort=math")
    values = [row["scores"]["math"]["value"] for row in by_math["rows"]]
    assert values == sorted(values, reverse=True) and by_math["sort"] == "math"
    mit = get(skilled_client, "/api/capabilities?licence=MIT&q=giant")
    assert names(mit["rows"]) == ["Giant 70B"]


def test_the_capability_map_is_paged(skilled_client: TestClient) -> None:
    everyone = names(get(skilled_client, "/api/capabilities?sort=name")["rows"])
    second = get(skilled_client, "/api/capabilities?sort=name&per_page=3&page=2")
    assert names(second["rows"]) == everyone[3:6]
    assert (second["matching"], second["pages"], second["page"]) == (8, 3, 2)
    past = skilled_client.get("/api/capabilities?per_page=3&page=9")
    assert past.status_code == 404 and "there are pages 1 to 3" in past.json()["detail"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/capabilities?sort=speed", "sort"),
        ("/api/capabilities?params_max=lots", "params_max"),
        ("/api/capabilities?params=edge&params_min=1B", "params"),
        ("/api/capabilities?per_page=501", "per_page"),
        ("/api/capabilities?page=0", "page"),
        ("/api/capabilities?columns=mmlu", "columns"),
        ("/api/discover?category=poetry", "category"),
        ("/api/discover?params_max=8X", "params_max"),
        ("/api/discover?type=robot", "type"),
        ("/api/discover?q=twin", "q"),
        ("/api/discover?category=math&category=reasoning", "category"),
        ("/api/plots/score-vs-params?z=abc", "z"),
        ("/api/plots/score-vs-params?z=0", "z"),
        ("/api/plots/score-vs-params?z=inf", "z"),
        ("/api/plots/score-vs-params?limit=3", "limit"),
        ("/api/plots/ranks?limit=0", "limit"),
        ("/api/plots/ranks?limit=501", "limit"),
        ("/api/plots/ranks?z=2", "z"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(
    skilled_client: TestClient, url: str, parameter: str
) -> None:
    response = skilled_client.get(url)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid_parameter"
    assert payload["detail"].startswith(f"{parameter}: "), payload["detail"]


def test_discovery_ranks_within_the_filters_and_notes_the_planted_tie(
    skilled_client: TestClient,
) -> None:
    query = "category=reasoning&params_max=8B&licence=apache-2.0"
    payload = get(skilled_client, f"/api/discover?{query}")
    assert payload["query"] == {
        "category": "reasoning",
        "params_max": 8 * 10**9,
        "licence": ["apache-2.0"],
        "type": [],
    }
    assert payload["tasks"] == ["arc_challenge"]
    assert names(payload["ranked"]) == [*TWINS, "Pocket 0.5B"]
    assert [row["rank"] for row in payload["ranked"]] == [1, 1, 3]
    tie = payload["tie"]
    assert tie["leader"]["name"] == TWINS[0]
    assert [card["name"] for card in tie["tied_with"]] == [TWINS[1]]
    assert TWINS[1] in tie["text"] and "Pocket" not in tie["text"]
    scores = [row["score"] for row in payload["ranked"]]
    assert all(s["ci_low"] <= s["value"] <= s["ci_high"] and s["n"] == 40 for s in scores)


def test_discovery_without_a_tie_and_with_partial_models(skilled_client: TestClient) -> None:
    clear = get(skilled_client, "/api/discover?category=math&params_max=8B&licence=mit")
    assert names(clear["ranked"]) == [OUTLIER_NAME, HOSTILE_NAME] and clear["tie"] is None
    everyone = get(skilled_client, "/api/discover?category=math")
    assert names(everyone["partial"]) == ["random baseline"]
    assert everyone["partial"][0]["rank"] is None
    assert len(everyone["ranked"]) == 7
    chat = get(skilled_client, "/api/discover?category=math&type=instruction-tuned")
    assert names(chat["ranked"]) == list(TWINS)
    # The first category the board has is the default; one it lacks has no candidates.
    assert get(skilled_client, "/api/discover")["category"]["id"] == "knowledge"
    none = get(skilled_client, "/api/discover?category=instruction_following")
    assert (none["tasks"], none["ranked"], none["partial"], none["tie"]) == ([], [], [], None)


def test_the_planted_outlier_is_flagged_with_its_reason(skilled_client: TestClient) -> None:
    payload = get(skilled_client, "/api/plots/score-vs-params")
    assert payload["threshold"] == 2.0 and payload["min_class_size"] == 3
    points = {point["model"]["name"]: point for point in payload["points"]}
    assert set(points) == ALL_NAMES - {"random baseline"}  # it has no average
    leaky = points[OUTLIER_NAME]
    assert leaky["flagged"] and leaky["size_class"] == "consumer" and leaky["z"] >= 2.0
    assert "sd above the other 3 consumer models" in leaky["reason"]
    assert payload["flagged"] == [leaky["model"]["key"]]
    assert [p["z"] for n, p in points.items() if n not in CONSUMER] == [None] * 3
    consumer = next(c for c in payload["classes"] if c["name"] == "consumer")
    assert consumer == {**consumer, "n": 4, "min_parameters": 10**9, "below_parameters": 8 * 10**9}
    lenient = get(skilled_client, f"/api/plots/score-vs-params?z={leaky['z'] + 1:.1f}")
    assert lenient["flagged"] == []
    # Filters choose the points shown, not the z-scores: the class is still the whole board's.
    twins = get(skilled_client, "/api/plots/score-vs-params?q=twin")
    assert names(twins["points"]) == list(TWINS) and twins["flagged"] == []
    assert twins["points"][0]["z"] == points[TWINS[0]]["z"]


def test_ranks_are_the_leaderboards_best_first_up_to_the_limit(skilled_client: TestClient) -> None:
    board = get(skilled_client, "/api/leaderboard")
    ranked = [row for row in board["rows"] if row["rank"] is not None]
    payload = get(skilled_client, "/api/plots/ranks?limit=3")
    assert (payload["total"], payload["limit"], len(payload["rows"])) == (len(ranked), 3, 3)
    for row, expected in zip(payload["rows"], ranked, strict=False):
        assert row["model"]["key"] == expected["model"]["key"]
        assert (row["rank"], row["rank_low"], row["rank_high"], row["tie_group"]) == (
            expected["rank"],
            expected["rank_low"],
            expected["rank_high"],
            expected["tie_group"],
        )
    assert names(get(skilled_client, "/api/plots/ranks?params=mid")["rows"]) == ["Solid 13B"]


@pytest.mark.parametrize("path", ["/capabilities", "/discover?category=math", "/plots"])
def test_pages_render_a_hostile_name_as_text(skilled_client: TestClient, path: str) -> None:
    response = skilled_client.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script>window.__xss" not in response.text
    assert "&lt;script&gt;window.__xss = 4&lt;/script&gt;" in response.text


def test_the_plots_page_draws_and_labels_the_outlier(skilled_client: TestClient) -> None:
    page = skilled_client.get("/plots").text
    scatter = page.split('<svg id="score-vs-params"', 1)[1].split("</svg>", 1)[0]
    assert scatter.count("<circle") == 7
    assert scatter.count('class="point outlier"') == 1
    assert 'class="label"' in scatter and f">{OUTLIER_NAME}</text>" in scatter
    ranks = page.split('<svg id="rank-whiskers"', 1)[1].split("</svg>", 1)[0]
    assert ranks.count('class="rank-row"') == 7


def test_a_bad_value_on_a_page_is_an_html_422(skilled_client: TestClient) -> None:
    response = skilled_client.get("/plots?z=abc")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "z: &#39;abc&#39; is not a number" in response.text


@pytest.fixture(scope="module")
def moderated_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The skilled workspace with the planted outlier flagged as contaminated."""
    base = tmp_path_factory.mktemp("moderated")
    fill_skilled_workspace(base / "ws", base / "data")
    with Store.open(base / "ws") as store:
        model = ("leaky/leaky-7b", "scripted:leaky/leaky-7b")
        reason = "scores far above its size"
        store.moderation().add_flag(model, FlagKind.CONTAMINATED, "", reason, "admin")
    with TestClient(create_app(base / "ws")) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "rows"),
    [
        ("/api/capabilities", "rows"),
        ("/api/discover?category=math", "ranked"),
        ("/api/plots/score-vs-params", "points"),
        ("/api/plots/ranks", "rows"),
    ],
)
def test_flagged_models_are_left_out_unless_asked_for(
    moderated_client: TestClient, path: str, rows: str
) -> None:
    hidden = get(moderated_client, path)
    assert OUTLIER_NAME not in names(hidden[rows])
    assert HOSTILE_NAME in names(hidden[rows])
    joiner = "&" if "?" in path else "?"
    shown = get(moderated_client, f"{path}{joiner}show_flagged=1")
    assert OUTLIER_NAME in names(shown[rows])


def test_without_the_flagged_outlier_nothing_is_flagged_and_the_page_says_why(
    moderated_client: TestClient,
) -> None:
    assert get(moderated_client, "/api/plots/score-vs-params")["flagged"] == []
    page = moderated_client.get("/capabilities").text
    assert "1 flagged model hidden" in page


def test_the_pages_and_their_parameters_are_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    serve = docs.split("## `evalatlas serve`", 1)[1]
    for path in ROUTES:
        assert f"`{path}`" in serve, f"{path} is not documented in docs/cli.md"
    for parameters in (CAPABILITY_PARAMETERS, DISCOVER_PARAMETERS, SCATTER_PARAMETERS):
        for name in parameters:
            assert f"`{name}`" in serve, f"{name} is not documented in docs/cli.md"
    assert "`limit`" in serve


def test_the_capability_map_is_computed_once_per_board(skilled_workspace: Path) -> None:
    with Store.open(skilled_workspace) as store:
        board = build_leaderboard(store, n_boot=5)
    first = board_capabilities(board)
    assert board_capabilities(board) is first
    rebuilt = replace(board)  # an equal board is another board (e.g. after new results)
    assert board_capabilities(rebuilt) is not first
    key = id(board)
    del board, first
    gc.collect()
    assert key not in routes_capabilities._maps
