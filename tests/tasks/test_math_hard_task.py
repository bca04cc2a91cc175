"""The math_hard tasks: MATH's Level 5 problems per subject, the leaderboard's 4-shot Minerva
prompt, answers graded by equivalence with the solution's boxed answer."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalatlas.errors import ConfigError, DataError
from evalatlas.requests import GenerateRequest, Generation
from evalatlas.scoring import mean_metric, wilson_interval
from evalatlas.tasks import PromptOptions, list_tasks, resolve_tasks
from evalatlas.tasks.scorers.math_answers import MathAnswerScorer
from evalatlas.tasks.yaml_task import YamlTask

# Task -> (hub config, MATH `type`, Level 5 problems in MATH's test set).
SUBJECTS = {
    "math_hard_algebra": ("algebra", "Algebra", 307),
    "math_hard_counting_and_prob": ("counting_and_probability", "Counting & Probability", 123),
    "math_hard_geometry": ("geometry", "Geometry", 132),
    "math_hard_intermediate_algebra": ("intermediate_algebra", "Intermediate Algebra", 280),
    "math_hard_num_theory": ("number_theory", "Number Theory", 154),
    "math_hard_prealgebra": ("prealgebra", "Prealgebra", 193),
    "math_hard_precalculus": ("precalculus", "Precalculus", 135),
}

# The leaderboard's four examples as its prompt shows them: problem, then the worked
# solution with its final-answer line.
MINERVA_SHOTS = [
    (
        "Find the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.}",
        "The expressions inside each square root must be non-negative. Therefore, $x-2 \\ge 0$,"
        " so $x\\ge2$, and $5 - x \\ge 0$, so $x \\le 5$. Also, the denominator cannot be equal"
        " to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of the expression is"
        " $\\boxed{[2,5)}$.\nFinal Answer: The final answer is $[2,5)$. I hope it is correct.",
    ),
    (
        "If $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find"
        " $\\det (\\mathbf{A} \\mathbf{B}).$",
        "We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det \\mathbf{B})"
        " = (2)(12) = \\boxed{24}.$\nFinal Answer: The final answer is $24$. I hope it is"
        " correct.",
    ),
    (
        "Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights"
        " instead, how many times must Terrell lift them in order to lift the same total weight?",
        "If Terrell lifts two 20-pound weights 12 times, he lifts a total of"
        " $2\\cdot 12\\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead"
        " for $n$ times, he will lift a total of $2\\cdot15\\cdot n=30n$ pounds of weight. "
        " Equating this to 480 pounds, we can solve for $n$:\n\\begin{align*}\n30n&=480\\\n"
        "\\Rightarrow\\qquad n&=480/30=\\boxed{16}\n\\end{align*}\nFinal Answer: The final"
        " answer is $16$. I hope it is correct.",
    ),
    (
        "If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\n6y-9x &=b.\n"
        "\\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,\nfind"
        " $\\frac{a}{b},$ assuming $b$ is nonzero.",
        "If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n"
        "$$6y-9x=-\\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have\n\n"
        "$$-\\frac{3}{2}a=b\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$\nFinal Answer:"
        " The final answer is $-\\frac{2}{3}$. I hope it is correct.",
    ),
]


def math_task(name: str) -> YamlTask:
    (task,) = resolve_tasks(name)
    assert isinstance(task, YamlTask) and isinstance(task.scorer, MathAnswerScorer)
    return task


def level5_rows(shared_data: Path) -> list[dict[str, Any]]:
    lines = (shared_data / "math" / "math_test_5000.jsonl").read_text("utf-8").splitlines()
    return [row for row in map(json.loads, lines) if row["level"] == "Level 5"]


def write_math_file(data_dir: Path, rows: list[dict[str, Any]]) -> Path:
    folder = data_dir / "math"
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row) + "\n" for row in rows)
    (folder / "math_test_5000.jsonl").write_text(text, encoding="utf-8")
    return data_dir


def row(
    idx: int | None, solution: str, level: str = "Level 5", kind: str = "Algebra"
) -> dict[str, Any]:
    fields = {"problem": f"Problem {idx}?", "level": level, "type": kind, "solution": solution}
    return fields if idx is None else {**fields, "idx": idx}


def answer(text: str) -> list[Generation]:
    return [Generation(text, tokens=len(text.split()), finish_reason="stop")]


def run_cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    """``evalatlas`` as a user runs it, offline, with a Hugging Face cache of its own."""
    env = {
        **os.environ,
        "EVALATLAS_HOME": str(workspace),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(workspace / "hf"),
    }
    command = [sys.executable, "-m", "evalatlas", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_the_group_is_seven_generative_subject_tasks() -> None:
    tasks = resolve_tasks("math_hard")
    assert [task.name for task in tasks] == list(SUBJECTS)
    summaries = {s.name: s for s in list_tasks() if s.group == "math_hard"}
    assert list(summaries) == list(SUBJECTS)
    for task in tasks:
        assert isinstance(task, YamlTask) and isinstance(task.scorer, MathAnswerScorer)
        config, kind, _ = SUBJECTS[task.name]
        assert task.config.dataset_path == "lighteval/MATH-Hard"
        assert task.config.dataset_name == config
        assert task.config.test_split == "test"
        assert task.rows.local is not None and ("type", kind) in task.rows.local.values
        assert summaries[task.name].output_type == "generate_until"
        assert (task.default_num_fewshot, task.n_choices) == (4, None)  # random baseline 0
        assert task.metric_names() == ["exact_match"]
        assert task.higher_is_better("exact_match")
        assert task.generation_kwargs() == {
            "until": ["Problem:"],
            "max_gen_toks": 1024,
            "temperature": 0.0,
            "do_sample": False,
        }
    with pytest.raises(ConfigError, match="has no metric 'exact_match,none'"):
        tasks[0].higher_is_better("exact_match,none")
    hashes = {task.content_hash() for task in tasks}
    assert len(hashes) == 7
    assert tasks[0].content_hash() == math_task("math_hard_algebra").content_hash()


@pytest.mark.shared_data
def test_each_subject_holds_its_level_5_problems_keyed_by_idx(shared_data: Path) -> None:
    rows = level5_rows(shared_data)
    total = 0
    for name, (_, kind, count) in SUBJECTS.items():
        task = math_task(name)
        data = task.load(shared_data, None)
        expected = [r for r in rows if r["type"] == kind]
        assert len(data.samples) == len(expected) == count, name
        assert [s.id for s in data.samples] == [str(r["idx"]) for r in expected], name
        assert [s.doc for s in data.samples] == expected, name
        assert all(isinstance(s.target, str) and s.target for s in data.samples), name
        assert data.source.endswith(
            f"math_test_5000.jsonl (Level 5, type {kind}); few-shot pool: 4 rows of the task"
            " definition"
        )
        total += len(data.samples)
    assert total == 1324
    algebra = math_task("math_hard_algebra").load(shared_data, 2)
    assert [(s.id, s.target) for s in algebra.samples] == [("3", "i"), ("9", "-\\frac{1}{8}")]
    prealgebra = math_task("math_hard_prealgebra").load(shared_data, 2).samples
    assert prealgebra[1].target == "\\frac{270}7\\text{ degrees}"  # the boxed text, as written


@pytest.mark.shared_data
def test_the_exact_four_shot_prompt(shared_data: Path) -> None:
    task = math_task("math_hard_algebra")
    data = task.load(shared_data, 1)
    assert [s.target for s in data.fewshot_pool] == [solution for _, solution in MINERVA_SHOTS]
    (prepared,) = task.prepare(data, PromptOptions())
    shots = "".join(
        f"Problem:\n{problem}\n\nSolution: {solution}\n\n" for problem, solution in MINERVA_SHOTS
    )
    question = "Problem:\nEvaluate $i^5+i^{-25}+i^{45}$.\n\nSolution:"
    assert prepared.prompt == shots + question
    (request,) = prepared.requests
    assert isinstance(request, GenerateRequest)
    assert (request.request_id, request.prompt) == ("3#0", prepared.prompt)
    assert (request.until, request.max_tokens, request.temperature) == (("Problem:",), 1024, 0.0)
    (zero_shot,) = task.prepare(data, PromptOptions(num_fewshot=0))
    assert zero_shot.prompt == question


@pytest.mark.shared_data
def test_answers_are_graded_by_equivalence_with_the_boxed_answer(shared_data: Path) -> None:
    task = math_task("math_hard_algebra")
    data = task.load(shared_data, None)
    (prepared,) = task.prepare(
        dataclasses.replace(data, samples=tuple(s for s in data.samples if s.id == "261")),
        PromptOptions(),
    )
    assert prepared.sample.target == "\\frac12"  # B to C, as a common fraction
    working = "So $B = \\frac{1}{2}C$.\n"
    cases = {
        "Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.": (
            1.0,
            "$\\frac{1}{2}$",
            "string match (final_answer)",
        ),
        "Final Answer: The final answer is $0.5$. I hope it is correct.": (
            1.0,
            "$0.5$",
            "symbolic match (final_answer)",
        ),
        "Hence $\\boxed{\\dfrac{1}{2}}$.": (1.0, "\\dfrac{1}{2}", "string match (boxed)"),
        "Final Answer: The final answer is $\\frac{2}{3}$. I hope it is correct.": (
            0.0,
            "$\\frac{2}{3}$",
            "no match (final_answer)",
        ),
        "I could not finish.": (0.0, None, "no final answer found: graded wrong"),
    }
    outcomes = []
    for ending, (value, extracted, how) in cases.items():
        outcome = task.score(prepared, answer(working + ending))
        assert outcome.scores == {"exact_match": value}, ending
        assert outcome.extracted == extracted, ending
        assert outcome.explanation is not None and outcome.explanation.startswith(how), ending
        outcomes.append(outcome)
    metrics = task.aggregate(outcomes, np.random.default_rng(0))
    assert metrics == {"exact_match": mean_metric([1.0, 1.0, 1.0, 0.0, 0.0])}
    low, high = wilson_interval(3, 5)
    assert (metrics["exact_match"].ci_low, metrics["exact_match"].ci_high) == (low, high)


def test_local_rows_are_filtered_checked_and_keyed(tmp_path: Path) -> None:
    task = math_task("math_hard_algebra")
    rows = [
        row(40, "It is $\\boxed{5}$."),
        row(41, "No boxed answer here.", level="Level 4"),  # not kept, so not checked
        row(42, "It is $\\boxed{7}$.", kind="Geometry"),
        row(43, "Thus $x=\\boxed{\\frac{3}{4}}$."),
    ]
    data = task.load(write_math_file(tmp_path / "a", rows), None)
    assert [(s.id, s.target) for s in data.samples] == [("40", "5"), ("43", "\\frac{3}{4}")]
    assert [s.id for s in task.load(tmp_path / "a", 1).samples] == ["40"]
    without_idx = [row(None, "$\\boxed{1}$"), row(None, "$\\boxed{2}$", level="Level 1")]
    without_idx.append(row(None, "$\\boxed{3}$"))
    positions = task.load(write_math_file(tmp_path / "b", without_idx), None)
    assert [(s.id, s.target) for s in positions.samples] == [("0", "1"), ("1", "3")]

    unboxed = [row(40, "It is $\\boxed{5}$."), row(17, "The answer is 5.")]
    with pytest.raises(DataError, match=r"math_hard_algebra, sample 17: .*no \\boxed\{\} answer"):
        task.load(write_math_file(tmp_path / "c", unboxed), None)
    unlevelled = [row(40, "$\\boxed{5}$"), {"problem": "?", "type": "Algebra", "solution": "x"}]
    with pytest.raises(DataError, match=r"math_test_5000.jsonl: row 2: field 'level' must be"):
        task.load(write_math_file(tmp_path / "d", unlevelled), None)
    twice = [row(40, "$\\boxed{5}$"), row(40, "$\\boxed{6}$")]
    with pytest.raises(DataError, match=r"idx 40 names two problems"):
        task.load(write_math_file(tmp_path / "e", twice), None)
    other_subject = [row(42, "$\\boxed{7}$", kind="Geometry")]
    no_rows = r"math_hard_algebra: .*\(Level 5, type Algebra\).* has no rows"
    with pytest.raises(DataError, match=no_rows):
        task.load(write_math_file(tmp_path / "f", other_subject), None)


def test_without_a_data_dir_and_offline_the_hub_load_is_one_line(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"sample_id": "0", "response": "4"}) + "\n", encoding="utf-8")
    ran = run_cli(
        "eval",
        "--model",
        f"responses:{answers}",
        "--tasks",
        "math_hard_algebra",
        "--limit",
        "1",
        workspace=tmp_path,
    )
    assert ran.returncode != 0
    assert "Traceback" not in ran.stderr
    lines = [line for line in ran.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith("error: cannot load lighteval/MATH-Hard (algebra) split 'test'")
    assert lines[0].endswith("pass --data-dir with a local copy")


# The first two Level 5 problems of each subject (by idx) and a made-up answer to each:
# idx -> (answer, exact_match). The answer to 3 comes after "Problem:", where the model
# is stopped, so nothing of it counts.
ANSWERS = {
    3: ("We have $i^5=i$.\n\nProblem:\nFinal Answer: The final answer is $i$.", 0.0),
    9: ("Final Answer: The final answer is $-0.125$. I hope it is correct.", 1.0),
    1190: ("Final Answer: The final answer is $28$. I hope it is correct.", 0.0),
    1192: ("Counting gives $\\boxed{25}$.", 1.0),
    1663: ("Final Answer: The final answer is $\\dfrac{40}{9}$. I hope it is correct.", 1.0),
    1665: ("Final Answer: The final answer is $\\sqrt{32}$. I hope it is correct.", 1.0),
    2140: ("I am not sure.", 0.0),
    2146: ("Final Answer: The final answer is $36$. I hope it is correct.", 1.0),
    3046: ("Final Answer: The final answer is $45$. I hope it is correct.", 0.0),
    3047: ("Final Answer: The final answer is $1,440$. I hope it is correct.", 1.0),
    3583: ("Final Answer: The final answer is $4$. I hope it is correct.", 1.0),
    3586: ("Final Answer: The final answer is $\\frac{270}{7}^\\circ$. I hope it is correct.", 1.0),
    4455: ("Final Answer: The final answer is $0.25$. I hope it is correct.", 1.0),
    4458: ("Final Answer: The final answer is $\\frac{1}{27}$. I hope it is correct.", 0.0),
}


@pytest.mark.shared_data
def test_pre_generated_answers_score_through_eval(shared_data: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    lines = [{"sample_id": str(idx), "response": text} for idx, (text, _) in ANSWERS.items()]
    answers.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "out.json"
    ran = run_cli(
        "eval",
        "--model",
        f"responses:{answers}",
        "--tasks",
        "math_hard",
        "--limit",
        "2",
        "--data-dir",
        str(shared_data),
        "--output",
        str(out),
        workspace=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    results = {r["spec"]["task"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert list(results) == [*SUBJECTS, "math_hard"]
    scores = [score for _, score in ANSWERS.values()]
    for position, name in enumerate(SUBJECTS):
        (metric,) = results[name]["metrics"]
        assert metric["name"] == "exact_match"
        assert metric["value"] == pytest.approx(np.mean(scores[2 * position : 2 * position + 2]))
        assert results[name]["spec"]["num_fewshot"] == 4
    (pooled,) = results["math_hard"]["metrics"]
    assert (pooled["value"], pooled["n"]) == (pytest.approx(9 / 14), 14)
    assert (pooled["ci_low"], pooled["ci_high"]) == pytest.approx(wilson_interval(9, 14))

    run_id = results["math_hard_algebra"]["run_id"]
    shown = run_cli("results", "show", run_id[:8], "--json", workspace=tmp_path)
    assert shown.returncode == 0, shown.stderr
    first, second = json.loads(shown.stdout)["samples"]
    assert (first["sample_id"], first["target"]) == ("3", "i")
    assert first["scores"] == {"exact_match": 0.0}
    assert first["responses"][0]["text"] == "We have $i^5=i$.\n\n"  # cut at "Problem:"
    assert first["metadata"]["explanation"] == "no final answer found: graded wrong"
    assert (second["extracted"], second["target"]) == ("$-0.125$", "-\\frac{1}{8}")
    assert second["metadata"]["explanation"].startswith("symbolic match (final_answer)")


@pytest.mark.llamacpp
@pytest.mark.slow
def test_a_real_chat_model_answers_two_problems(shared_data: Path) -> None:
    from evalatlas.models import load_model
    from evalatlas.runner.plan import EvalConfig, prompt_options

    model = load_model("bundled:smollm2-135m-instruct")
    task = math_task("math_hard_algebra")
    # As the leaderboard ran chat models: the template applied, the examples as turns.
    config = EvalConfig(apply_chat_template=True, fewshot_as_multiturn=True)
    items = task.prepare(task.load(shared_data, 2), prompt_options(model, config))
    # The leaderboard's 1024 tokens would take minutes here; 32 show the path works.
    requests = []
    for item in items:
        assert item.prompt.count("<|im_start|>assistant") == 5  # 4 answered examples + 1
        request = item.requests[0]
        assert isinstance(request, GenerateRequest)
        requests.append(dataclasses.replace(request, max_tokens=32))
    responses = model.run(requests)
    outcomes = [
        task.score(item, [response]) for item, response in zip(items, responses, strict=True)
    ]
    for response, outcome in zip(responses, outcomes, strict=True):
        assert isinstance(response, Generation)
        assert response.text.strip() and "Problem:" not in response.text
        assert outcome.scores["exact_match"] in (0.0, 1.0)
        assert outcome.explanation
    metric = task.aggregate(outcomes, np.random.default_rng(0))["exact_match"]
    assert metric.n == 2 and 0.0 <= metric.value <= 1.0


def test_the_task_hash_is_the_one_stored_results_were_saved_under() -> None:
    # Stored results are reused by task hash: a change here orphans every stored run.
    assert math_task("math_hard_algebra").content_hash() == (
        "39bd6d66768d61fca393434942c19719e63d62dac2c62206c5ec41d785b16762"
    )
