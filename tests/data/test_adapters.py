"""Adapters that turn local layouts (rows or whole text files) into the hub's fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.data import DataSource, get_adapter, load_rows
from evalatlas.errors import ConfigError, DataError


def test_mmlu_csv_adapter(tmp_path: Path) -> None:
    path = tmp_path / "college_physics_dev.csv"
    path.write_text("question,choice0,choice1,choice2,choice3,answer\nQ?,a,b,c,d,2\nR?,e,f,g,h,B\n")
    rows = load_rows(DataSource.local(path, adapter="mmlu_csv"))
    assert rows == [
        {
            "question": "Q?",
            "subject": "college_physics",
            "choices": ["a", "b", "c", "d"],
            "answer": 2,
        },
        {
            "question": "R?",
            "subject": "college_physics",
            "choices": ["e", "f", "g", "h"],
            "answer": 1,
        },
    ]


def test_mmlu_csv_adapter_bad_answer_names_row(tmp_path: Path) -> None:
    path = tmp_path / "x_test.csv"
    path.write_text("question,choice0,choice1,choice2,choice3,answer\nQ?,a,b,c,d,7\n")
    with pytest.raises(DataError, match=r"x_test\.csv: row 1: adapter mmlu_csv: answer '7'"):
        load_rows(DataSource.local(path, adapter="mmlu_csv"))


def test_mmlu_csv_adapter_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "x_test.csv"
    path.write_text("question,choice0,answer\nQ?,a,1\n")
    with pytest.raises(DataError, match="missing field 'choice1'"):
        load_rows(DataSource.local(path, adapter="mmlu_csv"))


def test_truthfulqa_adapter_keeps_order_and_labels(tmp_path: Path) -> None:
    item = {
        "question": "Q?",
        "mc1_targets": {"right": 1, "wrong": 0},
        "mc2_targets": {"right": 1, "also right": 1, "wrong": 0},
    }
    path = tmp_path / "mc_task.json"
    path.write_text(json.dumps([item]))
    (row,) = load_rows(DataSource.local(path, adapter="truthfulqa_mc_json"))
    assert row == {
        "question": "Q?",
        "mc1_targets": {"choices": ["right", "wrong"], "labels": [1, 0]},
        "mc2_targets": {"choices": ["right", "also right", "wrong"], "labels": [1, 1, 0]},
    }


def test_unknown_adapter_suggests_a_name() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'mmlu_csv'"):
        get_adapter("mmlu_cvs")


def test_bbh_json_adapter_reads_rows_under_examples(tmp_path: Path) -> None:
    path = tmp_path / "navigate.json"
    examples = [{"input": "Turn left. Turn left.", "target": "No"}]
    path.write_text(json.dumps({"canary": "not a row", "examples": examples}))
    assert load_rows(DataSource.local(path, adapter="bbh_json")) == examples
    path.write_text(json.dumps(examples))  # a plain list is not BBH's layout
    with pytest.raises(DataError, match="holding its rows under 'examples'"):
        load_rows(DataSource.local(path, adapter="bbh_json"))
    path.write_text(json.dumps({"examples": [{"input": "Turn left.", "target": 3}]}))
    with pytest.raises(DataError, match=r"row 1: adapter bbh_json: field 'target' must be text"):
        load_rows(DataSource.local(path, adapter="bbh_json"))


def test_rows_under_a_key_need_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "navigate.jsonl"
    path.write_text('{"input": "x", "target": "Yes"}\n')
    with pytest.raises(DataError, match="rows under the key 'examples' need a JSON file"):
        load_rows(DataSource.local(path, adapter="bbh_json"))


# A made-up prompt in the layout of BIG-Bench Hard's cot-prompts/<task>.txt.
COT_PROMPT = """CANARY LINE
-----
Answer questions about the weather.

Q: Is rain wet?
Options:
- Yes
- No
A: Let's think step by step.
Rain is water. Water is wet. So the answer is Yes.

