"""``evalatlas eval --model responses:FILE --tasks ifeval``: pre-generated answers scored on
the real prompts, matched by IFEval's ``key`` or by the exact prompt (Google's format)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evalatlas.scoring import wilson_interval

from .test_bad_input import run_cli

# Answers to the first five prompts, each built to pass or fail named instructions.
BY_KEY = {
    # no commas and three highlights, but 18 words of the 300 asked: 2 of 3 instructions.
    1000: "*Early life* Raymond was born in 1140.\n*Rule* He ruled Tripoli well.\n"
    "*Death* He died in 1187.",
    # twelve [placeholders]: 1 of 1.
    1005: "Name: [name] [address] [phone] [email] [school] [year] [gpa] [club] [award]"
    " [skill] [hobby] [reference]",
}
BY_PROMPT = {
    # The opener's comma fails strictly; without the first line (loose) there is none.
    1001: "Sure, here is the itinerary:\nHark thou shalt see Kyoto at dawn\n"
    "Then Nara and its gentle deer",
    # Capital letters where all lower case was asked: 0 of 1, strictly and loosely.
    1019: "What Are The Two Boys Holding?",
}
# 1012 (repeat the request, then a <<title>>) is answered from its own kwargs: 2 of 2.
EXPECTED = {
    "prompt_level_strict_acc": 2 / 5,  # 1005, 1012
    "inst_level_strict_acc": 5 / 8,  # 2 + 0 + 1 + 2 + 0 of 3 + 1 + 1 + 2 + 1
    "prompt_level_loose_acc": 3 / 5,  # 1001 too
    "inst_level_loose_acc": 6 / 8,
}
# (followed, given) per prompt, in data order 1000, 1001, 1005, 1012, 1019.
COUNTS = {
    "inst_level_strict_acc": ([2, 0, 1, 2, 0], [3, 1, 1, 2, 1]),
    "inst_level_loose_acc": ([2, 1, 1, 2, 0], [3, 1, 1, 2, 1]),
}


def write_answers(shared_data: Path, path: Path) -> Path:
    text = (shared_data / "ifeval" / "input_data.jsonl").read_text(encoding="utf-8")
    rows = {row["key"]: row for row in map(json.loads, text.splitlines())}
    repeat = rows[1012]["kwargs"][0]["prompt_to_repeat"]
    lines = [{"key": key, "response": text} for key, text in BY_KEY.items()]
    lines += [{"prompt": rows[key]["prompt"], "response": text} for key, text in BY_PROMPT.items()]
    lines.append(
        {"prompt": rows[1012]["prompt"], "response": f"{repeat}\n<<Resignation>>\nI quit."}
    )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def delta_stderr(followed: list[int], given: list[int]) -> float:
    ratio = sum(followed) / sum(given)
    n = len(given)
    squares = sum((f - ratio * g) ** 2 for f, g in zip(followed, given, strict=True))
    return math.sqrt(squares / (n * (n - 1))) / (sum(given) / n)


def test_pre_generated_answers_score_exactly_and_show_failed_instructions(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = write_answers(shared_data, tmp_path / "answers.jsonl")
    out = tmp_path / "out.json"
    ran = run_cli(
        "eval",
        "--model",
        f"responses:{answers}",
        "--tasks",
        "ifeval",
        "--limit",
        "5",
        "--data-dir",
        str(shared_data),
        "--output",
        str(out),
        workspace=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    [result] = json.loads(out.read_text(encoding="utf-8"))
    metrics = {metric["name"]: metric for metric in result["metrics"]}
    assert list(metrics) == list(EXPECTED)
    for name, value in EXPECTED.items():
        metric = metrics[name]
        assert metric["value"] == pytest.approx(value), name
        assert (metric["n"], metric["n_unscored"]) == (5, 0), name
        assert metric["ci_low"] <= metric["value"] <= metric["ci_high"], name
        assert metric["higher_is_better"] is True
    for name in ("prompt_level_strict_acc", "prompt_level_loose_acc"):
        successes = round(EXPECTED[name] * 5)
        wilson = wilson_interval(successes, 5)
        assert (metrics[name]["ci_low"], metrics[name]["ci_high"]) == pytest.approx(wilson)
    for name, (followed, given) in COUNTS.items():
        assert metrics[name]["stderr"] == pytest.approx(delta_stderr(followed, given))

    # The failed instructions show in the table of wrong samples, and in its JSON.
    monkeypatch.setenv("COLUMNS", "400")
    shown = run_cli("results", "show", result["run_id"], "--wrong", workspace=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "punctuation:no_comma: strict fail, loose pass" in shown.stdout
    assert "change_case:english_lowercase: strict fail, loose fail" in shown.stdout
    assert "length_constraints:number_words: strict fail, loose fail" in shown.stdout
    assert "showing 3 of 5" in shown.stdout
    wrong_as_json = ("results", "show", result["run_id"], "--wrong", "--json", "--samples", "9")
    as_json = run_cli(*wrong_as_json, workspace=tmp_path)
    samples = json.loads(as_json.stdout)["samples"]
    assert [sample["sample_id"] for sample in samples] == ["1000", "1001", "1019"]
    verdicts = samples[0]["metadata"]["outcome"]["instructions"]
    assert [(v["instruction_id"], v["strict"], v["loose"]) for v in verdicts] == [
        ("punctuation:no_comma", True, True),
        ("detectable_format:number_highlighted_sections", True, True),
        ("length_constraints:number_words", False, False),
    ]
    assert samples[0]["target"].startswith("punctuation:no_comma, ")
