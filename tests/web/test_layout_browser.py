"""Layout and wording in a real headless Chromium, served by ``evalatlas serve``: the
leaderboard fits a 1366 px screen and keeps its score column on a 390 px phone, the compare
verdict needs no horizontal scrolling, discovery keeps a bad value in its form, the arena
win matrix's labels lie inside the chart and the score plot names its points."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .arena_workspace import fill_battle_log
from .test_browser import Watched, browser, pytestmark, serving, watched
from .workspace import XSS_NAME

__all__ = ["browser", "pytestmark", "watched"]  # fixtures and the Chromium skip, shared

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
NOT_DISTINGUISHABLE = "not distinguishable from random guessing"
# Long contestant names, as imported arena logs have them: 32 characters and more.
LONG_NAMES = {
    "organisation-with-a-long-name/model-alpha-instruct-v2": 1.0,
    "another-organisation/model-beta-chat-128k-context": 0.3,
    "third-lab/gamma-base-with-a-long-tail-of-words": -0.4,
}


@pytest.fixture(scope="module")
def server(filled_workspace: Path) -> Iterator[str]:
    with serving(filled_workspace) as base:
        yield base


@pytest.fixture(scope="module")
def skilled_server(skilled_workspace: Path) -> Iterator[str]:
    with serving(skilled_workspace) as base:
        yield base


@pytest.fixture(scope="module")
def arena_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("long-names") / "workspace"
    fill_battle_log(root, LONG_NAMES, n_battles=120)
    with serving(root) as base:
        yield base


def horizontal_overflow(page: Any) -> int:
    """How many pixels the document is wider than the window (0: no horizontal scroll)."""
    overflow: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return overflow


def right_edge(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return float(box["x"] + box["width"])


def test_the_leaderboard_fits_a_1366px_screen(server: str, watched: Watched) -> None:
    page = watched.page
    page.set_viewport_size(LAPTOP)
    page.goto(server + "/")
    assert horizontal_overflow(page) <= 0
    assert right_edge(page, "#leaderboard") <= LAPTOP["width"]
    assert watched.clean(), watched


def test_a_board_of_five_task_columns_fits_a_1366px_screen(
    skilled_server: str, watched: Watched
) -> None:
    page = watched.page
    page.set_viewport_size(LAPTOP)
    page.goto(skilled_server + "/")
    assert page.locator("#leaderboard thead th").count() == 6 + 5
    assert horizontal_overflow(page) <= 0
    assert right_edge(page, "#leaderboard") <= LAPTOP["width"]
    scrolls = page.eval_on_selector(
        "#leaderboard",
        "(table) => table.parentElement.scrollWidth > table.parentElement.clientWidth",
    )
    assert not scrolls
    # The average keeps its whisker; the interval of every cell stays in its tooltip.
    assert page.locator("#leaderboard td.score.average svg.whisker").first.is_visible()
    assert "95% CI" in (page.get_attribute("#leaderboard tr.model-row td.score", "title") or "")
    assert watched.clean(), watched


def test_the_leaderboard_shows_its_score_column_on_a_390px_phone(
    server: str, watched: Watched
) -> None:
    page = watched.page
    page.set_viewport_size(PHONE)
    page.goto(server + "/")
    assert horizontal_overflow(page) <= 0
    header = page.locator("#leaderboard th.col-average")
    assert header.is_visible() and right_edge(page, "#leaderboard th.col-average") <= 390
    scores = page.locator("#leaderboard tr.model-row td.score.average .value")
    assert scores.count() == 5
    for index in range(scores.count()):
        box = scores.nth(index).bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    # The model names stay readable beside it.
    assert page.locator("#leaderboard tr.model-row td.name a").first.is_visible()
    assert watched.clean(), watched


def test_the_board_says_in_words_which_models_guessing_could_match(
    server: str, watched: Watched
) -> None:
    page = watched.page
    page.set_viewport_size(LAPTOP)
    page.goto(server + "/")
    note = page.text_content("#near-random") or ""
    assert XSS_NAME in note and f"{NOT_DISTINGUISHABLE} on these tasks" in note
    marks = page.locator("#leaderboard tr.model-row .random-mark")
    assert marks.count() >= 1 and marks.first.is_visible()
    assert NOT_DISTINGUISHABLE in (marks.first.get_attribute("title") or "")
    # One random-baseline row, first, with its measured numbers and what it is.
    baseline = page.locator("#leaderboard tbody tr").first
    assert baseline.get_attribute("id") == "baseline-row"
    assert "random guessing, measured" in (baseline.text_content() or "")
    assert page.locator("#leaderboard tbody tr#baseline-row").count() == 1
    assert "Random baseline, measured" in (page.text_content("#baseline-note") or "")
    assert watched.clean(), watched


def test_the_compare_verdict_needs_no_horizontal_scrolling(server: str, watched: Watched) -> None:
    page = watched.page
    page.set_viewport_size(LAPTOP)
    page.goto(server + "/compare")
    options = page.locator("#pick-a option").evaluate_all(
        "(options) => Object.fromEntries(options.map((o) => [o.textContent, o.value]))"
    )
    key = {label.split(" (", 1)[0]: value for label, value in options.items() if value}
    page.goto(f"{server}/compare?a={key['Tiny 135M']}&b={key[XSS_NAME]}")
    assert horizontal_overflow(page) <= 0
    verdicts = page.locator("#comparison td.verdict")
    assert verdicts.count() == 2
    for index in range(verdicts.count()):
        box = verdicts.nth(index).bounding_box()
        assert box is not None and box["x"] + box["width"] <= LAPTOP["width"]
    scrolls = page.eval_on_selector(
        "#comparison",
        "(table) => table.parentElement.scrollWidth > table.parentElement.clientWidth",
    )
    assert not scrolls
    summary = page.text_content("#compare-summary") or ""
    assert summary.startswith("Over 2 compared tasks")
    assert f"B is {NOT_DISTINGUISHABLE} on this task" in (page.text_content("#comparison") or "")
    assert watched.clean(), watched


def test_a_bad_discovery_value_keeps_the_form_and_says_why_in_place(
    server: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(server + "/discover?category=math")
    page.check("input[name=type][value=pretrained]")
    page.wait_for_url("**type=pretrained**")
    page.fill("input[name=params_max]", "8 gazillion")
    with page.expect_navigation() as navigation:
        page.press("input[name=params_max]", "Enter")
    assert navigation.value.status == 422
    # The form as the user left it, the message beside it, no bare error page.
    assert page.input_value("input[name=params_max]") == "8 gazillion"
    assert page.get_attribute("input[name=params_max]", "aria-invalid") == "true"
    assert page.is_checked("input[name=type][value=pretrained]")
    assert page.input_value("select[name=category]") == "math"
    error = page.locator("#form-error")
    assert error.is_visible() and "params_max" in (error.text_content() or "")
    assert page.locator("#discovery").count() == 0  # nothing ranked under a bad filter
    # Correcting the value searches again.
    page.fill("input[name=params_max]", "8B")
    with page.expect_navigation() as corrected:
        page.press("input[name=params_max]", "Enter")
    assert corrected.value.status == 200 and page.locator("#form-error").count() == 0
    assert page.locator("#discovery tr.model-row").count() >= 1


def test_the_win_matrix_labels_lie_inside_the_chart(arena_server: str, watched: Watched) -> None:
    page = watched.page
    page.set_viewport_size(LAPTOP)
    page.goto(arena_server + "/arena/ratings")
    chart = page.locator("svg.win-matrix")
    assert chart.count() == 1
    outside = chart.evaluate(
        """(svg) => {
            const frame = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text.name')].filter((label) => {
                const box = label.getBoundingClientRect();
                return box.left < frame.left - 0.5 || box.top < frame.top - 0.5
                    || box.right > frame.right + 0.5 || box.bottom > frame.bottom + 0.5;
            }).map((label) => label.textContent);
        }"""
    )
    labels = chart.locator("text.name").count()
    assert labels == 2 * len(LONG_NAMES)
    assert outside == []
    assert watched.clean(), watched


def test_the_score_plot_names_its_points_and_ticks_its_axes(
    skilled_server: str, watched: Watched
) -> None:
    page = watched.page
    page.set_viewport_size(LAPTOP)
    page.goto(skilled_server + "/plots")
    scatter = page.locator("#score-vs-params")
    points = scatter.locator("a.point").count()
    labels = scatter.locator("a.point text.label").all_text_contents()
    outliers = scatter.locator("a.point.outlier text.label").count()
    assert outliers >= 1 and len(labels) > outliers  # the best models are named too
    assert all(label.strip() for label in labels)
    # Every point has an accessible title naming its model.
    titles = scatter.locator("a.point > title").all_text_contents()
    assert len(titles) == points and all(title.split(";", 1)[0] for title in titles)
    # Labels do not cover one another.
    overlapping = scatter.evaluate(
        """(svg) => {
            const labels = [...svg.querySelectorAll('text.label')];
            const boxes = labels.map((t) => t.getBoundingClientRect());
            let found = 0;
            boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
                const apart = a.right <= b.left || b.right <= a.left
                    || a.bottom <= b.top || b.bottom <= a.top;
                if (!apart) found++;
            }));
            return found;
        }"""
    )
    assert overlapping == 0
    x_ticks = scatter.locator("g.axis > text[text-anchor=middle]:not(.axis-title)").count()
    y_ticks = scatter.locator("g.axis > text[text-anchor=end]").count()
    assert x_ticks >= 4 and y_ticks >= 6
    assert watched.clean(), watched
