"""End to end: the real bundled SmolLM2-135M judges real MT-Bench answers.

A 135M model is far too small to judge well; the tests check that the pipeline runs on a
real backend and records honestly what the judge said: each text verdict is re-read from
the text it wrote, pairs without a verdict in both orders stay unscored and cast no vote;
asked for its choice among the five markers (or, grading, among the ten ratings) instead,
the judge answers every judgment.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from evalatlas.judge import (
    PairOutcome,
    VerdictMode,
    audit_judge,
    choose_verdict,
    judge_votes,
    parse_verdict,
    reconcile,
    stored_judges,
)
from evalatlas.judge.run import JudgeConfig, PairwiseJudge, SingleJudge
from evalatlas.judge.run.choice import ChatText, choose_rating
from evalatlas.judge.run.mt_bench import load_mt_bench, pairwise_items, single_items
from evalatlas.models import Model, load_model
from evalatlas.prompts import ChatTemplate, Message
from evalatlas.requests import ChatMessage
from evalatlas.store import Store

pytest.importorskip("llama_cpp", reason="needs llama-cpp-python: pip install 'evalatlas[llamacpp]'")
pytestmark = [pytest.mark.llamacpp, pytest.mark.slow, pytest.mark.shared_data]

# Short reasoning questions (judged against GPT-4's reference answers): small prompts.
QUESTIONS = {"104", "107"}
JUDGE = "bundled:smollm2-135m-instruct?n_threads=1&n_ctx=1024"


def rendered_chat(model: Model) -> ChatText:
    """The judge's conversation in the chat template of its metadata, rendered here."""
    info = model.info
    assert info.chat_template is not None
    template = ChatTemplate(info.chat_template, info.bos_token or "", info.eos_token or "")

    def chat_text(messages: Sequence[ChatMessage]) -> str:
        chat: list[Message] = [{"role": m.role, "content": m.content} for m in messages]
        return template.render(chat, add_generation_prompt=True)

    return chat_text


def test_smollm2_judges_real_mt_bench_pairs(shared_data: Path, tmp_path: Path) -> None:
    # The bundled GGUF ships with the package (as in every real-model test): a model that
    # fails to load is a failure, not a skip.
    model = load_model(JUDGE)
    bench = load_mt_bench(shared_data / "mt_bench", models=["gpt-4", "alpaca-13b"])
    answers = (("gpt-4", bench.answers_of("gpt-4")), ("alpaca-13b", bench.answers_of("alpaca-13b")))
    items = [i for i in pairwise_items(bench, answers, turns=(1,)) if i.question_id in QUESTIONS]
    assert len(items) == 2 and all(i.references for i in items)
    try:
        pairs = PairwiseJudge(model, config=JudgeConfig(max_tokens=64)).judge(items)
    finally:
        model.close()

    assert model.usage.requests == 4  # two orders of two pairs
    for pair in pairs:
        assert pair.forward.text.strip() and pair.backward.text.strip()
        assert pair.forward.verdict == parse_verdict(pair.forward.text)
        assert pair.backward.verdict == parse_verdict(pair.backward.text)
        assert pair.outcome is reconcile(pair.forward.verdict, pair.backward.verdict)
        assert pair.judge.startswith(f"judge:{JUDGE}@pairwise-reference:")

    audit = audit_judge(pairs)
    unscored = sum(p.outcome is PairOutcome.UNSCORED for p in pairs)
    assert (audit.pairs, audit.unscored) == (2, unscored)
    assert audit.position_consistency.n == 2 - unscored

    battles, votes = judge_votes(pairs)
    assert len(votes) == 2 - unscored
    with Store.open(tmp_path / "workspace") as store:
        assert store.arena().add_battles(battles, votes) == (len(votes), 0)
        assert store.arena().counts().votes == len(votes)


