"""Every refusal of ``check_submission`` with its message, on real files (a GGUF written by
the ``gguf`` package, a transformers folder), and what is accepted with which notes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from queue_files import CHATML, write_folder, write_gguf

from evalatlas.errors import ConfigError, SubmissionRefused
from evalatlas.queue import QueueLimits, check_submission, parse_size, submission_request
from evalatlas.queue.allowlist import AllowList

# Every test's files live under the system's temporary folder: allowed as a model root.
ALLOW_TMP = AllowList.build([Path(tempfile.gettempdir())], endpoints=["10.0.0.0/8"])


def check(reference: str, tasks: str = "arithmetic_mc", **options: object) -> list[str]:
    size = int(str(options.pop("max_bytes", 2**30)))
    limits = QueueLimits(max_model_bytes=size, allow=ALLOW_TMP)
    return check_submission(submission_request(reference, tasks, dict(options)), limits)


def refused(reference: str, tasks: str = "arithmetic_mc", **options: object) -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as caught:
        check(reference, tasks, **options)
    return caught.value


@pytest.fixture
def chat_gguf(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "chat.gguf", CHATML)


@pytest.fixture
def base_gguf(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "base.gguf")


def test_a_local_gguf_is_read_without_loading_it(chat_gguf: Path) -> None:
    notes = check(f"llamacpp:{chat_gguf}", "arithmetic_mc,arithmetic_gen", apply_chat_template=True)
    assert notes[0].startswith("GGUF v3 (llama, Q4_1, Tiny test model)")
    assert notes[1] == "2 tasks: arithmetic_mc, arithmetic_gen"
    assert check(f"hf:{chat_gguf}")[0].startswith("GGUF v3")


def test_a_missing_file_a_folder_or_a_file_that_is_no_gguf_is_refused(tmp_path: Path) -> None:
    error = refused(f"llamacpp:{tmp_path / 'none.gguf'}")
    assert error.field == "model_reference"
    assert str(error).endswith(
        "no model this server may evaluate is at that path; "
        "give a file or folder inside the server's model folders"
    )
    assert "that is a folder; give a .gguf file" in str(refused(f"llamacpp:{tmp_path}"))
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET contents")
    message = str(refused(f"llamacpp:{secret}"))
    assert message.endswith("the file is not a GGUF file; give a .gguf model file")
    assert "TOP" not in message  # the form must not read the server's files back


def test_a_gguf_over_the_size_limit_is_refused(chat_gguf: Path) -> None:
    size = chat_gguf.stat().st_size
    assert check(f"llamacpp:{chat_gguf}", max_bytes=size)
    message = str(refused(f"llamacpp:{chat_gguf}", max_bytes=size - 1))
    assert "over the queue's limit" in message and "EVALATLAS_MAX_MODEL_SIZE" in message


def test_a_chat_template_is_required_only_when_asked_for(base_gguf: Path, tmp_path: Path) -> None:
    assert check(f"llamacpp:{base_gguf}")
    message = str(refused(f"llamacpp:{base_gguf}", apply_chat_template=True))
    assert "apply_chat_template was asked for" in message
    assert "no tokenizer.chat_template in metadata" in message
    chat_folder = write_folder(tmp_path / "chat", CHATML)
    base_folder = write_folder(tmp_path / "base")
    assert check(f"hf:{chat_folder}", apply_chat_template=True) == [
        "transformers folder chat, 1.0 KiB of weights",
        "1 task: arithmetic_mc",
    ]
    assert "no chat_template in tokenizer_config" in str(
        refused(f"hf:{base_folder}", apply_chat_template=True)
    )
    assert "the random baseline has no chat template" in str(
        refused("random", apply_chat_template=True)
    )


def test_a_transformers_folder_needs_its_config_and_fits_the_limit(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "big", weights=5000)
    assert "over the queue's limit" in str(refused(f"hf:{folder}", max_bytes=4999))
    (folder / "config.json").unlink()
    assert "has no config.json" in str(refused(f"hf:{folder}"))


@pytest.mark.parametrize(
    "reference",
    [
        "hf:acme/model@main?trust_remote_code=1",
        "hf:acme/model@main?trust_remote_code=false",
        "llamacpp:/models/x.gguf?trust_remote_code=0",
        "openai:http://127.0.0.1:8080/v1#m?trust_remote_code=1",
    ],
)
def test_trust_remote_code_is_refused_whatever_its_value(reference: str) -> None:
    error = refused(reference)
    assert "trust_remote_code is refused" in str(error) and error.field == "model_reference"


def test_a_hub_id_needs_a_revision_and_is_accepted_by_its_form_only() -> None:
    message = str(refused("hf:acme/tiny-model"))
    assert "a hub model needs @revision" in message and "hf:acme/tiny-model@main" in message
    notes = check("hf:acme/tiny-model@v1.0", apply_chat_template=True)
    assert notes[0].startswith("hub model acme/tiny-model@v1.0 accepted by its form only")
    assert "the worker resolves it" in notes[0]
    assert "checked by the worker" in notes[1]
    assert "unknown option 'dtpe'" in str(refused("hf:acme/tiny-model@main?dtpe=float32"))


def test_an_endpoint_needs_an_http_url_and_is_not_contacted() -> None:
    notes = check("openai:http://10.0.0.7:8080/v1#smollm2")  # 10.0.0.0/8 is allowed here
    assert (
        notes[0] == "endpoint 10.0.0.7:8080 is not contacted until the worker runs the submission"
    )
    assert "must start with http(s)://" in str(refused("openai:ftp://host/v1#m"))
    assert "bad server URL" in str(refused("openai:http://host:99999/v1#m"))
    assert "without credentials" in str(refused("openai:http://user:pw@host/v1#m"))
    assert "name the served model after '#'" in str(refused("openai:http://host/v1"))


def test_references_the_queue_does_not_take() -> None:
    assert "unknown model reference scheme 'gguf'" in str(refused("gguf:/x.gguf"))
    assert "responses: references are not queued" in str(refused("responses:/tmp/a.jsonl"))
    assert "unknown bundled model 'nope'" in str(refused("bundled:nope"))


def test_tasks_must_resolve_and_task_files_are_not_queued() -> None:
    error = refused("random", "arithmetic_mc,no_such_task")
    assert error.field == "tasks" and "unknown task or group 'no_such_task'" in str(error)
    assert "not task files" in str(refused("random", "/etc/tasks/evil.yaml"))
    assert "not task files" in str(refused("random", "my_task.yaml"))
    assert "runs on its own" in str(refused("random", "leaderboard_v2,arithmetic_mc"))
    assert check("random", "leaderboard_v1")[1] == "suite leaderboard_v1: 6 benchmarks"
    assert check("random", "offline")[1].startswith("2 tasks:")


def test_options_out_of_bounds_name_their_field() -> None:
    with pytest.raises(ConfigError, match=r"^limit: Input should be greater than or equal to 1"):
        submission_request("random", "arithmetic_mc", {"limit": 0})
    with pytest.raises(ConfigError, match=r"^num_fewshot: "):
        submission_request("random", "arithmetic_mc", {"num_fewshot": -1})
    with pytest.raises(ConfigError, match=r"^requested_by: String should have at most 128"):
        submission_request("random", "arithmetic_mc", {}, "x" * 129)
    with pytest.raises(ConfigError, match=r"^model_reference: String should have at least 1"):
        submission_request(" ", "arithmetic_mc")


def test_the_size_limit_comes_from_the_environment() -> None:
    assert QueueLimits.from_environment({}).max_model_bytes == 16 * 2**30
    assert QueueLimits.from_environment({"EVALATLAS_MAX_MODEL_SIZE": "500M"}).max_model_bytes == (
        500 * 2**20
    )
    assert parse_size("1.5GiB", "x") == int(1.5 * 2**30) and parse_size("2048", "x") == 2048
    with pytest.raises(ConfigError, match="EVALATLAS_MAX_MODEL_SIZE='lots' is not a size"):
        QueueLimits.from_environment({"EVALATLAS_MAX_MODEL_SIZE": "lots"})
