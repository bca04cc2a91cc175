"""Does an answer reveal who wrote it?

A vote on a battle whose answer names a model or its maker — where the prompt did not ask
about it — is no longer blind, so it is kept but not counted. The names looked for are the
two contestants' own name parts and a list of well-known model families and makers.
"""

from __future__ import annotations

import re

KNOWN_IDENTITIES = (
    "SmolLM",
    "Hugging Face",
    "HuggingFace",
    "Gemma",
    "Gemini",
    "Google",
    "DeepMind",
    "Llama",
    "Meta AI",
    "Mistral",
    "Mixtral",
    "Qwen",
    "Alibaba",
    "ChatGPT",
    "GPT-4",
    "GPT-3",
    "OpenAI",
    "Claude",
    "Anthropic",
    "Phi-3",
    "Microsoft",
    "DeepSeek",
    "Falcon",
    "Vicuna",
    "LMSYS",
)
# Parts of a model reference that name nothing (backends, sizes, formats, versions). Size
# words matter most: names match as word starts, so "mini" would flag every "minimal".
_GENERIC_PART = re.compile(
    r"^(bundled|llamacpp|hf|openai|gguf|instruct|chat|it|base|q\d.*|f16|f32|bf16|"
    r"mini|tiny|small|medium|large|nano|micro|latest|preview|"
    r"\d+(\.\d+)?[mbk]?|v\d+(\.\d+)*|\d+)$",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^(bundled|llamacpp|hf|openai|responses):", re.IGNORECASE)
_FILE_EXTENSION = re.compile(r"\.(gguf|bin|safetensors)$", re.IGNORECASE)
MIN_NAME_PART = 4


def identity_names(model: str) -> list[str]:
    """The distinctive parts of a model reference (``bundled:smollm2-135m-instruct`` →
    ``smollm2``), plus each known family or maker the reference mentions."""
    # Options after "?" name no model, and dots stay inside parts ("Qwen2.5"), so a file
    # extension is cut off first.
    base = _FILE_EXTENSION.sub("", model.split("?", 1)[0].rsplit("/", 1)[-1])
    parts = [
        part
        for part in re.split(r"[^A-Za-z0-9.]+", base)
        if len(part) >= MIN_NAME_PART and not _GENERIC_PART.match(part)
    ]
    # The backend prefix names no maker ("llamacpp:" is no Llama, "openai:" no OpenAI).
    lowered = _SCHEME.sub("", model).lower().replace(" ", "")
    known = [name for name in KNOWN_IDENTITIES if name.lower().replace(" ", "") in lowered]
    return parts + known


def revealed_identity(prompt: str, answer: str, models: tuple[str, ...]) -> str | None:
    """The first name in ``answer`` that identifies one of ``models`` (or any well-known
    maker) and that ``prompt`` does not itself mention; None when the answer is blind."""
    names = [name for model in models for name in identity_names(model)]
    for name in [*names, *KNOWN_IDENTITIES]:
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}", re.IGNORECASE)
        if pattern.search(answer) and not pattern.search(prompt):
            return name
    return None


def battle_identity_leak(
    prompt: str, answer_a: str, answer_b: str, model_a: str, model_b: str
) -> str | None:
    """Why a vote on this battle cannot count (which answer names what), or None."""
    for label, answer in (("A", answer_a), ("B", answer_b)):
        name = revealed_identity(prompt, answer, (model_a, model_b))
        if name is not None:
            return f"answer {label} mentions {name!r}"
    return None
