"""Choice ratings: a grading judge's most likely rating 1-10 after its reasoning, with a
scripted backend whose scores are a function of the scored text (so what was scored is
checked)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import pytest

from evalatlas.errors import ConfigError, UnsupportedRequestError
from evalatlas.judge import SINGLE_TEMPLATES, SingleItem, VerdictMode
from evalatlas.judge.run import JudgeConfig, SingleJudge, grade_summary
from evalatlas.judge.run.choice import RATING_CONTINUATIONS, choose_rating, most_likely
from evalatlas.judge.run.single import graded_answer_json, rating_reasoning
from evalatlas.judge.templates import RATING_CUE
from evalatlas.requests import ChatMessage

from .scripted import Scores, scripted_model

CHOICE = JudgeConfig(verdict=VerdictMode.CHOICE)
# The reasoning a judge writes about an answer -> the rating its scores favour.
FAVOURED = {"The answer is right.": "8]]", "The answer is wrong.": "2]]"}


def chat_text(messages: Sequence[ChatMessage]) -> str:
    turns = "".join(f"<{m.role}>{m.content}</{m.role}>" for m in messages)
    return turns + "<assistant>"


def reasons(prompt: str) -> str:
    """A judge that reasons about the answer, ends with the label, but writes no marker."""
    answer = prompt.rpartition("<|The Start of Assistant's Answer|>")[2]
    verdict = "right" if "correct" in answer else "wrong"
    return f"The answer is {verdict}.\nRating:"


def follows_reasoning(context: str, continuation: str) -> float:
    """Log-probabilities that favour the rating the reasoning before the cue points to."""
    reasoning = context.rpartition("<assistant>")[2].removesuffix(RATING_CUE)
    return -0.25 if FAVOURED.get(reasoning) == continuation else -3.0


def item(item_id: str, answer: str) -> SingleItem:
    return SingleItem(item_id, "alpha", ("What is 2 + 2?",), (answer,))


ITEMS = [item("i1", "4, correct."), item("i2", "5."), item("i3", "Four, correct.")]


def test_a_judge_without_markers_gets_a_rating_from_its_choice() -> None:
    model, _ = scripted_model(reasons, scores=follows_reasoning)
    grades = SingleJudge(model, config=CHOICE, chat_text=chat_text).grade(ITEMS)
    assert [g.rating for g in grades] == [8.0, 2.0, 8.0]
    first = grades[0]
    assert first.verdict_source is VerdictMode.CHOICE
    assert first.choice_logprobs == (-3.0,) * 7 + (-0.25,) + (-3.0,) * 2
    assert first.text == "The answer is right.\nRating:"  # the reasoning is kept as written
    # The text-mode judge reads the same outputs and finds no rating in them.
    text_model, _ = scripted_model(reasons, scores=follows_reasoning)
    written = SingleJudge(text_model).grade(ITEMS)
    assert [g.rating for g in written] == [None] * 3
    assert {g.verdict_source for g in written} == {VerdictMode.TEXT}
    assert written[0].choice_logprobs == ()
    assert [g.text for g in written] == [g.text for g in grades]


def test_all_ratings_are_scored_in_one_run_after_the_exact_conversation() -> None:
    model, backend = scripted_model(reasons, scores=follows_reasoning)
    judge = SingleJudge(model, config=CHOICE, chat_text=chat_text)
    judge.grade(ITEMS)
    (generated,) = backend.batches
    (scored,) = backend.scored  # one batch for every rating of every answer
    assert model.usage.requests == judge.planned_requests(ITEMS) == 3 + 3 * 10
    assert len(scored) == 3 * 10 and model.usage.batches == 2
    by_item = {request.sample_id: request for request in generated}
    for request in scored:
        asked = by_item[request.sample_id.removesuffix(":choice")]
        assert asked.messages is not None
        reasoning = reasons(asked.messages[-1].content).removesuffix("\nRating:")
        assert request.context == chat_text(asked.messages) + reasoning + RATING_CUE
    assert tuple(f"{n}]]" for n in range(1, 11)) == RATING_CONTINUATIONS
    assert sorted({r.continuation for r in scored}) == sorted(RATING_CONTINUATIONS)


def test_a_rating_the_judge_wrote_is_cut_and_does_not_decide() -> None:
    def scores(context: str, continuation: str) -> float:
        assert context.endswith("<assistant>Solid work." + RATING_CUE)
        return 0.0 if continuation == "10]]" else -1.0

    written = "Solid work. **Rating:** [[3]] on second thought [[4]]"
    model, _ = scripted_model(lambda _: written, scores=scores)
    (grade,) = SingleJudge(model, config=CHOICE, chat_text=chat_text).grade(ITEMS[:1])
    assert grade.rating == 10.0 and grade.text == written
    assert rating_reasoning("Fine.\n\nRating: [[") == "Fine."
    assert rating_reasoning("No label, no marker.\n") == "No label, no marker."


@pytest.mark.parametrize(
    ("scores", "why"),
    [
        (lambda context, continuation: -1.0, "a tie for the top"),
        (lambda context, continuation: math.nan, "no number"),
        (lambda context, continuation: 0.0 if continuation in ("3]]", "7]]") else -2.0, "two"),
    ],
)
def test_no_single_choice_leaves_the_answer_unscored(scores: Scores, why: str) -> None:
    model, _ = scripted_model(reasons, scores=scores)
    grades = SingleJudge(model, config=CHOICE, chat_text=chat_text).grade(ITEMS[:2])
    assert [g.rating for g in grades] == [None, None], why
    assert {g.verdict_source for g in grades} == {VerdictMode.CHOICE}
    (summary, *_) = grade_summary(grades)
    assert (summary.score.n, summary.score.n_unscored) == (0, 2)


def test_choose_rating_takes_the_single_most_likely_rating() -> None:
    logprobs = [-5.0] * 10
    logprobs[9] = -0.1  # "10]]"
    assert choose_rating(logprobs) == 10.0
    logprobs[0] = -0.05  # "1]]"
    assert choose_rating(logprobs) == 1.0
    assert choose_rating(logprobs[:5]) is None  # not one per rating
    assert choose_rating([-1.0] * 10) is None
    assert choose_rating([-1.0] * 9 + [math.inf]) is None
    assert most_likely([-3.0, -2.0, -1.0, -2.5, -9.0], 5) == 2


def test_the_mode_is_part_of_the_judge_identity() -> None:
    text_model, _ = scripted_model(reasons, scores=follows_reasoning)
    choice_model, _ = scripted_model(reasons, scores=follows_reasoning)
    text_judge = SingleJudge(text_model)
    choice_judge = SingleJudge(choice_model, config=CHOICE, chat_text=chat_text)
    text_template = text_judge.template_for(ITEMS[0])
    choice_template = choice_judge.template_for(ITEMS[0])
    assert text_template == SINGLE_TEMPLATES.plain
    assert (choice_template.name, choice_template.verdict_cue) == ("single-choice", RATING_CUE)
    assert choice_template.system_prompt == text_template.system_prompt
    assert choice_template.user_template == text_template.user_template
    assert text_judge.identity(ITEMS[0]) != choice_judge.identity(ITEMS[0])
    assert choice_judge.identity(ITEMS[0]).endswith(f"@single-choice:{choice_template.sha256[:8]}")
    (grade,) = choice_judge.grade(ITEMS[:1])
    assert grade.judge == choice_judge.identity(ITEMS[0])
    # Reference-guided and multi-turn items get the choice form of their own template.
    graded = SingleItem(
        "m1", "alpha", ("Q1?", "Q2?"), ("A1.", "A2, correct."), references=("R1.", "R2.")
    )
    assert choice_judge.template_for(graded).name == "single-reference-multi-turn-choice"


def test_a_backend_without_log_likelihoods_is_refused_before_any_work() -> None:
    model, backend = scripted_model(reasons)  # generation only
    with pytest.raises(UnsupportedRequestError, match="scored by log-likelihood") as error:
        SingleJudge(model, config=CHOICE, chat_text=chat_text)
    assert "\n" not in str(error.value)
    assert backend.batches == []


def test_text_mode_sends_no_scoring_requests() -> None:
    model, backend = scripted_model(lambda _: "Fine. Rating: [[7]]", scores=follows_reasoning)
    judge = SingleJudge(model)
    grades = judge.grade(ITEMS)
    assert backend.scored == [] and judge.planned_requests(ITEMS) == 3
    assert [g.rating for g in grades] == [7.0] * 3


def test_the_json_of_a_grade_keeps_how_its_rating_was_read() -> None:
    model, _ = scripted_model(reasons, scores=follows_reasoning)
    (chosen,) = SingleJudge(model, config=CHOICE, chat_text=chat_text).grade(ITEMS[:1])
    row = json.loads(json.dumps(graded_answer_json(chosen)))
    assert (row["rating"], row["verdict_source"], row["turn"]) == (8.0, "choice", 1)
    assert list(row["choice_logprobs"]) == [str(n) for n in range(1, 11)]
    assert row["choice_logprobs"]["8"] == -0.25 and row["choice_logprobs"]["1"] == -3.0
    text_model, _ = scripted_model(lambda _: "Rating: [[6]]")
    (written,) = SingleJudge(text_model).grade(ITEMS[:1])
    row = graded_answer_json(written)
    assert (row["rating"], row["verdict_source"]) == (6.0, "text")
    assert "choice_logprobs" not in row


def test_choice_grading_needs_the_chat_as_text() -> None:
    model, _ = scripted_model(reasons, scores=follows_reasoning)
    with pytest.raises(ConfigError, match="chat_text"):
        SingleJudge(model, config=CHOICE)
