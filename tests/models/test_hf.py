"""The transformers backend on the real SmolLM2-135M-Instruct, dequantised from its GGUF."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import logsumexp

from evalatlas.errors import ConfigError, ModelError
from evalatlas.models.backends.hf import (
    TREE_TOLERANCE,
    HFBackend,
    first_stop,
    from_reference,
    rolling_rows,
    scoring_row,
)
from evalatlas.models.backends.hf_convert import MARKER, dequantise_gguf_to_folder
from evalatlas.models.base import ModelBackend
from evalatlas.models.refs import parse_model_ref
from evalatlas.prompts import ChatTemplate
from evalatlas.requests import (
    ChatMessage,
    GenerateRequest,
    LoglikelihoodRequest,
    RollingLoglikelihoodRequest,
)

HAS_HF = all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers"))
needs_hf = pytest.mark.skipif(
    not HAS_HF, reason="needs torch and transformers: pip install 'evalatlas[hf]'"
)


def real_model(test: Callable[..., None]) -> Callable[..., None]:
    """Marks a test that loads the real model through torch and transformers."""
    marked: Callable[..., None] = pytest.mark.hf(pytest.mark.slow(needs_hf(test)))
    return marked


PARIS = LoglikelihoodRequest("paris", 0, "The capital of France is", " Paris")
# Mixed lengths, a shared context, trailing whitespace and an empty context.
MIXED = (
    PARIS,
    LoglikelihoodRequest("paris", 1, "The capital of France is", " Berlin"),
    LoglikelihoodRequest(
        "sky", 0, "Question: What colour is the sky on a clear day?\nAnswer:", " blue"
    ),
    LoglikelihoodRequest("count", 0, "One, two, three, ", "four, five"),
    LoglikelihoodRequest("empty", 0, "", "Hello world"),
    LoglikelihoodRequest(
        "long",
        0,
        "Water boils at a temperature of one hundred degrees "
        "Celsius at sea level, and it freezes at",
        " zero degrees Celsius.",
    ),
    LoglikelihoodRequest("cat", 0, "The cat sat on the", " mat"),
    LoglikelihoodRequest("py", 0, "def add(a, b):\n    return", " a + b"),
)


@pytest.fixture(scope="module")
def backend(smollm2_folder: Path) -> Iterator[HFBackend]:
    loaded = from_reference(parse_model_ref(f"hf:{smollm2_folder}"))
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def plain_backend(smollm2_folder: Path) -> Iterator[HFBackend]:
    """Every request scored on its own: bit-identical whatever its batch."""
    loaded = from_reference(parse_model_ref(f"hf:{smollm2_folder}?prefix_sharing=0"))
    yield loaded
    loaded.close()


def llamacpp_logprob(gguf: Path, context: str, continuation: str) -> float:
    """log P(continuation | context) from llama.cpp's own logits (not its echo log-probs)."""
    llama_cpp = pytest.importorskip("llama_cpp", reason="needs llama-cpp-python")
    llm = llama_cpp.Llama(
        model_path=str(gguf), n_ctx=128, logits_all=True, verbose=False, n_threads=2
    )
    try:
        context_ids = llm.tokenize(context.encode(), add_bos=False, special=False)
        whole = llm.tokenize((context + continuation).encode(), add_bos=False, special=False)
        llm.eval(whole)
        logits = np.asarray(llm.scores[: len(whole)], dtype=np.float64)
    finally:
        llm.close()
    return float(
        sum(
            logits[position - 1, whole[position]] - logsumexp(logits[position - 1])
            for position in range(len(context_ids), len(whole))
        )
    )


# --- without a model ------------------------------------------------------------------------


def test_trust_remote_code_is_refused() -> None:
    with pytest.raises(ConfigError, match="trust_remote_code is refused"):
        from_reference(parse_model_ref("hf:org/model?trust_remote_code=true"))


def test_unknown_option_suggests_the_close_one() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'dtype'"):
        from_reference(parse_model_ref("hf:org/model?dtyp=float32"))


