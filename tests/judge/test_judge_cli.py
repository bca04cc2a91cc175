"""``evalatlas judge`` commands, with pre-recorded judgments as the judge model.

The ``responses:`` backend answers each judge request by its sample id, as a user replays
a judge's outputs; the MT-Bench answers are the real ones from ../shared/data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalatlas.cli.judge_cmd import judge_app
from evalatlas.errors import ConfigError, UnsupportedRequestError
from evalatlas.store import Store

from .cli_helpers import invoke, write_jsonl

PAIR = "mt_bench:{q}:turn1:gpt-4|alpaca-13b:{order}"


@pytest.fixture
def recorded_judge(tmp_path: Path) -> str:
    """Question 81: gpt-4 wins in both orders. Question 82: the first position always wins."""
    rows = [
        {"sample_id": PAIR.format(q=81, order="forward"), "response": "A is vivid. [[A>>B]]"},
        {"sample_id": PAIR.format(q=81, order="backward"), "response": "B is vivid. [[B>A]]"},
        {"sample_id": PAIR.format(q=82, order="forward"), "response": "[[A>B]]"},
        {"sample_id": PAIR.format(q=82, order="backward"), "response": "[[A>B]]"},
        {"sample_id": PAIR.format(q=83, order="forward"), "response": "Hard to say."},
        {"sample_id": PAIR.format(q=83, order="backward"), "response": "[[B>A]]"},
    ]
    return f"responses:{write_jsonl(tmp_path / 'judge.jsonl', rows)}"


@pytest.mark.shared_data
def test_pairwise_on_mt_bench_stores_votes_and_audits(
    shared_data: Path, recorded_judge: str, tmp_path: Path
) -> None:
    workspace, judgments = tmp_path / "workspace", tmp_path / "pairs.jsonl"
    common = ["pairwise", "--judge", recorded_judge, "--mt-bench", str(shared_data / "mt_bench")]
    common += ["--models", "gpt-4,alpaca-13b", "--limit", "3", "--turns", "1"]
    result = invoke(*common, "--json", "--output", str(judgments), "-w", str(workspace))
    report = json.loads(result.stdout)
    assert report["pairs"] == 3
    assert report["outcomes"] == {"A": 1, "B": 0, "TIE": 0, "INCONSISTENT": 1, "UNSCORED": 1}
    assert report["stored"]["added"] == 2  # the unscored pair is no vote
    consistency = report["audit"]["position_consistency"]
    assert (consistency["value"], consistency["n"]) == (0.5, 2)
    first = report["audit"]["first_position_win_rate"]
    assert (first["value"], first["n"]) == (0.6, 5)  # 81 forward, 82 both orders
    assert report["head_to_head"][0]["wins_a"] == 1 and report["head_to_head"][0]["ties"] == 1
    with Store.open(workspace) as store:
        decided = sorted((d.outcome, d.source) for d in store.arena().decided_battles())
        cached = store.response_cache().count()
    assert decided == [("A", "judge"), ("TIE", "judge")]
    assert cached == 6  # every judgment is in the response cache: a rerun recomputes none
    assert len(judgments.read_text().splitlines()) == 3

    again = invoke(*common, "--json", "-w", str(workspace))
    assert json.loads(again.stdout)["stored"] == {
        "added": 0,
        "skipped": 2,
        "workspace": str(workspace),
    }

    humans = write_jsonl(
        tmp_path / "human.jsonl",
        [
            {
                "question_id": 81,
                "turn": 1,
                "model_a": "alpaca-13b",
                "model_b": "gpt-4",
                "winner": "model_b",
            },
            {
                "question_id": 82,
                "turn": 1,
                "model_a": "gpt-4",
                "model_b": "alpaca-13b",
                "winner": "model_a",
            },
        ],
    )
    audit = json.loads(
        invoke("audit", "--judgments", str(judgments), "--human", str(humans), "--json").stdout
    )
    agreement = audit["audit"]["agreement"]
    assert agreement["matched"] == 2
    assert (agreement["accuracy"]["value"], agreement["accuracy"]["n"]) == (1.0, 1)
    assert audit["audit"]["position_consistency"] == report["audit"]["position_consistency"]


@pytest.mark.shared_data
def test_pairwise_tables_show_intervals_and_n(
    shared_data: Path, recorded_judge: str, tmp_path: Path
) -> None:
    result = invoke(
        "pairwise",
        "--judge",
        recorded_judge,
        "--mt-bench",
        str(shared_data / "mt_bench"),
        "--models",
        "gpt-4,alpaca-13b",
        "--limit",
        "3",
        "--turns",
        "1",
        "--no-store",
        "--inconsistent",
        "drop",
    )
    out = result.stdout
    assert "position consistency" in out and "first-position win rate" in out
    assert "95% CI" in out and "1 inconsistent (dropped)" in out
    assert "judge votes stored" not in out


def test_pairwise_on_plain_answer_files(tmp_path: Path) -> None:
    first = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "question_id": "q1",
                "model": "alpha",
                "answer": "Paris.",
                "prompt": "Capital of France?",
            }
        ],
    )
    second = write_jsonl(
        tmp_path / "b.jsonl", [{"question_id": "q1", "model": "beta", "answer": "Lyon."}]
    )
    judge = write_jsonl(
        tmp_path / "judge.jsonl",
        [
            {"sample_id": "q1:turn1:alpha|beta:forward", "response": "[[A>B]]"},
            {"sample_id": "q1:turn1:alpha|beta:backward", "response": "[[B>>A]]"},
        ],
    )
    result = invoke(
        "pairwise",
        "--judge",
        f"responses:{judge}",
        "--answers",
        str(first),
        str(second),
        "--no-store",
        "--json",
    )
    report = json.loads(result.stdout)
    assert report["outcomes"]["A"] == 1
    assert report["head_to_head"][0]["model_a"] == "alpha"


def test_one_source_of_answers_is_required(recorded_judge: str) -> None:
    with pytest.raises(ConfigError, match="give one of --answers"):
        invoke("pairwise", "--judge", recorded_judge)
    with pytest.raises(ConfigError, match="--data-dir"):
        invoke("mt-bench", "--judge", recorded_judge, "--answers-of", "gpt-4")


@pytest.mark.shared_data
def test_the_audit_is_recomputed_from_the_stored_votes(
    shared_data: Path, recorded_judge: str, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    invoke(
        "pairwise",
        "--judge",
        recorded_judge,
        "--mt-bench",
        str(shared_data / "mt_bench"),
        "--models",
        "gpt-4,alpaca-13b",
        "--limit",
        "3",
        "--turns",
        "1",
        "-w",
        str(workspace),
    )
    report = json.loads(invoke("audit", "--from-store", "-w", str(workspace), "--json").stdout)
    (judge,) = report["judges"]
    assert judge["judge"] == f"judge:{recorded_judge}"
    assert (judge["verdict_source"], judge["votes"], judge["without_details"]) == ("text", 2, 0)
    assert judge["outcomes"] == {"A": 1, "B": 0, "TIE": 0, "INCONSISTENT": 1, "UNSCORED": 0}
    audit = judge["audit"]
    assert (audit["position_consistency"]["value"], audit["position_consistency"]["n"]) == (0.5, 2)
    # Only stored votes: question 83 (unscored) cast none, so its one verdict is not here.
    first = audit["first_position_win_rate"]
    assert (first["value"], first["n"]) == (0.75, 4)

    (voter,) = judge["voters"]
    printed = invoke("audit", "--from-store", "--judge", voter, "-w", str(workspace)).stdout
    assert "2 stored judge votes" in printed and "position consistency" in printed
    assert "verdicts: text" in printed
    with pytest.raises(ConfigError, match="no judge votes stored for 'judge:nobody'"):
        invoke("audit", "--from-store", "--judge", "judge:nobody", "-w", str(workspace))
    with pytest.raises(ConfigError, match="either --judgments FILE or --from-store"):
        invoke("audit", "-w", str(workspace))


@pytest.mark.shared_data
def test_choice_verdicts_need_a_judge_that_scores_log_likelihoods(
    shared_data: Path, recorded_judge: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        judge_app,
        [
            "pairwise",
            "--judge",
            recorded_judge,
            "--mt-bench",
            str(shared_data / "mt_bench"),
            "--models",
            "gpt-4,alpaca-13b",
            "--limit",
            "1",
            "--verdict",
            "choice",
            "-w",
            str(tmp_path / "workspace"),
        ],
    )
    assert isinstance(result.exception, UnsupportedRequestError)
    message = str(result.exception)
    assert (
        message.startswith("choice verdicts are scored by log-likelihood") and "\n" not in message
    )
