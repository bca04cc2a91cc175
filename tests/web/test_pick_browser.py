"""The pick pages in a real Chromium, served by ``evalatlas serve`` over a workspace with a
real pick report: reached from the navigation, the report's table and recommendation
shown, no horizontal scroll on a phone and no script or console error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .pick_workspace import fill_pick_workspace
from .test_browser import Watched, browser, pytestmark, serving, watched

__all__ = ["browser", "pytestmark", "watched"]  # fixtures and the Chromium skip, shared
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def pick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("pick-browser") / "workspace"
    report_id = fill_pick_workspace(root)
    with serving(root) as base:
        yield base, report_id


def test_a_pick_report_is_reached_from_the_navigation(
    pick_server: tuple[str, str], watched: Watched
) -> None:
    base, report_id = pick_server
    page = watched.page
    page.goto(base + "/")
    page.click("header.site nav a[href='/pick']")
    page.wait_for_url("**/pick")
    page.click(f"#pick-reports a[href='/pick/{report_id}']")
    page.wait_for_url(f"**/pick/{report_id}")
    names = page.locator("#pick-candidates tbody td[data-label='candidate']").all_text_contents()
    assert names[-1] == "bundled:no-such-model" and len(names) == 3
    statuses = page.locator("#pick-candidates tbody td[data-label='status']").all_text_contents()
    assert statuses == ["ran", "ran", "failed"]
    assert "none is shown to do better than chance" in page.locator("#recommendation").inner_text()
    assert watched.errors == [] and watched.dialogs == []


def test_the_report_fits_a_phone(pick_server: tuple[str, str], watched: Watched) -> None:
    base, report_id = pick_server
    page = watched.page
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/pick/{report_id}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert watched.errors == []