def test_missing_extra_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail exactly as a missing package does.
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ModelError) as raised:
        from_reference(parse_model_ref("hf:HuggingFaceTB/SmolLM2-135M-Instruct"))
    assert "pip install 'evalatlas[hf]'" in str(raised.value)


def test_scoring_row_truncates_from_the_left() -> None:
    row = scoring_row([1, 2, 3, 4], [5, 6], max_length=4)
    # The model reads 4 tokens: the targets' 2, less the last, plus the 3 nearest before.
    assert row.input_ids == (2, 3, 4, 5)
    assert row.truncated
    fitting = scoring_row([2, 3, 4], [5, 6], max_length=4)
    assert (fitting.input_ids, fitting.targets, fitting.truncated) == ((2, 3, 4, 5), (5, 6), False)
    with pytest.raises(ModelError, match="exceeds the model's 4-token context"):
        scoring_row([1], [2, 3, 4, 5, 6], max_length=4)


def test_rolling_windows_score_every_token_once() -> None:
    tokens = list(range(10, 21))  # 11 tokens
    rows = rolling_rows(tokens, prefix_id=0, max_length=4)
    assert [row.targets for row in rows] == [(10, 11, 12, 13), (14, 15, 16, 17), (18, 19, 20)]
    assert rows[0].input_ids == (0, 10, 11, 12)
    assert rows[1].input_ids == (13, 14, 15, 16)
    # The short last window keeps as much real context as fits.
    assert rows[2].input_ids == (16, 17, 18, 19)
    assert rolling_rows([], prefix_id=0, max_length=4) == []


def test_first_stop_finds_the_earliest() -> None:
    assert first_stop("a, b. c", (".", ",")) == 1
    assert first_stop("abc", ("x", "")) is None


# --- the real model -------------------------------------------------------------------------


@real_model
def test_conversion_is_complete_and_idempotent(smollm2_gguf: Path, smollm2_folder: Path) -> None:
    marker = json.loads((smollm2_folder / MARKER).read_text())
    assert marker["source"] == smollm2_gguf.name
    assert not (smollm2_folder / "config.json").read_text().count("quantization_config")
    started = time.perf_counter()
    assert dequantise_gguf_to_folder(smollm2_gguf, smollm2_folder) == smollm2_folder
    assert time.perf_counter() - started < 1.0


@real_model
def test_info_describes_the_model(backend: HFBackend, smollm2_folder: Path) -> None:
    assert isinstance(backend, ModelBackend)
    info = backend.info
    assert info.backend == "hf"
    assert info.name == smollm2_folder.name
    assert info.fingerprint.startswith("sha256:") and len(info.fingerprint) == 7 + 64
    assert info.context_length == 8192
    assert info.add_bos_token is False
    assert set(info.versions) == {"torch", "transformers"}
    assert info.metadata["architecture"] == "LlamaForCausalLM"
    assert info.metadata["parameters"] == "134515008"
    assert info.metadata["dtype"] == "float32"


@real_model
def test_chat_template_renders_chatml(backend: HFBackend) -> None:
    template = backend.info.chat_template
    assert template is not None and "<|im_start|>" in template
    rendered = ChatTemplate(template).render([{"role": "user", "content": "Hi"}])
    assert "<|im_start|>user\nHi<|im_end|>" in rendered
    assert rendered.endswith("<|im_start|>assistant\n")


@real_model
def test_paris_matches_llamacpp(backend: HFBackend, smollm2_gguf: Path) -> None:
    [result] = backend.loglikelihood([PARIS])
    assert result.n_tokens == 1
    assert result.is_greedy
    assert -0.6 < result.logprob < -0.05
    reference = llamacpp_logprob(smollm2_gguf, PARIS.context, PARIS.continuation)
    assert abs(result.logprob - reference) < 0.05


