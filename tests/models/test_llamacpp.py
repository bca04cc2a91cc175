"""The llama.cpp backend on the real bundled GGUF models (SmolLM2-135M, Gemma-3 270M)."""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalatlas.errors import AtlasError, ConfigError, ModelError
from evalatlas.models import load_backend
from evalatlas.models.backends.gguf_meta import read_gguf_metadata
from evalatlas.models.backends.llamacpp import (
    INSTALL_HINT,
    LlamaCppBackend,
    LlamaCppOptions,
    import_llama_cpp,
)
from evalatlas.prompts import ChatTemplate
from evalatlas.requests import (
    ChatMessage,
    GenerateRequest,
    LoglikelihoodRequest,
    RollingLoglikelihoodRequest,
)

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.llamacpp

PARIS = "The capital of France is"
QUESTIONS = [
    ("Question: What colour is the sky on a clear day?\nAnswer:", [" blue", " green", " red"]),
    ("The opposite of hot is", [" cold", " warm", " freezing cold", " lukewarm water"]),
    ("2 + 2 = ", ["4", "5", "22"]),  # trailing space moves onto the continuation
]
TEXT = (
    "The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with "
    "a single step. All that glitters is not gold, and not all those who wander are lost."
)


@pytest.fixture(scope="module")
def smol(smollm2_gguf: Path) -> Iterator[LlamaCppBackend]:
    backend = LlamaCppBackend(smollm2_gguf, options=LlamaCppOptions(n_threads=1, n_ctx=1024))
    yield backend
    backend.close()


def choice_requests() -> list[LoglikelihoodRequest]:
    return [
        LoglikelihoodRequest(f"q{q}", c, context, continuation)
        for q, (context, continuations) in enumerate(QUESTIONS)
        for c, continuation in enumerate(continuations)
    ]


def one_line_error(error: AtlasError) -> str:
    message = str(error)
    assert message and "\n" not in message
    return message


def test_paris_logprob_is_aligned(smol: LlamaCppBackend) -> None:
    # The off-by-one prompt log-prob of create_completion(echo=True) gives about -8.45.
    [paris, banana] = smol.loglikelihood(
        [
            LoglikelihoodRequest("s", 0, PARIS, " Paris"),
            LoglikelihoodRequest("s", 1, PARIS, " banana"),
        ]
    )
    assert paris.logprob == pytest.approx(-0.26, abs=0.05)
    assert paris.is_greedy and paris.n_tokens == 1
    assert banana.logprob < -5 and not banana.is_greedy


def test_trailing_context_whitespace_moves_to_the_continuation(smol: LlamaCppBackend) -> None:
    [spaced, plain] = smol.loglikelihood(
        [
            LoglikelihoodRequest("s", 0, PARIS + " ", "Paris"),
            LoglikelihoodRequest("s", 1, PARIS, " Paris"),
        ]
    )
    assert spaced.logprob == pytest.approx(plain.logprob, abs=1e-6)


def test_empty_context_and_empty_continuation(smol: LlamaCppBackend) -> None:
    [empty_context, empty_continuation] = smol.loglikelihood(
        [LoglikelihoodRequest("s", 0, "", "Hello world"), LoglikelihoodRequest("s", 1, PARIS, "")]
    )
    assert empty_context.n_tokens == 2
    assert -40 < empty_context.logprob < 0
    assert (empty_continuation.logprob, empty_continuation.n_tokens) == (0.0, 0)


