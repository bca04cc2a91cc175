"""``evalatlas judge mt-bench``: per-question temperatures and seeds of generated answers,
and ratings read as text or chosen, in the JSON and table outputs.

Answers and judgments come from ``responses:`` files (a user replaying outputs) on the real
MT-Bench questions from ../shared/data; one test grades with the real bundled SmolLM2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalatlas.cli.judge_cmd import judge_app
from evalatlas.errors import UnsupportedRequestError
from evalatlas.judge.run.answering import question_seed

from .cli_helpers import invoke, write_jsonl

pytestmark = pytest.mark.shared_data


@pytest.fixture
def replayed(tmp_path: Path, shared_data: Path) -> list[str]:
    """``mt-bench`` arguments: a replayed model answering questions 81 and 82 (writing) and
    a replayed judge rating its first turns 8 and (writing no rating) nothing."""
    answers = write_jsonl(
        tmp_path / "answers.jsonl",
        [
            {"sample_id": f"{qid}:turn{turn}", "response": f"Answer {qid}.{turn}"}
            for qid in (81, 82)
            for turn in (1, 2)
        ],
    )
    model = f"responses:{answers}"
    judge = write_jsonl(
        tmp_path / "judge.jsonl",
        [
            {"sample_id": f"mt_bench:81:turn1:{model}", "response": "Vivid. Rating: [[8]]"},
            {"sample_id": f"mt_bench:82:turn1:{model}", "response": "Hard to say."},
        ],
    )
    return [
        "mt-bench",
        "--model",
        model,
        "--judge",
        f"responses:{judge}",
        "--data-dir",
        str(shared_data / "mt_bench"),
        "--limit",
        "2",
        "--turns",
        "1",
        "-w",
        str(tmp_path / "workspace"),
    ]


def test_generated_answers_record_each_questions_temperature_and_seed(
    replayed: list[str],
) -> None:
    report = json.loads(invoke(*replayed, "--json").stdout)
    answering = report["answering"]
    assert (answering["temperatures"], answering["seed"]) == ("mt-bench", 1234)  # defaults
    assert answering["questions"] == [
        {"question_id": qid, "category": "writing", "temperature": 0.7, "seed": seed}
        for qid, seed in (("81", question_seed(1234, "81")), ("82", question_seed(1234, "82")))
    ]
    assert report["verdict_source"] == "text"
    grades = {grade["question_id"]: grade for grade in report["grades"]}
    assert (grades["81"]["rating"], grades["82"]["rating"]) == (8.0, None)
    assert grades["81"]["verdict_source"] == "text" and "choice_logprobs" not in grades["81"]
    (overall, *_) = report["scores"]
    assert (overall["group"], overall["value"], overall["n"], overall["n_unscored"]) == (
        "all",
        8.0,
        1,
        1,
    )


def test_greedy_answers_and_the_run_seed_are_shown(replayed: list[str]) -> None:
    greedy = [*replayed, "--temperatures", "greedy", "--answer-seed", "7"]
    report = json.loads(invoke(*greedy, "--json").stdout)
    assert report["answering"]["temperatures"] == "greedy"
    assert [(q["temperature"], q["seed"]) for q in report["answering"]["questions"]] == [
        (0.0, question_seed(7, "81")),
        (0.0, question_seed(7, "82")),
    ]
    table = " ".join(invoke(*greedy).stdout.split())  # long lines wrap in the terminal
    assert "ratings: text (the last rating the judge wrote)" in table
    assert "greedy (temperature 0.0)" in table and "run seed 7" in table
    mt_bench = " ".join(invoke(*replayed).stdout.split())
    assert "MT-Bench temperatures per category (writing 0.7)" in mt_bench


def test_stored_answers_record_no_sampling(shared_data: Path, tmp_path: Path) -> None:
    judge = write_jsonl(
        tmp_path / "judge.jsonl",
        [{"sample_id": "mt_bench:81:turn1:gpt-4", "response": "Rating: [[9]]"}],
    )
    common = ["mt-bench", "--answers-of", "gpt-4", "--judge", f"responses:{judge}"]
    common += ["--data-dir", str(shared_data / "mt_bench"), "--limit", "1", "--turns", "1"]
    report = json.loads(invoke(*common, "--json", "-w", str(tmp_path / "ws")).stdout)
    assert report["answering"] is None
    assert [grade["rating"] for grade in report["grades"]] == [9.0]


def test_choice_ratings_need_a_judge_that_scores_log_likelihoods(replayed: list[str]) -> None:
    result = CliRunner().invoke(judge_app, [*replayed, "--verdict", "choice"])
    assert isinstance(result.exception, UnsupportedRequestError)
    message = str(result.exception)
    assert message.startswith("choice verdicts are scored by log-likelihood")
    assert "\n" not in message


@pytest.mark.llamacpp
@pytest.mark.slow
def test_smollm2_rates_by_choice_from_the_command_line(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip(
        "llama_cpp", reason="needs llama-cpp-python: pip install 'evalatlas[llamacpp]'"
    )
    # The bundled GGUF ships with the package: a model that fails to load is a failure.
    judge = "bundled:smollm2-135m-instruct?n_threads=1&n_ctx=2048"
    common = ["mt-bench", "--answers-of", "gpt-4", "--judge", judge, "--verdict", "choice"]
    common += ["--data-dir", str(shared_data / "mt_bench"), "--limit", "1", "--turns", "1"]
    common += ["--max-tokens", "16", "--no-cache", "-w", str(tmp_path / "ws")]
    report = json.loads(invoke(*common, "--json").stdout)
    assert report["verdict_source"] == "choice"
    (grade,) = report["grades"]
    assert grade["judge"].startswith(f"judge:{judge}@single-choice:")
    assert grade["rating"] in [float(n) for n in range(1, 11)]
    logprobs = grade["choice_logprobs"]
    assert list(logprobs) == [str(n) for n in range(1, 11)]
    assert max(logprobs, key=logprobs.get) == str(int(grade["rating"]))
