"""The OpenAI-compatible backend against a real llama.cpp server on 127.0.0.1.

Generation is compared token for token with llama-cpp-python run directly on the same GGUF
file. Log-prob scoring is checked against log-probs computed here from llama.cpp logits:
the backend must refuse a server whose echoed log-probs disagree with them, and must return
them exactly from a server that computes them correctly. Error classification uses
``httpx.MockTransport``, because a real server cannot be made to fail on cue.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

# tests/models is on sys.path: pytest's default rootdir imports put it there.
from llama_server import THREADS, LlamaServer, free_port, running_llama_server

from evalatlas.errors import ConfigError, ModelError, UnsupportedRequestError
from evalatlas.models import Model, RetryPolicy, parse_model_ref
from evalatlas.models.backends.openai_compat import (
    PROBE_NEW_TOKENS,
    PROBE_PROMPT,
    PROBE_TOLERANCE,
    OpenAIBackend,
    from_reference,
)
from evalatlas.requests import (
    ChatMessage,
    GenerateRequest,
    Generation,
    LoglikelihoodRequest,
    RequestKind,
    RollingLoglikelihoodRequest,
)

N_CTX = 2048
# llama-cpp-python's server applies its request default repeat_penalty=1.1 (an extension
# the OpenAI API cannot switch off); the direct reference run must use the same value.
SERVER_REPEAT_PENALTY = 1.1
GENERATION_PROMPTS = (
    "The capital of France is",
    "def add(a, b):\n",
    "Q: What is 2 + 3?\nA:",
)

Handler = Callable[[httpx.Request], httpx.Response]


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llama_cpp_server_module() -> None:
    pytest.importorskip(
        "llama_cpp.server",
        reason="llama_cpp.server is not importable; pip install 'evalatlas[server]'",
    )


@pytest.fixture(scope="module")
def server(llama_cpp_server_module: None, smollm2_gguf: Path) -> Iterator[LlamaServer]:
    with running_llama_server(smollm2_gguf, n_ctx=N_CTX) as running:
        yield running


@pytest.fixture(scope="module")
def llm(smollm2_gguf: Path) -> Any:
    llama_cpp = pytest.importorskip("llama_cpp", reason="pip install 'evalatlas[llamacpp]'")
    return llama_cpp.Llama(
        model_path=str(smollm2_gguf),
        n_ctx=N_CTX,
        logits_all=True,
        n_threads=THREADS,  # the same settings as the server's
        n_threads_batch=THREADS,
        verbose=False,
    )


@pytest.fixture
def backend(server: LlamaServer) -> Iterator[OpenAIBackend]:
    opened = from_reference(parse_model_ref(f"openai:{server.base_url}#{server.model}"))
    yield opened
    opened.close()


# -- log-probs computed directly from llama.cpp logits ---------------------------------------


def log_softmax_rows(llm: Any, tokens: list[int]) -> np.ndarray:
    """Row i: log-probs of the token after ``tokens[: i + 1]``."""
    llm.reset()
    llm.eval(tokens)
    return normalise(llm.scores[: llm.n_tokens])


def normalise(logits: np.ndarray) -> np.ndarray:
    """Log-softmax of every row."""
    scores = np.asarray(logits, dtype=np.float64)
    peak = scores.max(axis=1, keepdims=True)
    normaliser = np.log(np.exp(scores - peak).sum(axis=1, keepdims=True))
    rows: np.ndarray = scores - peak - normaliser
    return rows


def tokenize(llm: Any, text: str) -> list[int]:
    return list(llm.tokenize(text.encode("utf-8"), add_bos=True))


def true_logprobs(llm: Any, context: str, continuation: str) -> list[float]:
    """log P of each continuation token given everything before it."""
    head = tokenize(llm, context)
    full = tokenize(llm, context + continuation)
    if full[: len(head)] != head:
        pytest.fail(f"context {context!r} does not end at a token boundary")
    rows = log_softmax_rows(llm, full)
    return [float(rows[i - 1, full[i]]) for i in range(len(head), len(full))]


class CorrectLogprobServer:
    """An OpenAI completions endpoint whose echoed log-probs are right, as vLLM's are.

    It answers from the real model: greedy tokens and log-probs from llama.cpp logits.
    """

    base_url = "http://correct-logprobs.test/v1"
    model = "smollm2"

    def __init__(self, llm: Any) -> None:
        self.llm = llm

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"object": "list", "data": [{"id": self.model}]})
        if request.url.path == "/v1/completions":
            return httpx.Response(200, json=self.complete(json.loads(request.content)))
        return httpx.Response(404, json={"error": {"message": "no such route"}})

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        tokens = tokenize(self.llm, body["prompt"])
        n_prompt = len(tokens)
        rows = log_softmax_rows(self.llm, tokens)
        for _ in range(int(body.get("max_tokens", 16))):
            tokens.append(int(np.argmax(rows[-1])))
            self.llm.eval(tokens[-1:])  # extends the evaluated sequence by one token
            rows = normalise(self.llm.scores[: self.llm.n_tokens])
        first = 0 if body.get("echo") else n_prompt
        block: dict[str, list[Any]] = {
            "tokens": [], "text_offset": [], "token_logprobs": [], "top_logprobs": []
        }  # fmt: skip
        for i in range(first, len(tokens)):
            if i == 0 and tokens[0] == self.llm.token_bos():
                continue
            before = self.detokenize(tokens[:i])
            text = self.detokenize(tokens[: i + 1])[len(before) :]
            block["tokens"].append(text)
            block["text_offset"].append(len(before))
            if i == 0:
                block["token_logprobs"].append(None)
                block["top_logprobs"].append(None)
                continue
            logprob = float(rows[i - 1, tokens[i]])
            best = int(np.argmax(rows[i - 1]))
            block["token_logprobs"].append(logprob)
            block["top_logprobs"].append(
                {self.detokenize([best]): float(rows[i - 1, best]), text: logprob}
            )
        choice = {"text": self.detokenize(tokens[first:]), "logprobs": block}
        choice["finish_reason"] = "length"
        usage = {"completion_tokens": len(tokens) - n_prompt}
        return {"object": "text_completion", "choices": [choice], "usage": usage}

    def detokenize(self, tokens: list[int]) -> str:
        return str(self.llm.detokenize(tokens).decode("utf-8", errors="ignore"))


def scripted(responses: dict[str, list[httpx.Response | Exception]]) -> tuple[Handler, list[str]]:
    """A handler answering each path with its responses in order; records the paths hit."""
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"data": [{"id": "m", "created": 7}]})
        answer = responses[request.url.path].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, calls


def mock_backend(handler: Handler, options: str = "") -> OpenAIBackend:
    ref = parse_model_ref(f"openai:http://mock.test/v1#m{options}")
    return from_reference(ref, transport=httpx.MockTransport(handler))


COMPLETION_OK = httpx.Response(
    200,
    json={
        "choices": [{"text": " Paris", "finish_reason": "stop"}],
        "usage": {"completion_tokens": 2},
    },
)


# -- real server -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.llamacpp
def test_greedy_completions_equal_llama_cpp_run_directly(backend: OpenAIBackend, llm: Any) -> None:
    requests = [
        GenerateRequest("gen", i, prompt=p, until=("\n\n",), max_tokens=16, temperature=0.0)
        for i, p in enumerate(GENERATION_PROMPTS)
    ]
    got = backend.generate(requests)
    for request, generation in zip(requests, got, strict=True):
        llm.reset()
        direct = llm.create_completion(
            request.prompt,
            max_tokens=request.max_tokens,
            temperature=0.0,
            stop=list(request.until),
            seed=request.seed,
            repeat_penalty=SERVER_REPEAT_PENALTY,
        )
        assert generation.text == direct["choices"][0]["text"]
        assert generation.tokens == direct["usage"]["completion_tokens"]
        assert generation.finish_reason == direct["choices"][0]["finish_reason"]
    assert got[0].text.strip(), "the model generated nothing for a plain factual prompt"


@pytest.mark.slow
@pytest.mark.llamacpp
def test_chat_completion_uses_the_servers_template(backend: OpenAIBackend, llm: Any) -> None:
    messages = (ChatMessage("user", "What is the capital of France?"),)
    [generation] = backend.generate(
        [GenerateRequest("chat", 0, messages=messages, max_tokens=12, temperature=0.0)]
    )
    llm.reset()
    direct = llm.create_chat_completion(
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=12,
        temperature=0.0,
        seed=1234,
        repeat_penalty=SERVER_REPEAT_PENALTY,
    )
    assert generation.text.strip()
    assert generation.text == direct["choices"][0]["message"]["content"]
    assert 0 < generation.tokens <= 12


# What a refusal says when the server scored one token two ways.
DISAGREEMENT = re.compile(
    r"scores token (?P<token>'.*?') after .* as (?P<echoed>\S+) when echoing it "
    r"but (?P<generated>\S+) when generating it"
)
# What it says when no generated token came back at its offset in the echo.
NOTHING_COMPARED = "did not echo the probe's tokens at their offsets"


def served_continuation(server: LlamaServer) -> list[str]:
    """The tokens the server generates after the probe prompt, asked as the probe asks."""
    reply = httpx.post(
        f"{server.base_url}/completions",
        json={
            "model": server.model,
            "prompt": PROBE_PROMPT,
            "max_tokens": PROBE_NEW_TOKENS,
            "temperature": 0.0,
            "logprobs": 1,
            "seed": 0,
        },
        timeout=60,
    ).json()
    return [str(token) for token in reply["choices"][0]["logprobs"]["tokens"]]


def assert_the_refusal_says_why(message: str, served: list[str]) -> None:
    """A refusal names the server, the alternatives and a finding that justifies it.

    The finding's numbers are not compared with another request's: which token the server
    generates, and what it echoes for a token (llama-cpp-python's server reuses the prefix
    of its previous prompt), depend on the build and on earlier requests.
    """
    assert "\n" not in message
    assert "'llamacpp:PATH'" in message
    found = DISAGREEMENT.search(message)
    if found is None:
        assert NOTHING_COMPARED in message, message
        return
    assert ast.literal_eval(found["token"]) in served
    echoed, generated = float(found["echoed"]), float(found["generated"])
    # Both are printed to 3 decimals; the probe refuses only beyond its tolerance.
    assert abs(echoed - generated) > PROBE_TOLERANCE - 0.001, message


@pytest.mark.slow
@pytest.mark.llamacpp
def test_probe_decision_agrees_with_true_logprobs(
    backend: OpenAIBackend, server: LlamaServer, llm: Any
) -> None:
    [true_paris] = true_logprobs(llm, PROBE_PROMPT, " Paris")
    reply = httpx.post(
        f"{server.base_url}/completions",
        json={
            "prompt": PROBE_PROMPT + " Paris",
            "max_tokens": 1,
            "temperature": 0.0,
            "echo": True,
            "logprobs": 1,
        },
        timeout=60,
    ).json()["choices"][0]["logprobs"]
    at = reply["text_offset"].index(len(PROBE_PROMPT))
    assert reply["tokens"][at] == " Paris"
    echoed_paris = reply["token_logprobs"][at]
    request = LoglikelihoodRequest("s", 0, PROBE_PROMPT, " Paris")

    if abs(echoed_paris - true_paris) > PROBE_TOLERANCE:
        served = served_continuation(server)
        for kind in (RequestKind.LOGLIKELIHOOD, RequestKind.ROLLING_LOGLIKELIHOOD):
            with pytest.raises(UnsupportedRequestError) as refused:
                backend.check_kind(kind)
            assert server.base_url in str(refused.value)
            assert_the_refusal_says_why(str(refused.value), served)
        with pytest.raises(UnsupportedRequestError):
            backend.loglikelihood([request])
    else:
        backend.check_kind(RequestKind.LOGLIKELIHOOD)
        [result] = backend.loglikelihood([request])
        assert result.logprob == pytest.approx(true_paris, abs=PROBE_TOLERANCE)
    backend.check_kind(RequestKind.GENERATE)  # generation never needs the probe


@pytest.mark.slow
@pytest.mark.llamacpp
def test_model_info_names_the_served_model(backend: OpenAIBackend, server: LlamaServer) -> None:
    info = backend.info
    assert (info.backend, info.name, info.chat_template) == ("openai", server.model, None)
    assert info.fingerprint.startswith(f"openai:{server.base_url}#{server.model}")
    assert info.fingerprint.endswith(";owned_by=me")  # llama-cpp-python's owner field
    assert info.versions == {"httpx": httpx.__version__}


@pytest.mark.slow
@pytest.mark.llamacpp
def test_unknown_model_lists_the_served_ones(server: LlamaServer) -> None:
    with pytest.raises(ConfigError) as error:
        from_reference(parse_model_ref(f"openai:{server.base_url}#smollm"))
    assert str(error.value) == (
        f"server at {server.base_url} does not serve model 'smollm'. "
        "Did you mean 'smollm2'? Served: smollm2"
    )


def test_unreachable_server_says_how_to_fix_it() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelError) as error:
        from_reference(parse_model_ref(f"openai:{url}#smollm2"))
    assert str(error.value) == (
        f"cannot reach OpenAI-compatible server at {url} (connection refused): "
        "start it or check the URL"
    )


# -- a server that computes echoed log-probs correctly ---------------------------------------


@pytest.fixture(scope="module")
def correct_backend(llm: Any) -> Iterator[OpenAIBackend]:
    fake = CorrectLogprobServer(llm)
    ref = parse_model_ref(f"openai:{fake.base_url}#{fake.model}")
    opened = from_reference(ref, transport=httpx.MockTransport(fake))
    yield opened
    opened.close()


@pytest.mark.llamacpp
def test_correct_server_passes_the_probe_and_scores_true_logprobs(
    correct_backend: OpenAIBackend, llm: Any
) -> None:
    backend = correct_backend
    continuation = " Paris, the city of light"
    requests = [
        LoglikelihoodRequest("s", 0, PROBE_PROMPT, " Paris"),
        LoglikelihoodRequest("s", 1, PROBE_PROMPT, continuation),
    ]
    backend.check_kind(RequestKind.LOGLIKELIHOOD)
    paris, longer = backend.loglikelihood(requests)

    [true_paris] = true_logprobs(llm, PROBE_PROMPT, " Paris")
    true_longer = true_logprobs(llm, PROBE_PROMPT, continuation)
    assert paris.logprob == pytest.approx(true_paris, abs=1e-6)
    assert paris.n_tokens == 1
    assert longer.logprob == pytest.approx(sum(true_longer), abs=1e-6)
    assert longer.n_tokens == len(true_longer)
    greedy_first = int(np.argmax(log_softmax_rows(llm, tokenize(llm, PROBE_PROMPT))[-1]))
    assert paris.is_greedy == (llm.tokenize(b" Paris", add_bos=False) == [greedy_first])


@pytest.mark.llamacpp
def test_correct_server_scores_documents_from_their_second_token(
    correct_backend: OpenAIBackend, llm: Any
) -> None:
    text = "Paris is the capital and largest city of France."
    [result] = correct_backend.loglikelihood_rolling([RollingLoglikelihoodRequest("doc", 0, text)])

    tokens = tokenize(llm, text)
    first = 1 if tokens[0] == llm.token_bos() else 0
    rows = log_softmax_rows(llm, tokens)
    scored = [rows[i - 1, tokens[i]] for i in range(first + 1, len(tokens))]
    assert result.logprob == pytest.approx(float(sum(scored)), abs=1e-6)
    assert (result.n_tokens, result.is_greedy) == (len(scored), False)


# -- error classification and options --------------------------------------------------------


def test_503_is_retried_by_the_model_facade() -> None:
    overloaded = httpx.Response(503, json={"error": {"message": "overloaded"}})
    handler, calls = scripted({"/v1/completions": [overloaded, COMPLETION_OK]})
    sleeps: list[float] = []
    model = Model(
        mock_backend(handler), retry=RetryPolicy(initial_delay_s=0.5, sleep=sleeps.append)
    )
    [answer] = model.run([GenerateRequest("s", 0, prompt="The capital of France is")])
    assert answer == Generation(" Paris", 2, "stop")
    assert sleeps == [0.5]
    assert model.usage.retries == 1
    assert calls == ["/v1/models", "/v1/completions", "/v1/completions"]


@pytest.mark.parametrize(
    ("answer", "retryable"),
    [
        (httpx.Response(429, json={"error": {"message": "slow down"}}), True),
        (httpx.Response(500, text="Internal Server Error"), True),
        (httpx.ReadTimeout("read timed out"), True),
        (httpx.RemoteProtocolError("peer closed connection"), True),
        (httpx.Response(400, json={"error": {"message": "prompt too long"}}), False),
        (httpx.Response(404, json={"detail": "Not Found"}), False),
    ],
)
def test_failures_are_classified(answer: httpx.Response | Exception, retryable: bool) -> None:
    handler, _ = scripted({"/v1/completions": [answer]})
    backend = mock_backend(handler)
    with pytest.raises(ModelError) as error:
        backend.generate([GenerateRequest("s", 0, prompt="x")])
    assert error.value.retryable is retryable
    assert "\n" not in str(error.value)
    if isinstance(answer, httpx.Response) and answer.status_code == 400:
        assert str(error.value).endswith("HTTP 400 to POST /completions: prompt too long")


def test_non_retryable_error_is_not_retried() -> None:
    bad = httpx.Response(400, json={"error": {"message": "bad"}})
    handler, calls = scripted({"/v1/completions": [bad, COMPLETION_OK]})
    sleeps: list[float] = []
    model = Model(mock_backend(handler), retry=RetryPolicy(sleep=sleeps.append))
    with pytest.raises(ModelError, match="bad"):
        model.run([GenerateRequest("s", 0, prompt="x")])
    assert (sleeps, calls.count("/v1/completions")) == ([], 1)


def test_requests_carry_settings_key_and_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVER_KEY", "sk-local")
    seen: list[tuple[str, dict[str, Any], str | None]] = []
    chat_ok = {"choices": [{"message": {"content": "Paris"}, "finish_reason": "stop"}],
               "usage": {"completion_tokens": 1}}  # fmt: skip

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/models":
            return httpx.Response(200, json={"data": [{"id": "m"}]})
        seen.append(
            (request.url.path, json.loads(request.content), request.headers.get("authorization"))
        )
        return httpx.Response(200, json=chat_ok)

    backend = mock_backend(handle, "?mode=chat&api_key_env=MY_SERVER_KEY&timeout=5")
    request = GenerateRequest(
        "s", 0, prompt="Capital of France?", until=("\n",), max_tokens=9, seed=3
    )
    [generation] = backend.generate([request])
    assert generation == Generation("Paris", 1, "stop")
    [(path, body, auth)] = seen
    assert (path, auth) == ("/v1/chat/completions", "Bearer sk-local")
    assert body == {
        "model": "m", "temperature": 0.0, "max_tokens": 9, "seed": 3, "stop": ["\n"],
        "messages": [{"role": "user", "content": "Capital of France?"}],
    }  # fmt: skip
    assert backend.info.fingerprint == "openai:http://mock.test/v1#m"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("?mdoe=chat", "unknown option 'mdoe'. Did you mean 'mode'?"),
        ("?mode=stream", "mode='stream' must be 'completions' or 'chat'"),
        ("?timeout=soon", "timeout='soon' must be a positive number of seconds"),
        ("?api_key_env=EVALATLAS_UNSET_KEY", "$EVALATLAS_UNSET_KEY is not set"),
    ],
)
def test_bad_options_are_config_errors(options: str, message: str) -> None:
    handler, _ = scripted({})
    with pytest.raises(ConfigError) as error:
        mock_backend(handler, options)
    assert message in str(error.value)


def test_server_without_echo_support_is_refused_once() -> None:
    rejected = httpx.Response(400, json={"error": {"message": "logprobs are not supported"}})
    handler, calls = scripted({"/v1/completions": [rejected]})
    backend = mock_backend(handler)
    for _ in range(2):
        with pytest.raises(UnsupportedRequestError, match="logprobs are not supported"):
            backend.check_kind(RequestKind.ROLLING_LOGLIKELIHOOD)
    with pytest.raises(UnsupportedRequestError):
        backend.check_kind(RequestKind.LOGLIKELIHOOD)
    assert calls.count("/v1/completions") == 1  # the verdict is memoised