@real_model
def test_plain_log_probs_do_not_depend_on_the_batch(plain_backend: HFBackend) -> None:
    """Right padding keeps a request's tokens and greedy verdicts whatever its batch; its
    log-prob may differ by float32 rounding only (how a math library blocks a matrix
    product depends on its shape, and so the order of the sums), far below any score."""
    together = plain_backend.loglikelihood(MIXED[::-1])[::-1]
    alone = [plain_backend.loglikelihood([request])[0] for request in MIXED]
    for single, batched in zip(alone, together, strict=True):
        assert (single.n_tokens, single.is_greedy) == (batched.n_tokens, batched.is_greedy)
        assert abs(single.logprob - batched.logprob) < TREE_TOLERANCE


@real_model
def test_shared_prefix_log_probs_do_not_depend_on_the_batch(backend: HFBackend) -> None:
    # Float32 rounding differs with the shape of the pass, never by more than TREE_TOLERANCE.
    together = backend.loglikelihood(MIXED[::-1])[::-1]
    alone = [backend.loglikelihood([request])[0] for request in MIXED]
    for one, many in zip(alone, together, strict=True):
        assert abs(one.logprob - many.logprob) < TREE_TOLERANCE
        assert one.is_greedy == many.is_greedy and one.n_tokens == many.n_tokens
    paris, berlin = together[0], together[1]
    assert paris.logprob > berlin.logprob + 2
    assert all(r.logprob < 0 for r in together)


@real_model
def test_trailing_space_moves_to_the_continuation(backend: HFBackend) -> None:
    spaced = LoglikelihoodRequest("s", 0, "The capital of France is ", "Paris")
    [moved, plain] = backend.loglikelihood([spaced, PARIS])
    assert moved.logprob == pytest.approx(plain.logprob, abs=1e-5)


@real_model
def test_rolling_equals_scoring_from_an_empty_context(backend: HFBackend) -> None:
    text = "The quick brown fox jumps over the lazy dog."
    [rolling] = backend.loglikelihood_rolling([RollingLoglikelihoodRequest("r", 0, text)])
    [scored] = backend.loglikelihood([LoglikelihoodRequest("r", 0, "", text)])
    assert rolling.n_tokens == scored.n_tokens > 5
    assert rolling.logprob == pytest.approx(scored.logprob, abs=1e-4)
    assert rolling.is_greedy is False


@real_model
def test_greedy_generation_is_deterministic_and_stops(backend: HFBackend) -> None:
    ask = (ChatMessage("user", "What is the capital of France?"),)
    request = GenerateRequest("g", 0, messages=ask, max_tokens=12)
    first, second = backend.generate([request, request])
    assert first == second
    assert first.text and first.tokens <= 12
    assert first.finish_reason in ("stop", "length")
    stop = first.text[3:6]
    stopped = backend.generate(
        [GenerateRequest("g", 1, messages=ask, max_tokens=12, until=(stop,))]
    )[0]
    assert stopped.text == first.text[: first.text.find(stop)]
    assert stopped.finish_reason == "stop"


@real_model
def test_sampling_repeats_with_its_seed(backend: HFBackend) -> None:
    request = GenerateRequest(
        "s", 0, prompt="Once upon a time", max_tokens=8, temperature=1.0, seed=7
    )
    first, second = backend.generate([request, request])
    assert first == second
    assert first.tokens == 8 or first.finish_reason == "stop"


@real_model
def test_gguf_reference_matches_the_folder(backend: HFBackend, smollm2_gguf: Path) -> None:
    direct = from_reference(
        parse_model_ref(f"hf:{smollm2_gguf.parent}?gguf_file={smollm2_gguf.name}")
    )
    try:
        assert direct.info.chat_template == backend.info.chat_template
        assert direct.info.metadata["source"] == "gguf"
        file_hash = hashlib.sha256(smollm2_gguf.read_bytes()).hexdigest()
        assert direct.info.fingerprint == f"sha256:{file_hash}"
        for via_gguf, via_folder in zip(
            direct.loglikelihood(MIXED[:4]), backend.loglikelihood(MIXED[:4]), strict=True
        ):
            assert abs(via_gguf.logprob - via_folder.logprob) < 1e-4
    finally:
        direct.close()


