"""A judge served by a real llama.cpp OpenAI-compatible server on 127.0.0.1 writes the
same verdicts as the same GGUF loaded directly (greedy), under the server's model
reference; choice verdicts are refused with the probe's reason, as that server's echoed
log-probabilities are not trustworthy for SmolLM2 (see test_backends_agree)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_server import LlamaServer, running_llama_server

from evalatlas.errors import UnsupportedRequestError
from evalatlas.judge import JudgedPair, VerdictMode
from evalatlas.judge.run import JudgeConfig, PairwiseJudge
from evalatlas.judge.run.mt_bench import load_mt_bench, pairwise_items
from evalatlas.models import load_model

pytestmark = [pytest.mark.llamacpp, pytest.mark.slow, pytest.mark.shared_data]

QUESTION = "104"
CONFIG = JudgeConfig(max_tokens=24)


@pytest.fixture(scope="module")
def server(smollm2_gguf: Path) -> Iterator[LlamaServer]:
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    with running_llama_server(smollm2_gguf) as running:
        yield running


def _judged_texts(reference: str, shared_data: Path) -> tuple[list[str], list[JudgedPair]]:
    bench = load_mt_bench(shared_data / "mt_bench", models=["gpt-4", "alpaca-13b"])
    answers = (("gpt-4", bench.answers_of("gpt-4")), ("alpaca-13b", bench.answers_of("alpaca-13b")))
    items = [i for i in pairwise_items(bench, answers, turns=(1,)) if i.question_id == QUESTION]
    model = load_model(reference)
    try:
        pairs = PairwiseJudge(model, config=CONFIG).judge(items)
    finally:
        model.close()
    texts = [judgment.text for pair in pairs for judgment in (pair.forward, pair.backward)]
    return texts, pairs


def test_a_served_judge_writes_what_the_direct_one_writes(
    server: LlamaServer, smollm2_gguf: Path, shared_data: Path
) -> None:
    direct, _ = _judged_texts(f"llamacpp:{smollm2_gguf}?n_threads=1", shared_data)
    # llama.cpp's server applies repeat_penalty=1.1 unless told otherwise: greedy is 1.0.
    served_reference = f"openai:{server.base_url}#{server.model}?body.repeat_penalty=1.0"
    served, pairs = _judged_texts(served_reference, shared_data)
    assert served == direct and all(text.strip() for text in served)
    # The verdicts carry the served model's reference: the votes they cast say who judged.
    judges = {pair.judge for pair in pairs}
    assert len(judges) == 1 and judges.pop().startswith(f"judge:{served_reference}@")


def test_choice_verdicts_over_the_server_are_refused_with_a_reason(server: LlamaServer) -> None:
    model = load_model(f"openai:{server.base_url}#{server.model}")
    try:
        with pytest.raises(UnsupportedRequestError, match="log-likelihood"):
            PairwiseJudge(model, config=JudgeConfig(verdict=VerdictMode.CHOICE))
    finally:
        model.close()