def test_smollm2_gives_a_choice_verdict_for_every_pair_in_both_orders(
    shared_data: Path, tmp_path: Path
) -> None:
    """A 135M judge seldom writes a marker; asked for its choice among the five markers
    after its reasoning, it answers for every judgment, and the votes keep how."""
    # The bundled GGUF ships with the package (as in every real-model test): a model that
    # fails to load is a failure, not a skip.
    model = load_model(JUDGE)
    bench = load_mt_bench(shared_data / "mt_bench", models=["gpt-4", "alpaca-13b"])
    answers = (("gpt-4", bench.answers_of("gpt-4")), ("alpaca-13b", bench.answers_of("alpaca-13b")))
    items = [i for i in pairwise_items(bench, answers, turns=(1,)) if i.question_id in QUESTIONS]
    config = JudgeConfig(max_tokens=48, verdict=VerdictMode.CHOICE)
    try:
        # The judge's chat is rendered by its own backend: the template of its metadata.
        renderer = model.chat_renderer()
        assert renderer is not None
        asked = (ChatMessage("system", "Judge fairly."), ChatMessage("user", "A or B?"))
        assert renderer(asked) == rendered_chat(model)(asked)
        judge = PairwiseJudge(model, config=config)
        pairs = judge.judge(items)
    finally:
        model.close()

    # Two generations and five scorings per pair and order.
    assert model.usage.requests == judge.planned_requests(items) == 2 * 2 + 2 * 2 * 5
    for pair in pairs:
        assert pair.judge.startswith(f"judge:{JUDGE}@pairwise-reference-choice:")
        for judgment in (pair.forward, pair.backward):
            assert judgment.verdict_source is VerdictMode.CHOICE
            assert judgment.verdict is not None  # every judgment chose
            assert len(judgment.choice_logprobs) == 5
            assert all(value < 0 for value in judgment.choice_logprobs)
            assert judgment.verdict is choose_verdict(judgment.choice_logprobs)
        assert pair.outcome is not PairOutcome.UNSCORED

    battles, votes = judge_votes(pairs)
    assert len(votes) == 2
    with Store.open(tmp_path / "workspace") as store:
        store.arena().add_battles(battles, votes)
        (stored,) = stored_judges(store.arena().decided_battles())
    assert stored.verdict_source is VerdictMode.CHOICE and stored.without_details == 0
    assert audit_judge(stored.pairs).as_json() == audit_judge(pairs).as_json()


def test_smollm2_gives_a_choice_rating_for_every_graded_answer(shared_data: Path) -> None:
    """Grading, the same 135M judge seldom writes ``Rating: [[N]]``; asked for its choice
    among the ten ratings after its reasoning, it rates every answer."""
    # The bundled GGUF ships with the package (as in every real-model test): a model that
    # fails to load is a failure, not a skip.
    model = load_model(JUDGE)
    bench = load_mt_bench(shared_data / "mt_bench", models=["gpt-4"])
    items = [
        i
        for i in single_items(bench, "gpt-4", bench.answers_of("gpt-4"), turns=(1,))
        if i.question_id in QUESTIONS
    ]
    assert len(items) == 2 and all(i.references for i in items)
    choice = JudgeConfig(max_tokens=48, verdict=VerdictMode.CHOICE)
    try:
        judge = SingleJudge(model, config=choice)
        grades = judge.grade(items)
        assert model.usage.requests == judge.planned_requests(items) == 2 + 2 * 10
        written = SingleJudge(model, config=JudgeConfig(max_tokens=48)).grade(items)
    finally:
        model.close()

    for grade, text_grade in zip(grades, written, strict=True):
        assert grade.judge.startswith(f"judge:{JUDGE}@single-reference-choice:")
        assert grade.verdict_source is VerdictMode.CHOICE
        assert grade.rating is not None  # every answer is rated
        assert len(grade.choice_logprobs) == 10
        assert all(value < 0 for value in grade.choice_logprobs)
        assert grade.rating == choose_rating(grade.choice_logprobs)
        # Text mode reads the same reasoning (one prompt, greedy) under its own identity.
        assert text_grade.text == grade.text
        assert text_grade.judge.startswith(f"judge:{JUDGE}@single-reference:")
        assert text_grade.verdict_source is VerdictMode.TEXT