Q: How many suns does Mr. Sky see?
A: Let's think step by step.
One sun is up.
So the answer is Mr. Sky sees 1.
"""


def test_bbh_cot_prompt_adapter_answers_each_question_directly(tmp_path: Path) -> None:
    path = tmp_path / "weather.txt"
    path.write_text(COT_PROMPT)
    rows = load_rows(DataSource.local(path, adapter="bbh_cot_prompt"))
    assert rows == [
        {"input": "Is rain wet?\nOptions:\n- Yes\n- No", "target": "Yes"},
        {"input": "How many suns does Mr. Sky see?", "target": "Mr. Sky sees 1"},
    ]
    # Windows line ends read the same.
    path.write_bytes(COT_PROMPT.replace("\n", "\r\n").encode("utf-8"))
    assert load_rows(DataSource.local(path, adapter="bbh_cot_prompt")) == rows


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("So the answer is Mr. Sky sees 1.", "block 2 (line 12) has no final answer"),
        ("A: Let's think step by step.\nOne", "block 2 (line 12) has no answer line"),
    ],
)
def test_bbh_cot_prompt_adapter_names_the_block_it_cannot_read(
    tmp_path: Path, change: str, problem: str
) -> None:
    path = tmp_path / "weather.txt"
    path.write_text(COT_PROMPT.replace(change, "One"))
    with pytest.raises(DataError) as raised:
        load_rows(DataSource.local(path, adapter="bbh_cot_prompt"))
    message = str(raised.value)
    assert message.startswith(f"{path}: adapter bbh_cot_prompt: {problem}")
    assert "\n" not in message


def test_bbh_cot_prompt_adapter_needs_a_question_block(tmp_path: Path) -> None:
    path = tmp_path / "weather.txt"
    path.write_text("CANARY LINE\n-----\nAnswer questions about the weather.\n")
    with pytest.raises(DataError, match=r"weather\.txt: adapter bbh_cot_prompt: no question"):
        load_rows(DataSource.local(path, adapter="bbh_cot_prompt"))


def test_text_files_and_text_adapters_go_together(tmp_path: Path) -> None:
    text = tmp_path / "weather.txt"
    text.write_text(COT_PROMPT)
    with pytest.raises(DataError, match=r"weather\.txt: unknown data file extension"):
        load_rows(DataSource.local(text))
    with pytest.raises(DataError, match=r"weather\.txt: a text file has no rows of its own"):
        load_rows(DataSource.local(text, file_format="text"))
    as_json = DataSource.local(text, file_format="json", adapter="bbh_cot_prompt")
    with pytest.raises(DataError, match=r"weather\.txt: its adapter reads a text file.*not json"):
        load_rows(as_json)
    # A text adapter reads a file whatever its extension.
    renamed = tmp_path / "weather.prompt"
    renamed.write_text(COT_PROMPT)
    assert len(load_rows(DataSource.local(renamed, adapter="bbh_cot_prompt"))) == 2
    as_text = DataSource.local(renamed, file_format="text", adapter="bbh_cot_prompt")
    assert len(load_rows(as_text)) == 2
    row_adapter = DataSource.local(renamed, file_format="text", adapter="bbh_json")
    with pytest.raises(DataError, match="a text file has no rows of its own"):
        load_rows(row_adapter)
    text.unlink()
    with pytest.raises(DataError, match=r"weather\.txt: no such data file"):
        load_rows(DataSource.local(text, adapter="bbh_cot_prompt"))


MMLU_PRO_ROW = {
    "question_id": 70,
    "question": "Q?",
    "options": ["a", "b", "c"],
    "answer": "C",
    "answer_index": 2,
    "cot_content": "",
    "category": "business",
    "src": "ori_mmlu-business_ethics",
}


def test_mmlu_pro_adapter_keeps_the_hub_fields(tmp_path: Path) -> None:
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps(MMLU_PRO_ROW) + "\n")
    assert load_rows(DataSource.local(path, adapter="mmlu_pro_jsonl")) == [MMLU_PRO_ROW]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": "B"}, "answer 'B' is not 'C'"),
        ({"answer_index": 3}, "answer_index 3 is not an index into the 3 options"),
        ({"options": [str(i) for i in range(11)]}, "options must be a list of 1 to 10 answers"),
        ({"category": None}, "field 'category' must be text"),
    ],
)
def test_mmlu_pro_adapter_refuses_inconsistent_rows(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps(MMLU_PRO_ROW) + "\n" + json.dumps({**MMLU_PRO_ROW, **change}))
    with pytest.raises(DataError, match=rf"test\.jsonl: row 2: adapter mmlu_pro_jsonl: {message}"):
        load_rows(DataSource.local(path, adapter="mmlu_pro_jsonl"))