@pytest.mark.parametrize(
    ("model", "reuses"), [("smollm2", True), pytest.param("gemma3", False, marks=pytest.mark.slow)]
)
def test_prefix_reuse_equals_naive_decoding(
    model: str, reuses: bool, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(f"{model}_gguf")
    requests = choice_requests()
    reused = LlamaCppBackend(path, options=LlamaCppOptions(n_threads=1, n_ctx=512))
    naive = LlamaCppBackend(
        path, options=LlamaCppOptions(n_threads=1, n_ctx=512, reuse_prefix=False)
    )
    try:
        fast = reused.loglikelihood(requests)
        slow = naive.loglikelihood(requests)
        # Gemma-3's kernels give a token other logits when its sequence is cut into decodes
        # elsewhere, so reuse would not be exact there: the backend detects that and opts out.
        assert reused.reuses_prefix is reuses and not naive.reuses_prefix
        assert reused.info.metadata["prefix_reuse"] == ("on" if reuses else "off")
        if reuses:
            assert reused.decoded_tokens < naive.decoded_tokens  # the prefix really was reused
    finally:
        reused.close()
        naive.close()
    for a, b in zip(fast, slow, strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=1e-4)
        assert (a.is_greedy, a.n_tokens) == (b.is_greedy, b.n_tokens)


def test_scores_do_not_depend_on_batching(smol: LlamaCppBackend) -> None:
    requests = choice_requests()
    together = smol.loglikelihood(requests)
    alone = [smol.loglikelihood([r])[0] for r in reversed(requests)][::-1]
    assert [r.logprob for r in together] == pytest.approx([r.logprob for r in alone], abs=1e-4)


def test_greedy_generation_is_deterministic_and_bounded(smol: LlamaCppBackend) -> None:
    request = GenerateRequest("g", 0, prompt=PARIS, max_tokens=12)
    first, second = smol.generate([request, request])
    assert first == second
    assert 0 < first.tokens <= 12
    if first.finish_reason == "length":
        assert first.tokens == 12
    # Stop at a word the greedy continuation is known to contain.
    stop = first.text.strip().split()[1]
    [stopped] = smol.generate([GenerateRequest("g", 1, prompt=PARIS, max_tokens=12, until=(stop,))])
    assert stopped.finish_reason == "stop"
    assert stopped.text == first.text[: first.text.index(stop)]
    assert stop not in stopped.text
    [short] = smol.generate([GenerateRequest("g", 2, prompt=PARIS, max_tokens=2)])
    assert short.tokens <= 2 and short.finish_reason in ("length", "stop")


def test_sampling_is_reproducible_for_a_seed(smol: LlamaCppBackend) -> None:
    def sample(seed: int) -> str:
        request = GenerateRequest(
            "t", 0, prompt="Once upon a time", max_tokens=16, temperature=1.0, seed=seed
        )
        return smol.generate([request])[0].text

    assert sample(1) == sample(1)
    assert len({sample(seed) for seed in range(4)}) > 1


def test_chat_template_comes_from_gguf_metadata(smol: LlamaCppBackend) -> None:
    info = smol.info
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    template = ChatTemplate(info.chat_template, info.bos_token or "", info.eos_token or "")
    prompt = template.render([{"role": "user", "content": "What is the capital of France?"}])
    assert prompt.startswith("<|im_start|>")
    # Special tokens in a rendered template are parsed as single tokens.
    assert len(smol.tokenize("<|im_start|>", with_bos=False)) == 1
    messages = (ChatMessage("user", "What is the capital of France?"),)
    [chat, plain] = smol.generate(
        [
            GenerateRequest("c", 0, messages=messages, max_tokens=8),
            GenerateRequest("c", 1, prompt=prompt, max_tokens=8),
        ]
    )
    assert chat == plain  # messages are rendered with the model's own template
    assert chat.text and "<|im_start|>" not in chat.text


def test_smollm2_info(smol: LlamaCppBackend, smollm2_gguf: Path) -> None:
    info = smol.info
    assert info.backend == "llamacpp"
    assert info.fingerprint == "sha256:" + hashlib.sha256(smollm2_gguf.read_bytes()).hexdigest()
    assert info.add_bos_token is False  # SmolLM2 adds no BOS
    assert info.bos_token == "<|im_start|>" and info.eos_token == "<|im_end|>"
    assert info.context_length == smol.n_ctx >= 1024
    assert info.metadata["architecture"] == "llama"
    assert info.metadata["quantisation"] == "Q4_1"
    assert int(info.metadata["parameters"]) > 100_000_000
    assert info.versions["llama_cpp_python"]
    assert info.name


def test_bundled_reference_defaults(smollm2_gguf: Path) -> None:
    backend = load_backend("bundled:smollm2-135m-instruct")
    try:
        assert backend.info.reference == "bundled:smollm2-135m-instruct"
        train = read_gguf_metadata(smollm2_gguf).context_length or 0
        assert backend.info.context_length == min(train, 4096)
    finally:
        backend.close()


def test_gemma3_has_bos_and_no_chat_template(gemma3_gguf: Path) -> None:
    backend = LlamaCppBackend(
        gemma3_gguf,
        reference="bundled:gemma3-270m",
        options=LlamaCppOptions(n_threads=1, n_ctx=256),
    )
    try:
        info = backend.info
        assert info.chat_template is None and info.add_bos_token is True
        assert info.metadata["architecture"] == "gemma3"
        assert backend.tokenize("Hello")[0] == backend.tokenize("", with_bos=True)[0]
        with pytest.raises(ConfigError, match="has no chat template") as caught:
            backend.generate([GenerateRequest("c", 0, messages=(ChatMessage("user", "hi"),))])
        assert "bundled:gemma3-270m" in one_line_error(caught.value)
        [paris] = backend.loglikelihood([LoglikelihoodRequest("s", 0, PARIS, " Paris")])
        assert paris.logprob > -3
    finally:
        backend.close()


def test_rolling_equals_loglikelihood_of_empty_context(smol: LlamaCppBackend) -> None:
    [rolling] = smol.loglikelihood_rolling([RollingLoglikelihoodRequest("r", 0, TEXT)])
    [direct] = smol.loglikelihood([LoglikelihoodRequest("r", 0, "", TEXT)])
    assert rolling.n_tokens == direct.n_tokens > 30
    assert rolling.logprob == pytest.approx(direct.logprob, abs=1e-3)
    assert rolling.is_greedy is False


@pytest.mark.slow
def test_rolling_windows_sum_per_window_loglikelihoods(smollm2_gguf: Path) -> None:
    small = LlamaCppBackend(smollm2_gguf, options=LlamaCppOptions(n_threads=1, n_ctx=256))
    try:
        n_ctx = small.n_ctx
        text = " ".join([TEXT] * math.ceil(1.3 * n_ctx / 40))
        tokens = small.tokenize(text, with_bos=False)
        assert n_ctx < len(tokens) < 2 * n_ctx  # two windows
        [rolling] = small.loglikelihood_rolling([RollingLoglikelihoodRequest("r", 0, text)])
        # Window 1 predicts the first n_ctx tokens from BOS; window 2 the rest, conditioned
        # on the tokens before it up to n_ctx inputs in all.
        first = LoglikelihoodRequest("w", 0, "", small.detokenize(tokens[:n_ctx]))
        context = tokens[len(tokens) - n_ctx - 1 : n_ctx]
        second = LoglikelihoodRequest(
            "w", 1, small.detokenize(context), small.detokenize(tokens[n_ctx:])
        )
        windows = small.loglikelihood([first, second])
    finally:
        small.close()
    assert [w.n_tokens for w in windows] == [n_ctx, len(tokens) - n_ctx]
    assert rolling.n_tokens == len(tokens)
    assert rolling.logprob == pytest.approx(sum(w.logprob for w in windows), abs=1e-3)
    assert not rolling.truncated  # scoring in windows cuts nothing


@pytest.fixture(scope="module")
def tiny_window(smollm2_gguf: Path) -> Iterator[LlamaCppBackend]:
    backend = load_backend(f"llamacpp:{smollm2_gguf}?n_ctx=256&n_threads=1")
    assert isinstance(backend, LlamaCppBackend)
    yield backend
    backend.close()


@pytest.mark.parametrize("continuation", [" Paris", " Paris, the capital of France."])
def test_a_context_longer_than_the_window_is_cut_from_the_left_and_marked(
    tiny_window: LlamaCppBackend, continuation: str
) -> None:
    backend = tiny_window
    assert backend.n_ctx == backend.info.context_length == 256
    context = " ".join([TEXT] * 9) + "\nQuestion: What is the capital of France?\nAnswer:"
    context_tokens = backend.tokenize(context)
    targets = backend.tokenize(context + continuation)[len(context_tokens) :]
    # The model reads every token but the last target, and at most n_ctx of them.
    readable = len(context_tokens) + len(targets) - 1
    assert readable > backend.n_ctx
    kept = context_tokens[readable - backend.n_ctx :]
    cut_context = backend.detokenize(kept)
    assert backend.tokenize(cut_context) == kept  # the cut text is exactly the kept tokens

    [long, cut] = backend.loglikelihood(
        [
            LoglikelihoodRequest("long", 0, context, continuation),
            LoglikelihoodRequest("cut", 0, cut_context, continuation),  # fills the window
        ]
    )
    assert long.truncated and not cut.truncated
    assert long.n_tokens == cut.n_tokens == len(targets)
    assert long.logprob == pytest.approx(cut.logprob, rel=0, abs=1e-6)
    assert long.is_greedy == cut.is_greedy
    [short] = backend.loglikelihood([LoglikelihoodRequest("short", 0, PARIS, continuation)])
    assert not short.truncated


def test_a_continuation_longer_than_the_window_is_refused(tiny_window: LlamaCppBackend) -> None:
    continuation = " " + " ".join([TEXT] * 9)
    assert len(tiny_window.tokenize(continuation, with_bos=False)) > tiny_window.n_ctx
    with pytest.raises(ConfigError, match=r"n_ctx=256 and a continuation is never cut") as caught:
        tiny_window.loglikelihood([LoglikelihoodRequest("q", 3, PARIS, continuation)])
    assert "request q#3" in one_line_error(caught.value)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.gguf"
    with pytest.raises(ConfigError) as caught:
        load_backend(f"llamacpp:{path}")
    assert str(path) in one_line_error(caught.value)


def test_text_file_renamed_gguf_is_refused_before_loading(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("just some notes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a GGUF file") as caught:
        load_backend(f"llamacpp:{path}")
    assert "magic" in one_line_error(caught.value)


@pytest.mark.parametrize("keep", [1 << 20, 0.9])
def test_truncated_gguf_is_a_model_error(tmp_path: Path, smollm2_gguf: Path, keep: float) -> None:
    data = smollm2_gguf.read_bytes()
    path = tmp_path / "cut.gguf"
    path.write_bytes(data[: int(keep if keep > 1 else len(data) * keep)])
    with pytest.raises(ModelError, match="truncated; re-download") as caught:
        load_backend(f"llamacpp:{path}")
    assert str(path) in one_line_error(caught.value)


def test_unknown_option_suggests_the_known_one(smollm2_gguf: Path) -> None:
    with pytest.raises(ConfigError, match="Did you mean 'n_ctx'"):
        load_backend(f"llamacpp:{smollm2_gguf}?nctx=512")
    with pytest.raises(ConfigError, match="at least 1"):
        load_backend(f"llamacpp:{smollm2_gguf}?n_batch=0")


def test_missing_llama_cpp_gives_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # what an absent package looks like
    with pytest.raises(ModelError) as caught:
        import_llama_cpp()
    assert INSTALL_HINT == "pip install 'evalatlas[llamacpp]'"
    assert INSTALL_HINT in one_line_error(caught.value)


def test_a_generation_prompt_longer_than_the_window_is_cut_and_marked(
    tiny_window: LlamaCppBackend,
) -> None:
    prompt = " ".join([TEXT] * 9) + "\nQuestion: What is the capital of France?\nAnswer:"
    assert len(tiny_window.tokenize(prompt)) > tiny_window.n_ctx
    [long, short] = tiny_window.generate(
        [
            GenerateRequest("long", 0, prompt=prompt, max_tokens=8),
            GenerateRequest("short", 0, prompt=PARIS, max_tokens=8),
        ]
    )
    assert long.truncated and not short.truncated
    assert long.tokens <= 8 and long.finish_reason in ("stop", "length")
