"""The ranks page in a real Chromium, served by uvicorn over a workspace with people's
and a judge's votes and a published table: reached from the navigation, every source a
column, the correlations readable, no horizontal scroll on a phone and no script or
console error under the page's Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evalatlas.store import PublishedScore, Store

from .judge_workspace import JUDGE_NAME, STRENGTHS, fill_judged_workspace
from .test_browser import Watched, browser, pytestmark, serving, watched

__all__ = ["browser", "pytestmark", "watched"]  # fixtures and the Chromium skip, shared
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def ranks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("ranks-browser") / "workspace"
    fill_judged_workspace(root, n_battles=120)
    scores = [
        PublishedScore(model, model, 1000.0 + 100.0 * strength, None, None, None)
        for model, strength in STRENGTHS.items()
    ]
    with Store.open(root) as store:
        store.published_rankings().save("public board", "board.csv", scores)
    with serving(root) as base:
        yield base


def test_the_ranks_page_shows_every_source_and_their_correlations(
    ranks_server: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(ranks_server + "/")
    page.click("header.site nav a[href='/ranks']")
    page.wait_for_url("**/ranks")
    headers = page.locator("#ranks-by-source thead th").all_text_contents()
    assert headers == [
        "Model",
        "arena (people)",
        f"{JUDGE_NAME} (text)",
        "public board (published)",
    ]
    models = page.locator("#ranks-by-source tbody td.name").all_text_contents()
    assert sorted(models) == sorted(STRENGTHS)
    rows = page.locator("#rank-correlations tbody tr")
    assert rows.count() == 3
    cells = rows.first.locator("td").all_text_contents()
    assert cells[2] == "4" and cells[3].startswith("τ = ") and cells[4].startswith("ρ = ")
    assert "only 4 models" in cells[5]
    assert (
        page.locator("#published-list li").first.inner_text().startswith("public board: 4 models")
    )
    assert watched.errors == [] and watched.dialogs == []


def test_the_ranks_page_fits_a_phone(ranks_server: str, watched: Watched) -> None:
    page = watched.page
    page.set_viewport_size(PHONE)
    page.goto(ranks_server + "/ranks")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert watched.errors == [] and watched.dialogs == []
