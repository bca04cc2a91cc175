"""The response a request asked for: a backend that answers a generation request with
anything but generated text (or a scoring request with anything but a log-likelihood) is
a fault of the model, reported with the caller's name for it."""

from __future__ import annotations

from typing import TypeVar

from evalatlas.errors import ModelError
from evalatlas.requests import AnyResponse, Generation, LoglikelihoodResult

ResponseT = TypeVar("ResponseT", Generation, LoglikelihoodResult)
_WHAT: dict[type[AnyResponse], str] = {
    Generation: "generated text",
    LoglikelihoodResult: "log-likelihood",
}


def expected(response: AnyResponse, kind: type[ResponseT], who: str) -> ResponseT:
    """``response`` as ``kind``; ModelError "<who> returned no <kind>" otherwise."""
    if not isinstance(response, kind):
        raise ModelError(f"{who} returned no {_WHAT[kind]}")
    return response
