from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from evalatlas.errors import DataError, ModelError, UnsupportedRequestError
from evalatlas.models import load_backend, load_model
from evalatlas.requests import ChatMessage, GenerateRequest, Generation, LoglikelihoodRequest


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "answers.jsonl",
        [
            {"sample_id": "q1", "response": "Paris", "tokens": 2},
            {"id": 2, "output": "Berlin\n\nExtra text"},
            {"prompt": "What is 2+2?", "completion": "4", "finish_reason": "length"},
            {"prompt": "Say hi", "text": "hi"},
        ],
    )


def test_matches_by_sample_id_then_prompt(answers: Path) -> None:
    model = load_model(f"responses:{answers}")
    requests = [
        GenerateRequest("q1", 0, prompt="anything"),
        GenerateRequest("2", 0, prompt="ignored", until=("\n\n",)),
        GenerateRequest("q9", 0, prompt="What is 2+2?"),
        GenerateRequest(
            "q10", 0, messages=(ChatMessage("system", "Be brief."), ChatMessage("user", "Say hi"))
        ),
    ]
    by_id, by_number, by_prompt, by_chat = model.run(requests)
    assert by_id == Generation("Paris", 2, "stop")
    assert by_number == Generation("Berlin", 0, "stop")  # the request's stop string applies
    assert by_prompt == Generation("4", 0, "length")
    assert by_chat == Generation("hi", 0, "stop")
    assert model.usage.generated_tokens == 2


def test_fingerprint_is_the_file_sha256(answers: Path) -> None:
    info = load_backend(f"responses:{answers}").info
    assert info.fingerprint == "sha256:" + hashlib.sha256(answers.read_bytes()).hexdigest()
    assert info.backend == "responses"


def test_unmatched_request_names_sample_file_and_count(answers: Path) -> None:
    model = load_model(f"responses:{answers}")
    requests = [
        GenerateRequest("q1", 0, prompt="x"),
        GenerateRequest("nope", 0, prompt="unknown prompt"),
        GenerateRequest("nope2", 0, prompt="other unknown"),
    ]
    with pytest.raises(ModelError) as caught:
        model.run(requests)
    message = str(caught.value)
    assert "'nope'" in message and str(answers) in message and "2 of 3" in message
    assert "\n" not in message
    assert not caught.value.retryable


def test_only_generation_is_supported(answers: Path) -> None:
    model = load_model(f"responses:{answers}")
    with pytest.raises(UnsupportedRequestError):
        model.run([LoglikelihoodRequest("q1", 0, "a", "b")])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"sample_id": "a", "response": "x"}\n{not json}\n', r":2: invalid JSON"),
        ('{"sample_id": "a", "answer": "x"}\n', r":1: no answer field.*'response'"),
        ('{"response": "x"}\n', r":1: no 'sample_id', 'id', 'key' or 'prompt'"),
        ('{"key": [1], "response": "x"}\n', r":1: field 'key' must be a string or an integer"),
        ('{"sample_id": "a", "response": 3}\n', r":1: field 'response' must be a string"),
        ('["a", "b"]\n', r":1: expected a JSON object"),
        (
            '{"sample_id": "a", "response": "x"}\n\n{"sample_id": "a", "response": "y"}\n',
            r":3: sample id 'a' is already answered on line 1",
        ),
        ("\n\n", r"no responses"),
    ],
)
def test_bad_files_name_file_line_and_field(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=expected) as caught:
        load_backend(f"responses:{path}")
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_backend(f"responses:{tmp_path / 'absent.jsonl'}")


def test_prompt_answered_differently_twice_is_refused_when_used(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "dup.jsonl",
        [{"prompt": "Q", "response": "a"}, {"prompt": "Q", "response": "b"}],
    )
    model = load_model(f"responses:{path}")
    with pytest.raises(DataError, match="lines 1 and 2"):
        model.run([GenerateRequest("s", 0, prompt="Q")])


def test_ifeval_lines_match_by_key_or_by_googles_prompt_and_response(tmp_path: Path) -> None:
    # IFEval numbers its prompts with an integer "key"; Google's published response files
    # hold only {"prompt", "response"}.
    path = write_jsonl(
        tmp_path / "ifeval.jsonl",
        [
            {"key": 1000, "response": "by key"},
            {"prompt": "Write a haiku. Do not use any commas.", "response": "by prompt"},
        ],
    )
    model = load_model(f"responses:{path}")
    by_key, by_prompt = model.run(
        [
            GenerateRequest("1000", 0, prompt="Write a 300+ word summary", until=()),
            GenerateRequest("1001", 0, prompt="Write a haiku. Do not use any commas.", until=()),
        ]
    )
    assert by_key == Generation("by key", 0, "stop")
    assert by_prompt == Generation("by prompt", 0, "stop")


def test_sample_id_wins_over_key_on_one_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "both.jsonl", [{"sample_id": "a", "key": 7, "response": "x"}])
    model = load_model(f"responses:{path}")
    assert model.run([GenerateRequest("a", 0, prompt="p")]) == [Generation("x", 0, "stop")]
    with pytest.raises(ModelError, match="'7'"):
        model.run([GenerateRequest("7", 0, prompt="other")])
