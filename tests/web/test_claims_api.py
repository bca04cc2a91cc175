"""Pages say no more than the data: scores not distinguishable from random guessing say so
(pages and JSON twins), the measured random baseline is one row, the compare summary
reconciles its interval with Holm's verdict, and a model has one name and type everywhere.
All over the runner-filled workspace and the real app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from evalatlas.analysis.compare import (
    Comparison,
    PairedTestName,
    TaskComparison,
    Verdict,
    summary,
)
from evalatlas.analysis.model_cards import ModelCard
from evalatlas.store import Store

from .test_api import board, key_of
from .workspace import XSS_NAME

NOT_DISTINGUISHABLE = "not distinguishable from random guessing"


def rows_by_name(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["model"]["name"]: row for row in payload["rows"]}


def test_the_board_json_says_which_scores_random_guessing_could_reach(client: TestClient) -> None:
    rows = rows_by_name(board(client))
    evil, merge = rows[XSS_NAME], rows["Merge 70B"]
    # The model that never knows an answer: every interval includes the baseline.
    assert evil["average"]["indistinguishable_from_random"] is True
    assert {cell["versus_random"] for cell in evil["scores"].values()} == {"indistinguishable"}
    assert merge["average"]["versus_random"] == "above"
    assert merge["average"]["indistinguishable_from_random"] is False
    # Tiny 135M's multiple-choice interval reaches down to guessing; its average does not.
    tiny = rows["Tiny 135M"]
    assert tiny["scores"]["arithmetic_mc"]["indistinguishable_from_random"] is True
    assert tiny["average"]["indistinguishable_from_random"] is False


def test_the_measured_random_baseline_is_the_boards_one_baseline(client: TestClient) -> None:
    payload = board(client)
    measured = payload["random_baseline_model"]
    assert measured["model"]["name"] == "random baseline"
    assert measured["model"]["is_random_baseline"] is True
    assert measured["scores"]["arithmetic_mc"]["versus_random"] == "indistinguishable"
    assert payload["random_baseline"]["arithmetic_mc"] == 0.25  # the computed value, kept
    flagged = [r["model"]["name"] for r in payload["rows"] if r["model"]["is_random_baseline"]]
    assert flagged == ["random baseline"]
    # Filters do not hide the baseline the page pins above the models.
    chat = board(client, "type=instruction-tuned")
    assert chat["random_baseline_model"]["model"]["name"] == "random baseline"


def test_the_board_page_shows_one_random_baseline_row_explained(client: TestClient) -> None:
    page = client.get("/").text
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count('id="baseline-row"') == 1
    random_key = key_of(client, "random baseline")
    assert body.count(f'data-key="{random_key}"') == 1  # not again among the models
    assert body.count("<tr") == 6  # the baseline and the five models
    assert "(random guessing, measured)" in body
    assert 'id="baseline-note"' in page and "Random baseline, measured" in page
    # The random model cannot generate: that column shows the computed value, said so.
    baseline = body.split("</tr>", 1)[0]
    assert baseline.count("<small>computed</small>") == 1
    assert 'title="computed, not measured: ' in baseline
    assert 'id="near-random"' in page and f"{NOT_DISTINGUISHABLE} on these tasks" in page
    assert f"{NOT_DISTINGUISHABLE} on this task" in page  # a marked cell's words


def test_discovery_names_models_at_random_level_and_never_ties_them(client: TestClient) -> None:
    payload = client.get("/api/discover?category=math").json()
    near = payload["random_note"]
    assert [model["name"] for model in near["models"]] == [XSS_NAME]
    assert NOT_DISTINGUISHABLE in near["text"]
    by_name = {item["model"]["name"]: item for item in payload["ranked"]}
    assert by_name[XSS_NAME]["score"]["indistinguishable_from_random"] is True
    assert by_name["Merge 70B"]["score"]["indistinguishable_from_random"] is False
    tie = payload["tie"]
    assert tie is None or XSS_NAME not in [m["name"] for m in tie["tied_with"]]
    assert payload["lead_note"] == "Merge 70B leads: its 95% interval overlaps no other model's."
    page = client.get("/discover?category=math").text
    assert 'id="random-note"' in page and "≈ random" in page


def test_the_capability_map_marks_scores_at_random_level(client: TestClient) -> None:
    payload = client.get("/api/capabilities").json()
    by_name = {row["model"]["name"]: row for row in payload["rows"]}
    assert by_name[XSS_NAME]["scores"]["math"]["indistinguishable_from_random"] is True
    assert by_name["Base 13B"]["scores"]["math"]["versus_random"] == "above"
    page = client.get("/capabilities").text
    assert "near-random" in page and f"{NOT_DISTINGUISHABLE} on this category" in page


def test_compare_says_where_each_side_stands_against_random(client: TestClient) -> None:
    params = {"a": key_of(client, "Merge 70B"), "b": key_of(client, XSS_NAME)}
    payload = client.get("/api/compare", params=params).json()
    rows = {row["task"]: row for row in payload["tasks"]}
    assert rows["arithmetic_mc"]["a_indistinguishable_from_random"] is False
    assert rows["arithmetic_mc"]["b_indistinguishable_from_random"] is True
    assert rows["arithmetic_mc"]["interval_excludes_zero"] is True
    assert payload["summary"].startswith("Over 2 compared tasks: Merge 70B better on 2")
    page = client.get("/compare", params=params).text
    assert 'id="compare-summary"' in page and f"B is {NOT_DISTINGUISHABLE} on this task" in page


def comparison_of(*rows: TaskComparison) -> Comparison:
    a, b = ModelCard("a", "a", "Alpha"), ModelCard("b", "b", "Beta")
    return Comparison(a, b, rows, (), 0.05, 1000, 0)


def task(name: str, ci: tuple[float, float], p: float, p_holm: float) -> TaskComparison:
    verdict = Verdict.A_BETTER if p_holm < 0.05 else Verdict.NO_DIFFERENCE
    return TaskComparison(
        name, "acc", 100, 0, 0, 0, 0.6, 0.5, 0.1, ci[0], ci[1], PairedTestName.MCNEMAR_CHI2,
        4.0, p, p_holm, verdict, 5, 15, "ra", "rb", (),
    )  # fmt: skip


def test_the_summary_reconciles_an_interval_excluding_zero_with_holms_verdict() -> None:
    text = summary(
        comparison_of(
            task("gsm8k", (0.01, 0.19), 0.03, 0.06),  # unadjusted p < 0.05, Holm's not
            task("mmlu", (0.05, 0.15), 0.001, 0.002),
            task("arc", (-0.05, 0.2), 0.4, 0.4),
        )
    )
    assert "Alpha better on 1, Beta better on 0, no significant difference on 2" in text
    assert "On gsm8k the 95% interval of the difference excludes 0" in text
    assert "the interval is unadjusted" in text and "Holm's correction" in text
    assert "arc" not in text.split("Holm-adjusted across the 3 tasks).", 1)[1]
    # A lone task: Holm changes nothing, so the disagreement is between two procedures.
    alone = summary(comparison_of(task("gsm8k", (0.01, 0.19), 0.07, 0.07)))
    assert "different procedures" in alone and "Holm's correction for" not in alone


def test_an_older_quantised_card_is_typed_by_its_tuning_everywhere(tmp_path: Path) -> None:
    """A card stored when "quantised" was a type: read as instruction-tuned, filterable as
    such, its quantisation still shown; a bundled model shows its catalog name."""
    from evalatlas.web import create_app

    from .workspace import fill_workspace

    root = tmp_path / "ws"
    fill_workspace(root)
    with Store.open(root) as store:
        [tiny] = [m for m in store.list_model_cards() if m.name == "Tiny 135M"]
        legacy = tiny.metadata | {"model_type": "quantised", "has_chat_template": True}
        store.record_model_metadata(tiny.reference, tiny.fingerprint, legacy)
    with TestClient(create_app(root)) as client:
        rows = rows_by_name(board(client, "type=instruction-tuned"))
        assert set(rows) == {"Chat 1.7B", "Tiny 135M"}
        assert rows["Tiny 135M"]["model"]["quantisation"] == "Q4_1"
        assert client.get("/api/leaderboard?type=quantised").status_code == 422


GGUF_NAME = "Smollm2 135M 8k Lc100K Mix1 Ep2"


def test_a_bundled_model_shows_its_catalog_name_on_the_board_and_in_the_cli(
    tmp_path: Path,
) -> None:
    """The GGUF's internal name is recorded but never shown when the catalog knows one."""
    from typer.testing import CliRunner

    from evalatlas.cli.app import app
    from evalatlas.models import Model, RetryPolicy
    from evalatlas.runner import EvalConfig, evaluate
    from evalatlas.tasks.registry import resolve_tasks
    from evalatlas.web import create_app

    from .workspace import CardedBackend

    root = tmp_path / "ws"
    backend = CardedBackend(
        reference="bundled:smollm2-135m-instruct", name=GGUF_NAME, skill=40,
        chat_template="{{ x }}", card={"architecture": "llama", "quantisation": "Q4_1"},
    )  # fmt: skip
    with Store.open(root) as store:
        model = Model(backend, retry=RetryPolicy(max_retries=0))
        evaluate(model, resolve_tasks("arithmetic_mc"), EvalConfig(limit=8), store)
        [stored] = store.list_model_cards()
    assert stored.name == GGUF_NAME  # what the backend reported stays stored
    with TestClient(create_app(root)) as client:
        [row] = board(client)["rows"]
        assert row["model"]["name"] == "smollm2-135m-instruct"
        assert row["model"]["model_type"] == "instruction-tuned"
        assert GGUF_NAME not in client.get("/").text
    result = CliRunner().invoke(app, ["results", "show", "--json", "--workspace", str(root)])
    assert result.exit_code == 0, result.output
    assert '"model_display_name": "smollm2-135m-instruct"' in result.output
    csv_out = tmp_path / "r.csv"
    exported = CliRunner().invoke(
        app, ["results", "export", "-o", str(csv_out), "--format", "csv", "--workspace", str(root)]
    )
    assert exported.exit_code == 0, exported.output
    assert "smollm2-135m-instruct," in csv_out.read_text()
    assert GGUF_NAME not in csv_out.read_text()