@real_model
def test_unknown_hub_id_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    # Offline mode fails the same download at once instead of after ~50 s of retries.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelError) as raised:
        from_reference(parse_model_ref("hf:evalatlas-tests/no-such-model@v0"))
    message = str(raised.value)
    assert message.startswith("cannot download evalatlas-tests/no-such-model@v0 from the")
    assert "pass a local folder" in message and "\n" not in message


FEW_SHOT_HEADER = "".join(
    f"Question: What is {a} plus {a}?\nAnswer: {2 * a}\n\n" for a in range(1, 6)
)
# Two questions under one few-shot header, four choices each (one- and many-token).
FEW_SHOT = tuple(
    LoglikelihoodRequest(
        f"q{q}", index, f"{FEW_SHOT_HEADER}Question: What is {q} plus {q}?\nAnswer:", choice
    )
    for q in (7, 9)
    for index, choice in enumerate((" 14", " 18", " twelve or so", " 2"))
)


@real_model
def test_prefix_sharing_is_on_and_agrees_with_plain_scoring(
    backend: HFBackend, plain_backend: HFBackend
) -> None:
    assert backend.info.metadata["prefix_sharing"] == "on"
    assert backend.shares_prefixes and not plain_backend.shares_prefixes
    requests = (*FEW_SHOT, *MIXED)
    shared, plain = backend.loglikelihood(requests), plain_backend.loglikelihood(requests)
    for tree, alone in zip(shared, plain, strict=True):
        assert abs(tree.logprob - alone.logprob) <= TREE_TOLERANCE
        assert (tree.is_greedy, tree.n_tokens) == (alone.is_greedy, alone.n_tokens)


@real_model
def test_shared_tokens_are_read_once(backend: HFBackend, plain_backend: HFBackend) -> None:
    def tokens_read(scorer: HFBackend) -> int:
        counted: list[int] = []
        base = scorer._model.base_model
        hook = base.register_forward_pre_hook(
            lambda _, args, kwargs: counted.append(int((kwargs["input_ids"] != -1).sum())),
            with_kwargs=True,
        )
        try:
            scorer.loglikelihood(FEW_SHOT)
        finally:
            hook.remove()
        return sum(counted)

    # Plain scoring reads the header eight times (padded); the tree reads it once.
    assert tokens_read(backend) * 4 < tokens_read(plain_backend)


@real_model
def test_small_passes_give_the_same_scores(smollm2_folder: Path, backend: HFBackend) -> None:
    small = from_reference(parse_model_ref(f"hf:{smollm2_folder}?batch_tokens=64"))
    try:
        for tiny, large in zip(
            small.loglikelihood(FEW_SHOT), backend.loglikelihood(FEW_SHOT), strict=True
        ):
            assert abs(tiny.logprob - large.logprob) <= TREE_TOLERANCE
    finally:
        small.close()


def test_batch_tokens_must_be_sensible() -> None:
    with pytest.raises(ConfigError, match="batch_tokens must be at least"):
        from_reference(parse_model_ref("hf:org/model?batch_tokens=3"))


@real_model
def test_running_out_of_memory_halves_the_pass(
    smollm2_folder: Path, backend: HFBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = from_reference(parse_model_ref(f"hf:{smollm2_folder}?batch_tokens=4096"))
    real_score = scorer._tree.score
    passes: list[int] = []

    def small_memory(packs: Any) -> Any:
        # What a device with room for two packs per pass says about a third.
        passes.append(len(packs))
        if len(packs) > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_score(packs)

    monkeypatch.setattr(scorer._tree, "score", small_memory)
    try:
        retried = scorer.loglikelihood(MIXED)
    finally:
        scorer.close()
    assert max(passes) > 2 and passes[-1] <= 2
    for after, before in zip(retried, backend.loglikelihood(MIXED), strict=True):
        assert abs(after.logprob - before.logprob) <= TREE_TOLERANCE
