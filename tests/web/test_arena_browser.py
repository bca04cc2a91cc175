"""The arena in a real Chromium: type a prompt, read two anonymous answers, vote, see who
wrote which; then the ratings page with its table and charts.

The server is the real app under uvicorn in its own process; its two contestants answer
through a deterministic answerer (the model side is tested with real models in
tests/arena), one of them with markup that must stay text."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from .arena_workspace import fill_battle_log
from .test_browser import Watched, browser, launched, pytestmark, watched

__all__ = ["browser", "pytestmark", "watched"]  # fixtures and the Chromium skip, shared

CONTESTANTS = ("north/model-one", "south/model-two")
HOSTILE = '<img src=x onerror="window.__xss = 9"> and <script>window.__xss = 10</script>'
LAUNCHER = """
import sys
from pathlib import Path

import uvicorn

from evalatlas.arena import ArenaConfig
from evalatlas.store import VoteLimits
from evalatlas.web import create_app

CONTESTANTS = {contestants!r}
HOSTILE = {hostile!r}


def answer(model: str, prompt: str) -> str:
    if model == CONTESTANTS[0]:
        return "First answer to " + prompt + "\\n    keeps its indentation"
    return "Second answer: " + HOSTILE


config = ArenaConfig(contestants=CONTESTANTS, seed=0, limits={limits})
app = create_app(Path(sys.argv[1]), arena_config=config, answerer=answer)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@pytest.fixture(scope="module")
def arena_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("arena-browser") / "workspace"
    fill_battle_log(root, {CONTESTANTS[0]: 1.0, CONTESTANTS[1]: -0.5}, n_battles=80)
    code = LAUNCHER.format(contestants=CONTESTANTS, hostile=HOSTILE, limits="VoteLimits()")
    with launched(lambda port: [sys.executable, "-c", code, str(root), str(port)]) as base:
        yield base


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The arena with a limit of one vote a minute per voter."""
    root = tmp_path_factory.mktemp("arena-limited") / "workspace"
    limits = "VoteLimits(per_minute=1, per_day=None)"
    code = LAUNCHER.format(contestants=CONTESTANTS, hostile=HOSTILE, limits=limits)
    with launched(lambda port: [sys.executable, "-c", code, str(root), str(port)]) as base:
        yield base


def test_a_prompt_gets_two_blind_answers_and_a_vote_reveals_the_models(
    arena_server: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(arena_server + "/")
    page.click("header.site nav a[href='/arena']")
    page.fill("#prompt", "Why is the sea salty?")
    page.click("#start-battle")
    page.wait_for_url("**/arena/battles/*")
    answers = page.locator("#answers pre.answer").all_text_contents()
    assert sorted(answers) == sorted(
        [
            "First answer to Why is the sea salty?\n    keeps its indentation",
            "Second answer: " + HOSTILE,
        ]
    )
    assert page.locator("#answers .model").count() == 0
    assert not any(name in page.content() for name in CONTESTANTS)
    assert page.locator(".vote-buttons button").count() == 4

    page.click("#vote-a")
    page.wait_for_selector("#reveal")
    model_a = page.text_content("#model-a")
    model_b = page.text_content("#model-b")
    assert {model_a, model_b} == set(CONTESTANTS)
    expected_a = CONTESTANTS[0] if answers[0].startswith("First") else CONTESTANTS[1]
    assert model_a == expected_a
    assert "A is better" in (page.text_content("#outcome") or "")
    assert page.locator(".vote-buttons").count() == 0
    assert page.evaluate("window.__xss") is None
    assert watched.clean(), (watched.dialogs, watched.errors)


def test_the_ratings_page_draws_its_table_and_charts(arena_server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(arena_server + "/")
    page.click("header.site nav a[href='/arena/ratings']")
    page.wait_for_selector("#arena-ratings")
    models = page.locator("#arena-ratings tr.rating-row td.name").all_text_contents()
    assert models == list(CONTESTANTS)  # the stronger first
    assert page.locator("#rating-whiskers .rating-row").count() == 2
    squares = page.locator("#win-matrix .square title").all_text_contents()
    assert any(f"{CONTESTANTS[0]} beat {CONTESTANTS[1]}" in text for text in squares)
    box = page.locator("#win-matrix").bounding_box()
    # Two 38 px rows and columns, with margins sized to these short labels.
    assert box is not None and box["width"] > 150 and box["height"] > 150
    page.check("input[name=style_control]")  # submits the form by itself (atlas.js)
    page.wait_for_url("**style_control=1**")
    page.wait_for_selector("#style-coefficients")
    assert page.locator("#style-coefficients tr.coefficient").count() == 4
    assert watched.clean(), (watched.dialogs, watched.errors)


def test_a_vote_over_the_limit_keeps_the_blind_battle_and_says_when_to_vote(
    limited_server: str, watched: Watched
) -> None:
    page = watched.page
    for prompt in ("First question?", "Second question?"):
        page.goto(limited_server + "/arena")
        page.fill("#prompt", prompt)
        page.click("#start-battle")
        page.wait_for_url("**/arena/battles/*")
        page.click("#vote-a")
        page.wait_for_selector("#reveal, #vote-retry")
    message = page.text_content("#vote-retry") or ""
    assert "voter limit of 1 votes a minute reached; you may vote again in" in message
    answers = page.locator("#answers pre.answer").all_text_contents()
    assert any(text.startswith("First answer to Second question?") for text in answers)
    assert page.locator("#reveal").count() == 0 and page.locator("#answers .model").count() == 0
    assert not any(name in page.content() for name in CONTESTANTS)
    assert page.locator(".vote-buttons button:enabled").count() == 4  # may vote again later
    # Chromium logs the refused request's status; nothing else went wrong on the page.
    assert watched.dialogs == []
    assert [e for e in watched.errors if "status of 429 (Too Many Requests)" not in e] == []
