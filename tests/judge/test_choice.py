"""Choice verdicts: the judge's most likely marker after its reasoning, with a scripted
backend whose scores are a function of the scored text (so what was scored is checked)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import pytest

from evalatlas.errors import ConfigError, UnsupportedRequestError
from evalatlas.judge import (
    PAIRWISE_TEMPLATES,
    PairOutcome,
    PairwiseItem,
    Verdict,
    VerdictMode,
    audit_judge,
    choose_verdict,
)
from evalatlas.judge.items import judged_pair_from_json, judged_pair_to_json
from evalatlas.judge.run import JudgeConfig, PairwiseJudge, SingleJudge
from evalatlas.judge.run.choice import CONTINUATIONS, reasoning_before_verdict
from evalatlas.judge.templates import CHOICE_CUE
from evalatlas.requests import ChatMessage

from .scripted import Scores, scripted_model, shown_answers

CHOICE = JudgeConfig(verdict=VerdictMode.CHOICE)
PREFERRED = {
    "The first answer is right.": "A>B]]",
    "The second answer is right.": "B>A]]",
    "Both are alike.": "A=B]]",
}


def chat_text(messages: Sequence[ChatMessage]) -> str:
    turns = "".join(f"<{m.role}>{m.content}</{m.role}>" for m in messages)
    return turns + "<assistant>"


def reasons(prompt: str) -> str:
    """A judge that reasons about the answer containing "correct" but writes no marker."""
    shown = shown_answers(prompt)
    a, b = "correct" in shown["A"], "correct" in shown["B"]
    if a == b:
        return "Both are alike."
    return "The first answer is right." if a else "The second answer is right."


def follows_reasoning(context: str, continuation: str) -> float:
    """Log-probabilities that favour the marker the reasoning before the cue points to."""
    reasoning = context.rpartition("<assistant>")[2].removesuffix(CHOICE_CUE)
    return -0.5 if PREFERRED.get(reasoning) == continuation else -4.0


def item(pair_id: str, answer_a: str, answer_b: str) -> PairwiseItem:
    return PairwiseItem(pair_id, "alpha", "beta", ("What is 2 + 2?",), (answer_a,), (answer_b,))


ITEMS = [
    item("p1", "4, correct.", "5."),
    item("p2", "5.", "4, correct."),
    item("p3", "4, correct.", "Four, correct."),
]


def test_a_judge_without_markers_gets_a_verdict_from_its_choice() -> None:
    model, _ = scripted_model(reasons, scores=follows_reasoning)
    judged = PairwiseJudge(model, config=CHOICE, chat_text=chat_text).judge(ITEMS)
    assert [p.outcome for p in judged] == [PairOutcome.A, PairOutcome.B, PairOutcome.TIE]
    first = judged[0]
    assert (first.forward.verdict, first.backward.verdict) == (Verdict.A_BETTER, Verdict.B_BETTER)
    assert first.forward.verdict_source is VerdictMode.CHOICE
    assert first.forward.choice_logprobs == (-4.0, -0.5, -4.0, -4.0, -4.0)
    assert first.forward.text == "The first answer is right."  # the reasoning is kept
    # The text-mode judge reads the same outputs and finds no verdict in them.
    text_model, _ = scripted_model(reasons, scores=follows_reasoning)
    unscored = PairwiseJudge(text_model).judge(ITEMS)
    assert {p.outcome for p in unscored} == {PairOutcome.UNSCORED}


def test_all_choices_are_scored_in_one_run_after_the_exact_conversation() -> None:
    model, backend = scripted_model(reasons, scores=follows_reasoning)
    PairwiseJudge(model, config=CHOICE, chat_text=chat_text).judge(ITEMS)
    generated = [request for batch in backend.batches for request in batch]
    (scored,) = backend.scored  # one batch for every choice
    assert model.usage.requests == 3 * 2 + 3 * 2 * 5
    # p1 forward and p2 backward show the same answers in the same places: scored once.
    assert len(scored) == 4 * 5 and model.usage.batches == len(backend.batches) + 1
    by_judgment = {request.sample_id.removesuffix(":choice"): request for request in generated}
    for request in scored:
        asked = by_judgment[request.sample_id.removesuffix(":choice")]
        reasoning = reasons(asked.messages[-1].content)  # type: ignore[index]
        assert asked.messages is not None
        assert request.context == chat_text(asked.messages) + reasoning + CHOICE_CUE
    assert {r.continuation for r in scored} == set(CONTINUATIONS)
    assert CONTINUATIONS == ("A>>B]]", "A>B]]", "A=B]]", "B>A]]", "B>>A]]")


def test_a_marker_the_judge_wrote_is_cut_and_does_not_decide() -> None:
    def scores(context: str, continuation: str) -> float:
        assert context.endswith("<assistant>Leaning to A." + CHOICE_CUE)
        return 0.0 if continuation == "B>>A]]" else -1.0

    model, _ = scripted_model(lambda _: "Leaning to A. [[A>B]] on second thought", scores=scores)
    (judged,) = PairwiseJudge(model, config=CHOICE, chat_text=chat_text).judge(ITEMS[:1])
    assert judged.forward.verdict is Verdict.B_MUCH_BETTER
    assert judged.forward.text == "Leaning to A. [[A>B]] on second thought"
    assert reasoning_before_verdict("Fine so far [[B>") == "Fine so far"
    assert reasoning_before_verdict("no marker\n") == "no marker"


@pytest.mark.parametrize(
    ("scores", "why"),
    [
        (lambda context, continuation: -1.0, "a tie for the top"),
        (lambda context, continuation: math.nan, "no number"),
    ],
)
def test_no_unique_choice_leaves_the_pair_unscored(scores: Scores, why: str) -> None:
    model, _ = scripted_model(reasons, scores=scores)
    (judged,) = PairwiseJudge(model, config=CHOICE, chat_text=chat_text).judge(ITEMS[:1])
    assert judged.outcome is PairOutcome.UNSCORED, why
    assert judged.forward.verdict is None and judged.forward.verdict_source is VerdictMode.CHOICE


def test_choose_verdict_takes_the_single_most_likely_marker() -> None:
    assert choose_verdict([-3.0, -2.0, -1.0, -2.5, -9.0]) is Verdict.TIE
    assert choose_verdict([-3.0, -2.0, -1.0]) is None
    assert choose_verdict([-1.0, -2.0, -1.0, -2.5, -9.0]) is None


def test_the_mode_is_part_of_the_judge_identity() -> None:
    text_model, _ = scripted_model(reasons, scores=follows_reasoning)
    choice_model, _ = scripted_model(reasons, scores=follows_reasoning)
    text_judge = PairwiseJudge(text_model)
    choice_judge = PairwiseJudge(choice_model, config=CHOICE, chat_text=chat_text)
    text_template = text_judge.template_for(ITEMS[0])
    choice_template = choice_judge.template_for(ITEMS[0])
    assert text_template == PAIRWISE_TEMPLATES.plain
    assert choice_template.name == "pairwise-choice"
    assert choice_template.verdict_cue == CHOICE_CUE
    assert choice_template.sha256 != text_template.sha256
    assert text_judge.identity(ITEMS[0]) != choice_judge.identity(ITEMS[0])
    assert choice_judge.identity(ITEMS[0]).endswith(
        f"@pairwise-choice:{choice_template.sha256[:8]}"
    )
    # The prompt itself is the same: the reasoning of either mode is one cached generation.
    assert choice_template.system_prompt == text_template.system_prompt


def test_a_backend_without_log_likelihoods_is_refused_before_any_work() -> None:
    model, backend = scripted_model(reasons)  # generation only
    with pytest.raises(UnsupportedRequestError, match="scored by log-likelihood") as error:
        PairwiseJudge(model, config=CHOICE, chat_text=chat_text)
    assert "\n" not in str(error.value)
    assert backend.batches == []


def test_choice_needs_the_chat_as_text() -> None:
    model, _ = scripted_model(reasons, scores=follows_reasoning)
    with pytest.raises(ConfigError, match="chat_text"):
        PairwiseJudge(model, config=CHOICE)


def test_choice_grading_needs_the_chat_as_text_and_unknown_modes_are_refused() -> None:
    model, _ = scripted_model(reasons, scores=follows_reasoning)
    with pytest.raises(ConfigError, match="chat_text"):
        SingleJudge(model, config=CHOICE)
    with pytest.raises(ConfigError, match="use one of text, choice"):
        JudgeConfig(verdict="vote")  # type: ignore[arg-type]
    assert JudgeConfig(verdict="choice").verdict is VerdictMode.CHOICE  # type: ignore[arg-type]


def test_text_mode_sends_no_scoring_requests() -> None:
    model, backend = scripted_model(lambda _: "Fine. [[A>B]]", scores=follows_reasoning)
    judged = PairwiseJudge(model).judge(ITEMS)
    assert backend.scored == []
    assert all(p.forward.verdict_source is VerdictMode.TEXT for p in judged)
    assert judged[0].forward.choice_logprobs == ()


def test_choice_pairs_round_trip_and_their_verdicts_follow_the_scores() -> None:
    model, _ = scripted_model(reasons, scores=follows_reasoning)
    judged = PairwiseJudge(model, config=CHOICE, chat_text=chat_text).judge(ITEMS)
    rows = [json.loads(json.dumps(judged_pair_to_json(pair))) for pair in judged]
    assert [judged_pair_from_json(row) for row in rows] == judged
    rows[0]["forward"]["verdict"] = "B>>A"  # a verdict edited by hand is not believed
    assert judged_pair_from_json(rows[0]).forward.verdict is Verdict.A_BETTER
    assert rows[0]["template"]["name"] == "pairwise-choice"


def test_an_audit_never_mixes_text_and_choice_verdicts() -> None:
    choice_model, _ = scripted_model(reasons, scores=follows_reasoning)
    chosen = PairwiseJudge(choice_model, config=CHOICE, chat_text=chat_text).judge(ITEMS)
    text_model, _ = scripted_model(lambda _: "Fine. [[A>B]]")
    written = PairwiseJudge(text_model).judge(ITEMS)
    assert audit_judge(chosen).verdict_source == "choice"
    with pytest.raises(ConfigError, match="mix verdicts read as choice and text"):
        audit_judge([*chosen, *written])
