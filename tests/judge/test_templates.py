"""Judge templates: content hashes, placeholders, one-pass rendering."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from evalatlas.errors import ConfigError
from evalatlas.judge import PAIRWISE_TEMPLATES, SINGLE_TEMPLATES, JudgeTemplate, TemplateKind

FIXED = {
    "name": "tiny",
    "version": "3",
    "kind": "pairwise",
    "system_prompt": "Judge. End with [[A>B]] or similar.",
    "user_template": "{question}\n{answer_a}\n{answer_b}",
}


def test_the_hash_of_fixed_content_never_changes() -> None:
    template = JudgeTemplate.model_validate(FIXED)
    # sha256 of the canonical JSON (sorted keys) of every field, defaults included. Recorded
    # once: a change here means every stored judge identity changes too.
    content = {**FIXED, "multi_turn": False, "with_reference": False}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    assert template.sha256 == hashlib.sha256(canonical).hexdigest()
    assert template.sha256 == "7511edaa4ce76a733997e319cf9a6bc0d4afd32b3c70ec857c60a82c1bdd2817"
    assert template.identity == "tiny:7511edaa"


def test_the_hash_follows_content_not_construction() -> None:
    same = JudgeTemplate.model_validate(dict(reversed(list(FIXED.items()))))
    assert same.sha256 == JudgeTemplate.model_validate(FIXED).sha256
    for field, value in [("version", "4"), ("system_prompt", FIXED["system_prompt"] + " ")]:
        changed = JudgeTemplate.model_validate({**FIXED, field: value})
        assert changed.sha256 != same.sha256


def test_builtin_templates_have_distinct_identities() -> None:
    templates = [*PAIRWISE_TEMPLATES.all(), *SINGLE_TEMPLATES.all()]
    assert len({t.sha256 for t in templates}) == len(templates) == 8
    assert all(t.kind is TemplateKind.PAIRWISE for t in PAIRWISE_TEMPLATES.all())
    chosen = PAIRWISE_TEMPLATES.choose(multi_turn=True, with_reference=True)
    assert chosen.multi_turn and chosen.with_reference


def test_every_builtin_pairwise_prompt_declares_all_five_verdicts() -> None:
    for template in PAIRWISE_TEMPLATES.all():
        for marker in ("[[A>>B]]", "[[A>B]]", "[[A=B]]", "[[B>A]]", "[[B>>A]]"):
            assert marker in template.system_prompt
    for template in SINGLE_TEMPLATES.all():
        assert "Rating: [[5]]" in template.system_prompt


@pytest.mark.parametrize(
    ("user_template", "message"),
    [
        ("{question}\n{answer_a}", "lacks {answer_b}"),
        ("{question}\n{answer_a}\n{answer_b}\n{answer}", "unknown placeholder {answer}"),
    ],
)
def test_placeholders_are_checked(user_template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        JudgeTemplate.model_validate({**FIXED, "user_template": user_template})


def test_a_reference_template_needs_the_reference() -> None:
    with pytest.raises(ConfigError, match=re.escape("lacks {reference}")):
        JudgeTemplate.model_validate({**FIXED, "with_reference": True})


def test_rendering_is_one_pass() -> None:
    template = JudgeTemplate.model_validate(FIXED)
    text = template.render({"question": "Q", "answer_a": "see {answer_b}", "answer_b": "B!"})
    assert text == "Q\nsee {answer_b}\nB!"


def test_a_choice_template_is_the_same_prompt_under_its_own_name_and_hash() -> None:
    template = JudgeTemplate.model_validate(FIXED)
    choice = template.as_choice()
    assert (choice.name, choice.verdict_cue) == ("tiny-choice", "\n\nFinal verdict: [[")
    assert choice.user_template == template.user_template
    assert choice.system_prompt == template.system_prompt
    content = {
        **FIXED,
        "name": "tiny-choice",
        "multi_turn": False,
        "with_reference": False,
        "verdict_cue": "\n\nFinal verdict: [[",
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    assert choice.sha256 == hashlib.sha256(canonical).hexdigest() != template.sha256
    assert choice.as_choice() == choice
    # The built-in templates keep the hashes their stored votes carry.
    assert PAIRWISE_TEMPLATES.plain.identity == "pairwise:f6c6b253"
    assert PAIRWISE_TEMPLATES.as_choice().plain.identity == "pairwise-choice:454ebec1"
    # A grading template's choice cue leads to a rating; its text template keeps its hash.
    single_choice = SINGLE_TEMPLATES.plain.as_choice()
    assert (single_choice.name, single_choice.verdict_cue) == ("single-choice", "\n\nRating: [[")
    assert SINGLE_TEMPLATES.plain.identity == "single:fa99b348"
    assert single_choice.identity == "single-choice:a6d7c466"
