"""The judges page in a real Chromium, served by uvicorn over a workspace with people's
and a judge's votes: reached from the navigation, its audit and side-by-side ratings
readable, with no script or console error under the page's Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .judge_workspace import JUDGE_NAME, STRENGTHS, fill_judged_workspace
from .test_browser import Watched, browser, pytestmark, serving, watched

__all__ = ["browser", "pytestmark", "watched"]  # fixtures and the Chromium skip, shared


@pytest.fixture(scope="module")
def judges_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("judges-browser") / "workspace"
    fill_judged_workspace(root, n_battles=120)
    with serving(root) as base:
        yield base


def test_the_judges_page_shows_the_audit_and_both_ratings(
    judges_server: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(judges_server + "/")
    page.click("header.site nav a[href='/judges']")
    page.wait_for_url("**/judges")
    assert page.locator("section.judge h2").all_text_contents() == [f"{JUDGE_NAME} (text)"]
    statistics = page.locator("section.judge table.audit td.name").all_text_contents()
    assert statistics[:2] == ["position consistency", "first-position win rate"]
    assert "accuracy against people" in statistics
    first_row = page.locator("section.judge table.audit tbody tr").nth(1)
    value, interval, n = first_row.locator("td").all_text_contents()[1:4]
    assert float(value) > 0.5 and interval.startswith("[") and n == "240"
    models = page.locator("#ratings-by-source tbody td.name").all_text_contents()
    assert sorted(models) == sorted(STRENGTHS)
    headers = page.locator("#ratings-by-source thead th").all_text_contents()
    assert headers == ["Model", "people", f"{JUDGE_NAME} (text)"]
    assert (
        page.locator("#ratings-by-source tfoot td.agreement").nth(1).inner_text().startswith("ρ = ")
    )
    assert watched.errors == [] and watched.dialogs == []


def test_a_judge_pair_by_pair_and_its_inconsistent_pairs(
    judges_server: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(judges_server + "/judges")
    page.click("section.judge a.pairs-link")
    page.wait_for_url("**/judges/pairs?*")
    assert page.locator("#judge-pairs tbody tr.pair").count() == 50
    page.check("input[name='inconsistent_only']")
    page.click("form.filters button[type='submit']")
    page.wait_for_url("**inconsistent_only=1*")
    outcomes = set(page.locator("#judge-pairs td.outcome").all_text_contents())
    assert outcomes == {"inconsistent"}
    assert "whose orders disagree" in page.locator("#pairs-summary").inner_text()
    assert watched.errors == [] and watched.dialogs == []
