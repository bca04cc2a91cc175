"""What the public queue keeps of a failure: server paths cut to their last part, an
endpoint's words replaced, tracebacks and unexpected errors said in general."""

from __future__ import annotations

import errno

from evalatlas.errors import ConfigError, ModelError, SubmissionRefused
from evalatlas.queue.log import SubmissionLog
from evalatlas.queue.public import STOPPED, public_reason, redact_paths


def test_server_paths_are_cut_but_urls_and_references_stay() -> None:
    assert redact_paths("cannot load /home/ann/models/x.gguf now") == "cannot load …/x.gguf now"
    assert redact_paths("(~/secret/dir/file.txt)") == "(…/file.txt)"
    assert redact_paths("data_dir='/srv/data/mmlu'") == "data_dir='…/mmlu'"
    kept = "llamacpp:/models/x.gguf at http://host:8080/v1/models"
    assert redact_paths(kept) == kept


def test_public_reasons() -> None:
    body = ModelError("server at http://h/v1 answered HTTP 500 to GET /models: TOKEN=abc")
    assert public_reason(body, "openai", "loading the model") == (
        "the endpoint failed while loading the model (model_error); its reply is not shown "
        "here, the worker's console has the details"
    )
    served = ConfigError("server does not serve model 'm'. Served: internal-only")
    assert "internal-only" not in public_reason(served, "openai", "loading the model")
    loader = ModelError("llama.cpp could not load /srv/m/x.gguf: file may be truncated")
    assert public_reason(loader, "llamacpp", "loading the model") == (
        "llama.cpp could not load …/x.gguf: file may be truncated"
    )
    refused = SubmissionRefused("model_reference", "model reference 'x': refused")
    assert public_reason(refused, "openai", "loading the model") == "model reference 'x': refused"
    bug = KeyError("/srv/secret")
    assert public_reason(bug, "hf", "evaluating") == (
        "the evaluation stopped on an unexpected KeyError while evaluating; "
        "the worker's console has the details"
    )
    no_memory = OSError(errno.ENOMEM, "Cannot allocate memory")
    assert "ran out of memory while loading the model" in public_reason(
        no_memory, "llamacpp", "loading the model"
    )
    assert public_reason(KeyboardInterrupt(), "random", "evaluating") == STOPPED


def test_the_log_keeps_public_lines_and_says_everything() -> None:
    said: list[str] = []
    log = SubmissionLog(said.append)
    log.line("loaded /srv/models/x.gguf")
    log.operator("worker vm:123:ab runs it")
    assert log.text().endswith("] loaded …/x.gguf\n") and "vm:123" not in log.text()
    assert said[0].endswith("] loaded /srv/models/x.gguf") and said[1].endswith("vm:123:ab runs it")
