"""The pure helpers of benchmarks/loglik_throughput.py (the benchmark itself is never run here)."""

from __future__ import annotations

import importlib.util
import json
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "loglik_throughput.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loglik_throughput", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_prefix_tree_counts_each_shared_prefix_once(bench: ModuleType) -> None:
    header = [1, 2, 3, 4]
    sequences = [
        [*header, 10, 11],  # 6 new nodes
        [*header, 10, 12],  # shares 5 tokens: 1 new
        [*header, 20],  # shares the header: 1 new
        [*header, 20],  # identical to the previous request: nothing new
        [9, 2, 3],  # same tokens as the header's, but at other prefixes: 3 new
    ]
    assert bench.unique_prefix_tokens(sequences) == 6 + 1 + 1 + 0 + 3
    assert bench.unique_prefix_tokens([]) == 0
    # A request that is a prefix of an earlier one adds nothing.
    assert bench.unique_prefix_tokens([[1, 2, 3], [1, 2]]) == 3


def char_tokens(text: str) -> list[int]:
    return [ord(character) for character in text]


def test_pair_moves_trailing_whitespace_to_the_continuation(bench: ModuleType) -> None:
    context, continuation = bench.lm_eval_pair(char_tokens, "Answer: \n", "B")
    assert context == char_tokens("Answer:")
    assert continuation == char_tokens(" \nB")


def test_pair_takes_the_continuation_from_the_joint_encoding(bench: ModuleType) -> None:
    # Like SentencePiece's word-start marker: a text's first token is spelt differently.
    def marking(text: str) -> list[int]:
        return [ord(character) + (1000 if i == 0 else 0) for i, character in enumerate(text)]

    context, continuation = bench.lm_eval_pair(marking, "xa", "b")
    assert context == [ord("x") + 1000, ord("a")]
    assert continuation == [ord("b")]  # the tail of marking("xab"), not marking("b")
    assert marking("b") != continuation


def sample(bench: ModuleType, context: str, continuations: tuple[str, ...], gold: int) -> object:
    return bench.BenchSample("task", "0", context, continuations, gold)


def test_task_files_hold_the_exact_text(bench: ModuleType, tmp_path: Path) -> None:
    tricky = 'Q: "quoted" {{braces}} \\ naïve\n\nAnswer:'
    samples = [
        sample(bench, tricky, (" A", ' "B"', " {{c}}"), 2),
        sample(bench, "Second:", (" yes", " no"), 0),
    ]
    task_path = bench.write_lm_eval_task(samples, tmp_path)
    task = yaml.safe_load(task_path.read_text(encoding="utf-8"))
    assert task["task"] == bench.BENCH_TASK
    assert task["output_type"] == "multiple_choice"
    assert task["target_delimiter"] == ""
    assert task["num_fewshot"] == 0
    data = Path(task["dataset_kwargs"]["data_files"]["test"])
    lines = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"context": tricky, "choices": [" A", ' "B"', " {{c}}"], "gold": 2},
        {"context": "Second:", "choices": [" yes", " no"], "gold": 0},
    ]


def test_logged_pairs_read_both_argument_layouts(bench: ModuleType) -> None:
    numbered = {f"gen_args_{i}": {"arg_0": "ctx", "arg_1": f" {i}"} for i in (10, 2, 0, 1)}
    assert bench.logged_pairs(numbered) == [("ctx", f" {i}") for i in (0, 1, 2, 10)]
    assert bench.logged_pairs([["ctx", " A"], ["ctx", " B"]]) == [("ctx", " A"), ("ctx", " B")]


def test_parameters_are_counted_from_the_safetensors_header(
    bench: ModuleType, tmp_path: Path
) -> None:
    header = {
        "__metadata__": {"format": "pt"},
        "embed.weight": {"dtype": "F32", "shape": [10, 4], "data_offsets": [0, 160]},
        "norm.weight": {"dtype": "F32", "shape": [4], "data_offsets": [160, 176]},
    }
    encoded = json.dumps(header).encode("utf-8")
    payload = struct.pack("<Q", len(encoded)) + encoded + bytes(176)
    (tmp_path / "model.safetensors").write_bytes(payload)
    assert bench.safetensors_parameters(tmp_path) == 44


def test_argmax_breaks_ties_towards_the_first_choice(bench: ModuleType) -> None:
    assert bench.argmax([-3.0, -1.0, -1.0, -2.0]) == 1
    assert bench.argmax([-5.0]) == 0