def test_the_arena_and_judges_pages_show_a_stored_models_display_name(tmp_path: Path) -> None:
    """Arena contestants are named by reference; a stored model's display name is shown
    (the reference kept beside it), the same name as on the board."""
    from evalatlas.models import Model, RetryPolicy
    from evalatlas.runner import EvalConfig, evaluate
    from evalatlas.tasks.registry import resolve_tasks
    from evalatlas.web import create_app

    from .arena_workspace import fill_battle_log
    from .workspace import CardedBackend

    root = tmp_path / "ws"
    reference = "bundled:smollm2-135m-instruct"
    with Store.open(root) as store:
        backend = CardedBackend(reference=reference, name=GGUF_NAME, skill=40)
        model = Model(backend, retry=RetryPolicy(max_retries=0))
        evaluate(model, resolve_tasks("arithmetic_mc"), EvalConfig(limit=8), store)
    fill_battle_log(root, {reference: 1.0, "zeta/x": -1.0}, n_battles=60)
    with TestClient(create_app(root)) as client:
        ratings = client.get("/api/arena/ratings").json()["ratings"]
        by_model = {rating["model"]: rating["name"] for rating in ratings}
        assert by_model == {reference: "smollm2-135m-instruct", "zeta/x": "zeta/x"}
        page = client.get("/arena/ratings").text
        table = page.split('id="arena-ratings"', 1)[1].split("</table>", 1)[0]
        assert "smollm2-135m-instruct" in table and GGUF_NAME not in page
        judges = client.get("/api/judges").json()
        assert {row["name"] for row in judges["ratings"]} == {"smollm2-135m-instruct", "zeta/x"}
        assert GGUF_NAME not in client.get("/judges").text
