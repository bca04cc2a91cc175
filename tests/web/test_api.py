"""The JSON twins, downloads and error answers, in-process over a store the runner filled."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evalatlas.analysis.leaderboard import build_leaderboard
from evalatlas.store import Store
from evalatlas.store.records import CARD_FIELDS

from .workspace import LIMIT, XSS_ANSWER, XSS_NAME

ALL_NAMES = {"Tiny 135M", "Chat 1.7B", "Base 13B", "Merge 70B", XSS_NAME, "random baseline"}


def board(client: TestClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/leaderboard?{query}")
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def names(payload: dict[str, Any]) -> list[str]:
    return [row["model"]["name"] for row in payload["rows"]]


def key_of(client: TestClient, name: str) -> str:
    [row] = [row for row in board(client)["rows"] if row["model"]["name"] == name]
    key: str = row["model"]["key"]
    return key


def test_every_model_is_a_row_in_the_order_and_with_the_numbers_of_the_built_board(
    client: TestClient, filled_workspace: Path
) -> None:
    payload = board(client)
    with Store.open(filled_workspace) as store:
        built = build_leaderboard(store)
    assert [row["model"]["key"] for row in payload["rows"]] == [r.card.key for r in built.rows]
    assert set(names(payload)) == ALL_NAMES
    assert payload["columns"] == ["arithmetic_gen", "arithmetic_mc"]
    assert payload["fingerprint"] == built.fingerprint
    for row, expected in zip(payload["rows"], built.rows, strict=True):
        assert (row["rank"], row["rank_low"], row["rank_high"], row["tie_group"]) == (
            expected.rank,
            expected.rank_low,
            expected.rank_high,
            expected.tie_group,
        )
        for task, cell in row["scores"].items():
            if cell is None:
                assert task not in expected.cells
                continue
            assert cell["value"] == pytest.approx(expected.cells[task].value)
            assert cell["n"] == LIMIT
            low, high = cell["shown_ci"]
            assert low <= cell["shown"] <= high
    # The random baseline is in the payload (generation: 0), and the random model is last:
    # it never generated, so it has no average and no rank.
    assert payload["random_baseline"]["arithmetic_gen"] == 0.0
    assert payload["rows"][-1]["model"]["name"] == "random baseline"
    assert payload["rows"][-1]["average"] is None


def shown(payload: dict[str, Any], column: str) -> list[float | None]:
    cells = [
        row["average"] if column == "average" else row["scores"][column] for row in payload["rows"]
    ]
    return [None if cell is None else cell["shown"] for cell in cells]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sorting_by_a_task_column_puts_missing_values_last(client: TestClient, order: str) -> None:
    values = shown(board(client, f"sort=arithmetic_gen&order={order}"), "arithmetic_gen")
    present = [value for value in values if value is not None]
    assert present == sorted(present, reverse=order == "desc")
    assert values[-1] is None and None not in values[:-1]  # the random model: no generation


def test_sorting_by_name_parameters_and_rank(client: TestClient) -> None:
    by_name = names(board(client, "sort=name"))
    assert by_name == sorted(by_name, key=str.casefold)
    by_size = names(board(client, "sort=parameters"))
    assert by_size[:2] == ["Merge 70B", "Base 13B"] and by_size[-1] == "random baseline"
    ascending = names(board(client, "sort=parameters&order=asc"))
    assert ascending[0] == "Tiny 135M" and ascending[-1] == "random baseline"
    ranks = [row["rank"] for row in board(client, "sort=rank")["rows"]]
    assert ranks[:-1] == sorted(ranks[:-1]) and ranks[-1] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Quantisation is a property with a filter of its own, not a type: the Q4_1 model
        # without a chat template is pretrained.
        ("type=pretrained&quantisation=Q4_1", {"Tiny 135M"}),
        ("type=merge&type=pretrained", {"Merge 70B", "Base 13B", XSS_NAME, "Tiny 135M"}),
        ("type=merge,instruction-tuned", {"Merge 70B", "Chat 1.7B"}),
        ("type=unknown", {"random baseline"}),
        ("params=edge", {"Tiny 135M"}),
        ("params=consumer", {"Chat 1.7B", XSS_NAME}),
        ("params=mid", {"Base 13B"}),
        ("params=large", {"Merge 70B"}),
        ("params_min=1.7B&params_max=13B", {"Chat 1.7B", XSS_NAME, "Base 13B"}),
        ("params_max=200M", {"Tiny 135M"}),
        ("params_min=50000000000", {"Merge 70B"}),
        ("q=ACME", {"Tiny 135M", "Chat 1.7B", "Base 13B", "Merge 70B"}),
        ("q=chat", {"Chat 1.7B"}),
        ("q=evil/xss", {XSS_NAME}),
        ("licence=MIT", {"Merge 70B", XSS_NAME}),
        ("licence=mit&licence=llama2", {"Merge 70B", XSS_NAME, "Base 13B"}),
        ("quantisation=q4_1", {"Tiny 135M"}),
        ("type=pretrained&params=consumer", {XSS_NAME}),
        ("type=pretrained&params=edge", {"Tiny 135M"}),
        ("q=nothing-like-this", set()),
        ("q=&type=&params=", ALL_NAMES),  # untouched form fields filter nothing
    ],
)
def test_filters(client: TestClient, query: str, expected: set[str]) -> None:
    payload = board(client, query)
    assert set(names(payload)) == expected
    assert payload["total"] == len(expected)


def test_column_picker_limits_the_task_columns(client: TestClient) -> None:
    payload = board(client, "columns=arithmetic_mc")
    assert payload["columns"] == ["arithmetic_mc"]
    assert payload["all_columns"] == ["arithmetic_gen", "arithmetic_mc"]
    assert all(set(row["scores"]) == {"arithmetic_mc"} for row in payload["rows"])
    assert set(payload["random_baseline"]) == {"arithmetic_mc"}


def test_paging(client: TestClient) -> None:
    everything = names(board(client))
    second = board(client, "per_page=2&page=2")
    assert names(second) == everything[2:4]
    assert (second["total"], second["pages"], second["page"]) == (6, 3, 2)
    assert names(board(client, "per_page=4&page=2")) == everything[4:]
    past = client.get("/api/leaderboard?page=9")  # past the end: refused, saying how far
    assert past.status_code == 404 and "there is only page 1" in past.json()["detail"]


BAD_PARAMETERS = [
    ("sort", "sort=bogus"),
    ("order", "order=up"),
    ("type", "type=chatbot"),
    ("type", "type=merge,robot"),
    ("params", "params=huge"),
    ("params", "params=edge&params_max=8B"),
    ("params_min", "params_min=lots"),
    ("params_min", "params_min=8B&params_max=1B"),
    ("params_max", "params_max=-1"),
    ("licence", "licence=" + "x" * 201),
    ("quantisation", "quantisation=" + "q" * 201),
    ("q", "q=" + "a" * 201),
    ("columns", "columns=arithmetic_mc,no_such_task"),
    ("page", "page=0"),
    ("page", "page=two"),
    ("per_page", "per_page=0"),
    ("per_page", "per_page=201"),
    ("per_page", "per_page=1.5"),
    ("sort", "sort=name&sort=type"),
    ("colour", "colour=red"),
]


@pytest.mark.parametrize(("parameter", "query"), BAD_PARAMETERS)
@pytest.mark.parametrize(
    "path", ["/api/leaderboard", "/api/leaderboard.csv", "/api/leaderboard.json"]
)
def test_a_bad_parameter_is_a_422_naming_it(
    client: TestClient, path: str, parameter: str, query: str
) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid_parameter"
    assert payload["detail"].startswith(f"{parameter}: ")


@pytest.mark.parametrize(("parameter", "query"), BAD_PARAMETERS[:6])
def test_the_page_answers_a_bad_parameter_with_a_422_page(
    client: TestClient, parameter: str, query: str
) -> None:
    response = client.get(f"/?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert f"{parameter}: " in response.text


def test_csv_download_matches_the_json_twin(client: TestClient) -> None:
    query = "type=pretrained&type=merge&sort=name&columns=arithmetic_gen"
    twin = board(client, query)
    response = client.get(f"/api/leaderboard.csv?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["key"] for row in rows] == [row["model"]["key"] for row in twin["rows"]]
    assert "arithmetic_mc" not in rows[0]
    for line, row in zip(rows, twin["rows"], strict=True):
        assert line["name"] == row["model"]["name"]
        assert line["model_type"] == row["model"]["model_type"]
        assert int(line["parameters"]) == row["model"]["parameters"]
        assert line["rank"] == str(row["rank"])
        for column in ("average", "arithmetic_gen"):
            cell = row["average"] if column == "average" else row["scores"][column]
            assert float(line[column]) == pytest.approx(cell["shown"])
            assert float(line[f"{column}_ci_low"]) == pytest.approx(cell["shown_ci"][0])
            assert float(line[f"{column}_ci_high"]) == pytest.approx(cell["shown_ci"][1])
            assert int(line[f"{column}_n"]) == cell["n"]


def test_json_download_holds_every_matching_row_of_the_twin(client: TestClient) -> None:
    query = "q=acme&sort=arithmetic_mc"
    response = client.get(f"/api/leaderboard.json?{query}")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    download = response.json()
    twin = board(client, query)
    assert download["rows"] == twin["rows"]
    assert download["per_page"] is None
    # Downloads are not paged by default: more rows than one small page.
    assert len(board(client, "per_page=1")["rows"]) == 1
    assert len(client.get("/api/leaderboard.json?per_page=").json()["rows"]) == 6


def test_model_api_has_the_card_scores_and_each_runs_eval_card(
    client: TestClient, filled_workspace: Path
) -> None:
    key = key_of(client, "Base 13B")
    response = client.get(f"/api/models/{key}")
    assert response.status_code == 200
    payload = response.json()
    card = payload["model"]
    assert (card["name"], card["reference"], card["model_type"]) == (
        "Base 13B",
        "acme/base-13b",
        "pretrained",
    )
    assert (card["parameters"], card["quantisation"], card["licence"]) == (
        13 * 10**9,
        "F32",
        "llama2",
    )
    assert set(payload["scores"]) == {"arithmetic_gen", "arithmetic_mc"}
    assert {result["task"] for result in payload["results"]} == {"arithmetic_gen", "arithmetic_mc"}
    with Store.open(filled_workspace) as store:
        for result in payload["results"]:
            stored = store.get_result(result["run_id"])
            # The full texts are the complete card's, a link away.
            shown = stored.spec.model_dump(mode="json", exclude=set(CARD_FIELDS))
            assert result["eval_card"] == shown
            assert client.get(result["card_url"]).json()["spec_hash"] == stored.spec_hash
            assert result["spec_hash"] == stored.spec_hash == stored.spec.spec_hash()
            assert result["on_leaderboard"]
            assert client.get("/api" + result["samples_url"]).status_code == 200


def test_model_page_shows_the_eval_card_and_links_to_samples(client: TestClient) -> None:
    key = key_of(client, "Chat 1.7B")
    payload = client.get(f"/api/models/{key}").json()
    page = client.get(f"/models/{key}")
    assert page.status_code == 200
    for result in payload["results"]:
        assert result["spec_hash"] in page.text
        assert result["samples_url"] in page.text
        assert result["eval_card"]["task_hash"] in page.text


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_unknown_model_or_run_is_a_404(client: TestClient, prefix: str) -> None:
    key = key_of(client, "Tiny 135M")
    other = client.get(f"/api/models/{key_of(client, 'Merge 70B')}").json()["results"][0]
    for path in (
        "/models/no-such-model",
        f"/models/{key}/runs/{'0' * 32}/samples",
        f"/models/{key}/runs/not-a-run/samples",
        f"/models/{key}/runs/{other['run_id']}/samples",  # a run of another model
        f"/models/no-such-model/runs/{other['run_id']}/samples",
    ):
        response = client.get(prefix + path)
        assert response.status_code == 404, path
        if prefix:
            assert response.json()["error"] == "not_found"
        else:
            assert response.headers["content-type"].startswith("text/html")
    assert client.get("/api/no/such/route").json()["error"] == "not_found"


def run_of(client: TestClient, name: str, task: str) -> str:
    key = key_of(client, name)
    results = client.get(f"/api/models/{key}").json()["results"]
    [result] = [result for result in results if result["task"] == task]
    return f"/api/models/{key}/runs/{result['run_id']}/samples"


def test_samples_are_paged(client: TestClient) -> None:
    url = run_of(client, "Chat 1.7B", "arithmetic_mc")
    first = client.get(url).json()
    assert (first["total"], first["stored"], first["pages"], len(first["samples"])) == (
        40,
        40,
        2,
        20,
    )
    pages = [client.get(f"{url}?per_page=15&page={page}").json() for page in (1, 2, 3)]
    assert [len(page["samples"]) for page in pages] == [15, 15, 10]
    ids = [sample["sample_id"] for page in pages for sample in page["samples"]]
    assert len(set(ids)) == 40
    assert client.get(f"{url}?per_page=200").json()["pages"] == 1


def test_wrong_only_keeps_samples_below_1_on_the_headline_metric(
    client: TestClient, filled_workspace: Path
) -> None:
    url = run_of(client, "Chat 1.7B", "arithmetic_mc")
    everything = client.get(f"{url}?per_page=200").json()
    wrong = client.get(f"{url}?wrong=1&per_page=200").json()
    metric = wrong["metric"]
    assert metric == "acc_norm"  # what the leaderboard shows for this task
    with Store.open(filled_workspace) as store:
        records = store.load_samples(url.split("/")[-2])
    expected = [r.sample_id for r in records if not r.scores[metric] >= 1.0]
    assert 0 < len(expected) < 40
    assert [sample["sample_id"] for sample in wrong["samples"]] == expected
    assert wrong["total"] == len(expected) and everything["total"] == 40
    assert all(sample["wrong"] and sample["score"] < 1 for sample in wrong["samples"])


def test_a_multiple_choice_sample_shows_each_choices_logprob_and_the_answers(
    client: TestClient,
) -> None:
    sample = client.get(run_of(client, "Merge 70B", "arithmetic_mc")).json()["samples"][0]
    assert sample["prompt"].endswith("Answer:")
    assert len(sample["choices"]) == 4 and sample["generation"] is None
    gold = [choice for choice in sample["choices"] if choice["gold"]]
    picked = [choice for choice in sample["choices"] if choice["picked"]]
    assert [choice["text"] for choice in gold] == [sample["gold"]]
    assert [choice["text"] for choice in picked] == [sample["extracted"]]
    assert all(isinstance(choice["logprob"], float) for choice in sample["choices"])


def test_a_generated_answer_is_returned_verbatim(client: TestClient) -> None:
    sample = client.get(run_of(client, XSS_NAME, "arithmetic_gen")).json()["samples"][0]
    assert sample["generation"] == XSS_ANSWER
    assert sample["choices"] == [] and sample["score"] == 0.0 and sample["wrong"]


@pytest.mark.parametrize(
    ("parameter", "query"),
    [
        ("wrong", "wrong=yes"),
        ("metric", "metric=no_such_metric"),
        ("page", "page=0"),
        ("per_page", "per_page=201"),
        ("per_page", "per_page=many"),
        ("sort", "sort=name"),
    ],
)
def test_bad_sample_parameters_are_422(client: TestClient, parameter: str, query: str) -> None:
    url = run_of(client, "Tiny 135M", "arithmetic_mc")
    for path in (url, url.removeprefix("/api")):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, path
        assert f"{parameter}: " in response.text
    assert client.get(f"{url}?{query}").json()["error"] == "invalid_parameter"


def test_stored_markup_is_escaped_in_every_page(client: TestClient) -> None:
    key = key_of(client, XSS_NAME)
    samples = run_of(client, XSS_NAME, "arithmetic_gen").removeprefix("/api")
    for path in ("/", f"/models/{key}", samples):
        html = client.get(path).text
        assert "<img src=x" not in html and "window.__xss = 1</script>" not in html
        assert "&lt;img src=x onerror=&#34;window.__xss = 3&#34;&gt;" in html  # the name
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in client.get(samples).text


def test_html_gets_a_content_security_policy_and_static_files_are_served(
    client: TestClient,
) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert client.get("/nope").headers["content-security-policy"] == policy
    script = client.get("/static/atlas.js")
    assert script.status_code == 200 and "textContent" in script.text
    assert "innerHTML =" not in script.text
    assert client.get("/static/atlas.css").status_code == 200


def test_openapi_schema_documents_every_json_twin(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/leaderboard",
        "/api/leaderboard.csv",
        "/api/leaderboard.json",
        "/api/models/{key}",
        "/api/models/{key}/runs/{run_id}/samples",
    ):
        assert "get" in paths[path], path
    documented = {p["name"] for p in paths["/api/leaderboard"]["get"]["parameters"]}
    assert {"sort", "order", "q", "type", "params", "columns", "page", "per_page"} <= documented


def test_no_number_in_a_payload_is_nan(client: TestClient) -> None:
    def walk(value: Any) -> None:
        if isinstance(value, float):
            assert math.isfinite(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(board(client))
    walk(client.get(f"/api/models/{key_of(client, 'random baseline')}").json())


def test_markup_in_a_parameter_is_not_reflected_as_markup(client: TestClient) -> None:
    for query in ("%3Cscript%3Ealert(1)%3C/script%3E=1", "sort=%3Cimg%20src=x%3E"):
        page = client.get(f"/?{query}")
        assert page.status_code == 422
        assert "<script>alert" not in page.text and "<img src=x>" not in page.text
        assert "&lt;" in page.text
