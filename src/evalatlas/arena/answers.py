"""Contestants' answers through the model layer (the one arena module that loads models).

Each model is loaded on its first battle and kept; one lock per model keeps two battles
from driving the same backend at once (llama.cpp contexts are not thread-safe). A model
with a chat template answers the prompt as a user message; a pretrained model without one
gets it as a plain "Question/Answer" prompt and stops at the next question.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

from evalatlas.errors import ModelError
from evalatlas.models import Model, load_model
from evalatlas.models.expected import expected
from evalatlas.requests import ChatMessage, GenerateRequest, Generation

DEFAULT_MAX_TOKENS = 256
PLAIN_PROMPT = "Question: {prompt}\nAnswer:"
PLAIN_STOPS = ("\nQuestion:", "\n\nQuestion")


class ModelAnswerer:
    """An ``Answerer`` over model references; ``close()`` releases the loaded models."""

    def __init__(self, references: Sequence[str], max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self._references = tuple(dict.fromkeys(references))
        self._max_tokens = max_tokens
        self._models: dict[str, Model] = {}
        self._locks = {reference: threading.Lock() for reference in self._references}

    def __call__(self, model: str, prompt: str) -> str:
        if model not in self._locks:
            raise ModelError(f"arena: {model!r} is not a contestant of this arena")
        with self._locks[model]:
            loaded = self._models.get(model)
            if loaded is None:
                loaded = self._models[model] = load_model(model)
            (response,) = loaded.run([self._request(loaded, prompt)])
        return expected(response, Generation, f"arena: {model!r}").text.strip()

    def _request(self, model: Model, prompt: str) -> GenerateRequest:
        sample_id = f"arena-{uuid.uuid4().hex}"
        if model.info.chat_template:
            return GenerateRequest(
                sample_id,
                0,
                messages=(ChatMessage("user", prompt),),
                max_tokens=self._max_tokens,
            )
        return GenerateRequest(
            sample_id,
            0,
            prompt=PLAIN_PROMPT.format(prompt=prompt),
            until=PLAIN_STOPS,
            max_tokens=self._max_tokens,
        )

    def close(self) -> None:
        for model in self._models.values():
            model.close()
        self._models.clear()
