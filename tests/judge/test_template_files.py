"""Judge templates of one's own from a JSON file: they replace the built-in template of
their shape, change the judge's identity, and a bad file is named with what to fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalatlas.errors import DataError
from evalatlas.judge import PAIRWISE_TEMPLATES, SINGLE_TEMPLATES, PairwiseItem
from evalatlas.judge.run import PairwiseJudge
from evalatlas.judge.run.template_files import read_templates
from evalatlas.judge.templates import TemplateKind

from .cli_helpers import invoke, write_jsonl
from .scripted import scripted_model

OWN = {
    "name": "terse-pairwise",
    "version": "3",
    "system_prompt": "Pick the better answer. End with [[A>B]], [[A=B]] or [[B>A]].",
    "user_template": "Q: {question}\n1: {answer_a}\n2: {answer_b}",
}
MULTI = OWN | {"name": "terse-multi", "multi_turn": True, "user_template": "{answer_a}|{answer_b}"}


def write(path: Path, content: Any) -> Path:
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_a_template_replaces_the_built_in_one_of_its_shape(tmp_path: Path) -> None:
    templates = read_templates(
        write(tmp_path / "t.json", OWN), PAIRWISE_TEMPLATES, TemplateKind.PAIRWISE
    )
    assert templates.plain.name == "terse-pairwise" and templates.plain.version == "3"
    assert templates.plain.sha256 != PAIRWISE_TEMPLATES.plain.sha256
    assert templates.multi_turn == PAIRWISE_TEMPLATES.multi_turn  # the file left it out
    both = read_templates(
        write(tmp_path / "two.json", [OWN, MULTI]), PAIRWISE_TEMPLATES, TemplateKind.PAIRWISE
    )
    assert (both.plain.name, both.multi_turn.name) == ("terse-pairwise", "terse-multi")


def test_the_judge_asks_with_it_and_votes_under_its_name(tmp_path: Path) -> None:
    templates = read_templates(
        write(tmp_path / "t.json", OWN), PAIRWISE_TEMPLATES, TemplateKind.PAIRWISE
    )
    model, backend = scripted_model(lambda _: "[[A>B]]")
    item = PairwiseItem("p1", "m1", "m2", ("Why?",), ("Because.",), ("No idea.",))
    [pair] = PairwiseJudge(model, templates).judge([item])
    asked = backend.batches[0][0].messages
    assert asked is not None and asked[0].content == OWN["system_prompt"]
    assert asked[-1].content.startswith("Q: ") and "\n1: " in asked[-1].content
    assert pair.judge.endswith(f"@terse-pairwise:{templates.plain.sha256[:8]}")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (OWN | {"user_template": "{question} {answer_a}"}, "template 1: .*lacks {answer_b}"),
        ([OWN, OWN], "template 2 has the same shape \\(plain\\)"),
        (OWN | {"kind": "single"}, "a 'single' template where a pairwise one is needed"),
        ({k: v for k, v in OWN.items() if k != "version"}, "template 1: version: Field required"),
        ([], "holds no template"),
        ("just text", "expected a JSON object"),
    ],
)
def test_a_bad_template_file_says_what_to_fix(tmp_path: Path, content: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_templates(
            write(tmp_path / "t.json", content), PAIRWISE_TEMPLATES, TemplateKind.PAIRWISE
        )


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="template file not found"):
        read_templates(tmp_path / "none.json", SINGLE_TEMPLATES, TemplateKind.SINGLE)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="not a readable JSON template file"):
        read_templates(tmp_path / "bad.json", SINGLE_TEMPLATES, TemplateKind.SINGLE)


def test_the_pairwise_command_takes_a_template(tmp_path: Path) -> None:
    first = write_jsonl(
        tmp_path / "a.jsonl",
        [{"question_id": "q1", "model": "alpha", "answer": "Paris.", "prompt": "Capital?"}],
    )
    second = write_jsonl(
        tmp_path / "b.jsonl", [{"question_id": "q1", "model": "beta", "answer": "Lyon."}]
    )
    judge = write_jsonl(
        tmp_path / "judge.jsonl",
        [
            {"sample_id": f"q1:turn1:alpha|beta:{order}", "response": text}
            for order, text in (("forward", "[[A>B]]"), ("backward", "[[B>A]]"))
        ],
    )
    args = ["pairwise", "--judge", f"responses:{judge}", "--answers", str(first), str(second)]
    args += ["--template", str(write(tmp_path / "t.json", OWN)), "--no-store", "--json"]
    report = json.loads(invoke(*args).stdout)
    templates = [judge.rpartition("@")[2].split(":")[0] for judge in report["judges"]]
    assert templates == ["terse-pairwise"]
    assert report["outcomes"]["A"] == 1
