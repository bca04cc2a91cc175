"""Answers that reveal their model, and the style counts of an answer."""

from __future__ import annotations

from evalatlas.arena import STYLE_FEATURES, answer_style, battle_identity_leak, revealed_identity
from evalatlas.arena.identity import identity_names

SMOL = "bundled:smollm2-135m-instruct"
GEMMA = "bundled:gemma3-270m"


def test_names_of_a_reference_drop_backends_sizes_and_formats() -> None:
    assert identity_names(SMOL) == ["smollm2", "SmolLM"]
    assert identity_names(GEMMA) == ["gemma3", "Gemma"]
    qwen = "llamacpp:/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf?n_ctx=4096"
    assert identity_names(qwen) == ["Qwen2.5", "Qwen"]
    assert identity_names("openai:http://127.0.0.1:8080/v1#phi3-mini") == ["phi3"]
    assert set(identity_names("hf:meta-llama/Llama-3.2-1B")) == {"Llama"}


def test_an_answer_naming_its_model_or_maker_is_a_leak() -> None:
    models = (SMOL, GEMMA)
    prompt = "Who are you?"
    assert revealed_identity(prompt, "I am SmolLM, a small model.", models) == "SmolLM"
    assert revealed_identity(prompt, "I'm smollm2 by a lab.", models) == "smollm2"
    assert revealed_identity(prompt, "I was trained by OpenAI.", models) == "OpenAI"
    assert revealed_identity(prompt, "I am a helpful assistant.", models) is None


def test_a_name_the_prompt_asked_about_is_no_leak() -> None:
    models = (SMOL, GEMMA)
    prompt = "Compare Gemma and Llama in one sentence."
    assert revealed_identity(prompt, "Gemma is smaller than Llama.", models) is None
    assert revealed_identity(prompt, "Gemma is smaller; Mistral too.", models) == "Mistral"


def test_a_name_inside_another_word_is_no_leak() -> None:
    assert revealed_identity("hi", "The metallama bridge spans a river.", (SMOL, GEMMA)) is None
    # Size words of a reference are no names: "mini" must not flag "minimal".
    phi = "llamacpp:/models/Phi-3-mini-4k-instruct-q4.gguf"
    assert revealed_identity("hi", "A minimal and small answer.", (phi, SMOL)) is None


def test_the_battle_leak_says_which_answer() -> None:
    leak = battle_identity_leak("Hi", "Hello!", "Hello from Gemma.", SMOL, GEMMA)
    assert leak == "answer B mentions 'Gemma'"
    assert battle_identity_leak("Hi", "Hello!", "Hi there.", SMOL, GEMMA) is None


def test_style_counts_of_markdown() -> None:
    answer = (
        "# Title\n"
        "Some **bold** and __more__ text.\n"
        "## Steps\n"
        "- one\n"
        "* two\n"
        "1. three\n"
        "2) four\n"
        "```\n# not a header\n- not a list\n```\n"
    )
    style = answer_style(answer)
    assert tuple(style) == STYLE_FEATURES
    assert (style["headers"], style["lists"], style["bold"]) == (2.0, 4.0, 2.0)
    assert style["length"] > 20


def test_style_counts_of_plain_text() -> None:
    assert answer_style("Hello, world!") == {
        "length": 4.0,
        "headers": 0.0,
        "lists": 0.0,
        "bold": 0.0,
    }
    assert answer_style("") == {"length": 0.0, "headers": 0.0, "lists": 0.0, "bold": 0.0}
    assert answer_style("#hashtag and a - dash")["headers"] == 0.0
