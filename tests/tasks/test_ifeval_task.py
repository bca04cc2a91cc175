"""The ifeval task: the real 541 prompts, leaderboard generation settings, per-instruction
verdicts in every outcome, and instruction-level metrics pooled over prompts."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalatlas.errors import ConfigError, DataError
from evalatlas.prompts import ChatTemplate
from evalatlas.requests import GenerateRequest, Generation
from evalatlas.scoring import mean_metric, ratio_metric
from evalatlas.tasks import PromptOptions, list_tasks, resolve_tasks
from evalatlas.tasks.ifeval import ifeval_task
from evalatlas.tasks.scorers.ifeval import IFEvalScorer
from evalatlas.tasks.task import PreparedSample
from evalatlas.tasks.yaml_task import YamlTask

FIRST_PROMPT = (
    'Write a 300+ word summary of the wikipedia page "https://en.wikipedia.org/wiki/'
    'Raymond_III,_Count_of_Tripoli". Do not use any commas and highlight at least 3 sections'
    " that has titles in markdown format, for example *highlighted section part 1*,"
    " *highlighted section part 2*, *highlighted section part 3*."
)


def ifeval() -> YamlTask:
    (task,) = resolve_tasks("ifeval")
    assert isinstance(task, YamlTask) and isinstance(task.scorer, IFEvalScorer)
    return task


def write_rows(data_dir: Path, rows: list[dict[str, Any]]) -> Path:
    folder = data_dir / "ifeval"
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row) + "\n" for row in rows)
    (folder / "input_data.jsonl").write_text(text, encoding="utf-8")
    return data_dir


def hub_kwargs(**given: object) -> dict[str, object]:
    """A kwargs entry as the Hugging Face copy stores it: every name, mostly None."""
    names = ("num_highlights", "relation", "num_words", "num_placeholders", "prompt_to_repeat")
    return {name: given.get(name) for name in names}


ROWS = [
    {
        "key": 7,
        "prompt": "Write about tea in at least 5 words without commas.",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [hub_kwargs(), hub_kwargs(relation="at least", num_words=5)],
    },
    {
        "key": 9,
        "prompt": "Name two fruits, with [placeholders].",
        "instruction_id_list": ["detectable_content:number_placeholders"],
        "kwargs": [hub_kwargs(num_placeholders=2)],
    },
]


def prepared(task: YamlTask, data_dir: Path) -> list[PreparedSample]:
    return task.prepare(task.load(data_dir, None), PromptOptions())


def answer(text: str) -> list[Generation]:
    return [Generation(text, tokens=len(text.split()), finish_reason="stop")]


def test_ifeval_is_a_built_in_generation_task_with_four_metrics() -> None:
    task = ifeval()
    summary = next(s for s in list_tasks() if s.name == "ifeval")
    assert (summary.output_type, summary.group, summary.default_num_fewshot) == (
        "generate_until",
        None,
        0,
    )
    assert task.metric_names() == [
        "prompt_level_strict_acc",
        "inst_level_strict_acc",
        "prompt_level_loose_acc",
        "inst_level_loose_acc",
    ]
    assert all(task.higher_is_better(name) for name in task.metric_names())
    with pytest.raises(ConfigError, match="inst_level_strict_acc"):
        task.higher_is_better("inst_level_strict")
    assert task.n_choices is None  # free generation: a random baseline of 0
    assert task.generation_kwargs() == {
        "until": [],
        "max_gen_toks": 1280,
        "temperature": 0.0,
        "do_sample": False,
    }
    assert task.content_hash() == ifeval_task().content_hash()


def test_the_real_541_prompts_keyed_and_generated_as_they_are(shared_data: Path) -> None:
    task = ifeval()
    data = task.load(shared_data, None)
    rows = [
        json.loads(line)
        for line in (shared_data / "ifeval" / "input_data.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(data.samples) == len(rows) == 541
    assert [s.id for s in data.samples] == [str(row["key"]) for row in rows]
    assert sum(len(s.doc["instruction_id_list"]) for s in data.samples) == 834
    first = data.samples[0]
    assert (first.id, first.input) == ("1000", FIRST_PROMPT)
    assert first.target == (
        "punctuation:no_comma, detectable_format:number_highlighted_sections,"
        " length_constraints:number_words"
    )
    items = task.prepare(data, PromptOptions())
    assert [item.prompt for item in items] == [row["prompt"] for row in rows]
    request = items[0].requests[0]
    assert isinstance(request, GenerateRequest)
    assert (request.request_id, request.prompt, request.until) == ("1000#0", FIRST_PROMPT, ())
    assert (request.max_tokens, request.temperature) == (1280, 0.0)


def test_with_a_chat_template_the_prompt_is_the_only_user_turn(shared_data: Path) -> None:
    task = ifeval()
    data = task.load(shared_data, 1)
    as_messages = task.prepare(data, PromptOptions(chat_messages=True))[0].requests[0]
    assert isinstance(as_messages, GenerateRequest) and as_messages.messages is not None
    assert [(m.role, m.content) for m in as_messages.messages] == [("user", FIRST_PROMPT)]
    template = ChatTemplate(
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}</s>{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}",
        "",
        "</s>",
    )
    rendered = task.prepare(data, PromptOptions(chat_template=template))[0]
    assert rendered.prompt == f"<user>{FIRST_PROMPT}</s><assistant>"


def test_every_instruction_is_graded_strictly_and_loosely(tmp_path: Path) -> None:
    task = ifeval()
    first, second = prepared(task, write_rows(tmp_path, ROWS))
    assert (first.sample.id, second.sample.id) == ("7", "9")
    # The opener has a comma: strictly the response uses one, loosely (without its first
    # line) it does not. Five words follow.
    outcome = task.score(first, answer("Sure, here it is:\nTea is calm and warm."))
    assert outcome.scores == {
        "prompt_level_strict_acc": 0.0,
        "inst_level_strict_acc": 0.5,
        "prompt_level_loose_acc": 1.0,
        "inst_level_loose_acc": 1.0,
    }
    assert outcome.extra["instructions"] == [
        {"instruction_id": "punctuation:no_comma", "strict": False, "loose": True},
        {"instruction_id": "length_constraints:number_words", "strict": True, "loose": True},
    ]
    assert outcome.explanation == (
        "punctuation:no_comma: strict fail, loose pass\n"
        "length_constraints:number_words: strict pass, loose pass"
    )
    missed = task.score(second, answer("Apple and [fruit]."))
    assert missed.scores["prompt_level_loose_acc"] == 0.0
    assert missed.extra["instructions"] == [
        {
            "instruction_id": "detectable_content:number_placeholders",
            "strict": False,
            "loose": False,
        }
    ]


def test_instruction_level_metrics_pool_instructions_over_prompts(tmp_path: Path) -> None:
    task = ifeval()
    first, second = prepared(task, write_rows(tmp_path, ROWS))
    outcomes = [
        task.score(first, answer("Tea is calm, warm and good.")),  # comma: 1 of 2
        task.score(second, answer("Apple [a] and pear [b].")),  # 1 of 1
    ]
    metrics = task.aggregate(outcomes, np.random.default_rng(0))
    assert list(metrics) == task.metric_names()
    # 2 of 3 instructions, not the mean of the prompts' shares (0.5 and 1.0).
    strict = metrics["inst_level_strict_acc"]
    assert strict.value == pytest.approx(2 / 3)
    assert strict == ratio_metric([1.0, 1.0], [2.0, 1.0], np.random.default_rng(0))
    assert strict.n == 2  # prompts, the units resampled
    assert metrics["prompt_level_strict_acc"] == mean_metric([0.0, 1.0])


def test_a_malformed_row_fails_at_load_naming_the_sample(tmp_path: Path) -> None:
    task = ifeval()
    misspelt = ["punctuation:no_coma", "length_constraints:number_words"]
    unknown = [{**ROWS[0], "instruction_id_list": misspelt}]
    with pytest.raises(DataError, match=r"sample 7: .*'punctuation:no_coma'.*no_comma"):
        task.load(write_rows(tmp_path / "a", unknown), None)
    no_words = [{**ROWS[0], "kwargs": [hub_kwargs(), hub_kwargs(relation="at least")]}]
    with pytest.raises(DataError, match=r"sample 7: .*'num_words' is missing"):
        task.load(write_rows(tmp_path / "b", no_words), None)
    no_key = [{name: value for name, value in ROWS[1].items() if name != "key"}]
    with pytest.raises(DataError, match=r"field 'key' must be"):
        task.load(write_rows(tmp_path / "c", no_key), None)
    twice = [ROWS[0], {**ROWS[1], "key": 7}]
    with pytest.raises(DataError, match=r"key 7 names two prompts"):
        task.load(write_rows(tmp_path / "d", twice), 1)
    not_a_list = [{**ROWS[1], "kwargs": {"num_placeholders": 2}}]
    with pytest.raises(DataError, match=r"field 'kwargs' must be a list"):
        task.load(write_rows(tmp_path / "e", not_a_list), None)


@pytest.mark.llamacpp
@pytest.mark.slow
def test_a_real_chat_model_answers_two_prompts(shared_data: Path) -> None:
    from evalatlas.models import load_model
    from evalatlas.runner.plan import EvalConfig, prompt_options

    model = load_model("bundled:smollm2-135m-instruct")
    task = ifeval()
    options = prompt_options(model, EvalConfig(apply_chat_template=True))
    items = task.prepare(task.load(shared_data, 2), options)
    # The leaderboard's 1280 tokens would take minutes here; 24 show the path works.
    requests = []
    for item in items:
        request = item.requests[0]
        assert isinstance(request, GenerateRequest)
        requests.append(dataclasses.replace(request, max_tokens=24))
    responses = model.run(requests)
    outcomes = [
        task.score(item, [response]) for item, response in zip(items, responses, strict=True)
    ]
    for item, outcome in zip(items, outcomes, strict=True):
        assert item.prompt.startswith("<|im_start|>")
        listed = [entry["instruction_id"] for entry in outcome.extra["instructions"]]
        assert listed == item.sample.doc["instruction_id_list"]
    metrics = task.aggregate(outcomes, np.random.default_rng(0))
    for name, metric in metrics.items():
        assert 0.0 <= metric.value <= 1.0 and metric.n == 2, name
    # 24 tokens cannot make the first prompt's 300 words.
    assert not outcomes[0].extra["instructions"][2]["strict"]
    assert not math.isnan(metrics["inst_level_loose_acc"].stderr)


def test_the_task_hash_is_the_one_stored_results_were_saved_under() -> None:
    # Stored results are reused by task hash: a change here orphans every stored IFEval run.
    assert ifeval().content_hash() == (
        "6831193379ce9470fed5c2f95c7e9d17b3af40211cb88631e469c57a801a6d46"
    )
