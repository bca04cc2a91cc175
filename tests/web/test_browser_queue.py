"""Submitting a model through the form in a real Chromium, running ``evalatlas worker
--once`` as a user would, and following the submission to the leaderboard; then a flag set
through the admin API, seen (and toggled) on the page, its hostile text inert."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .test_browser import (
    Watched,
    browser,
    pytestmark,
    row_names,
    serving,
    watched,
)
from .workspace import fill_workspace

__all__ = ["browser", "pytestmark", "watched"]  # fixtures and the Chromium skip, shared

TOKEN = "browser-admin-token-0123456789"
OFFLINE = {**os.environ, "HF_HUB_OFFLINE": "1"}
XSS_REASON = '<img src=x onerror="window.__xss = 8"> leaked test set'


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser-queue") / "workspace"
    fill_workspace(root)
    return root


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[str]:
    """``evalatlas serve`` with an admin token, on its own workspace."""
    with serving(workspace, {"EVALATLAS_ADMIN_TOKEN": TOKEN}) as base:
        yield base


def test_a_submitted_model_goes_through_the_queue_onto_the_leaderboard(
    server: str, workspace: Path, watched: Watched
) -> None:
    page = watched.page
    page.goto(server + "/")
    page.click("header.site nav a[href='/submit']")
    page.fill("#model_reference", "hf:acme/tiny@main?trust_remote_code=1")
    page.fill("#tasks", "arithmetic_mc")
    page.click("#submit-form button[type=submit]")
    assert "trust_remote_code is refused" in page.text_content("#error-model_reference")
    assert page.input_value("#tasks") == "arithmetic_mc"  # what was typed is kept
    assert [error for error in watched.errors if "422" not in error] == []
    watched.errors.clear()  # the refusal's status 422 is logged by the browser, as it should
    page.fill("#model_reference", "random?seed=21")
    page.fill("#limit", "12")
    page.fill("#requested_by", "browser")
    page.click("#submit-form button[type=submit]")
    page.wait_for_url("**/queue#submission-*")
    anchor = page.url.rpartition("#")[2]
    assert page.text_content(f"#{anchor} td.status") == "PENDING"

    worker = subprocess.run(
        [sys.executable, "-m", "evalatlas", "worker", "--once", "-w", str(workspace)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert "FINISHED" in worker.stdout

    page.reload()
    assert page.text_content(f"#{anchor} td.status") == "FINISHED"
    page.click(f"#{anchor} td.model a")
    page.wait_for_url("**/models/random-seed-21-*")
    assert "random?seed=21" in page.text_content("section.card")
    # A random model joins the board's random-baseline row rather than the ranked rows.
    board = httpx.get(f"{server}/api/leaderboard?q=seed%3D21").json()["rows"]
    assert [row["model"]["reference"] for row in board] == ["random?seed=21"]
    assert watched.clean(), watched


def test_a_flagged_model_is_hidden_until_shown_and_its_reason_stays_text(
    server: str, watched: Watched
) -> None:
    board = httpx.get(f"{server}/api/leaderboard").json()
    [tiny] = [row["model"] for row in board["rows"] if row["model"]["name"] == "Tiny 135M"]
    response = httpx.post(
        f"{server}/api/admin/models/{tiny['key']}/flags",
        json={
            "kind": "contaminated",
            "evidence_url": "https://example.org/leak",
            "reason": XSS_REASON,
        },
        headers={"Authorization": f"Bearer {TOKEN}", "X-Admin-Name": "ann"},
    )
    assert response.status_code == 201, response.text
    page = watched.page
    page.goto(server + "/")
    assert "Tiny 135M" not in row_names(page)
    assert page.text_content("#hidden-flagged") == "1 flagged model hidden"
    page.check("input[name=show_flagged]")  # the form submits itself on change
    page.wait_for_url("**show_flagged=1**")
    assert "Tiny 135M" in row_names(page)
    badge = page.locator("tr.model-row .flags a.flag")
    assert badge.text_content() == "⚑ contaminated"
    assert badge.get_attribute("href") == "https://example.org/leak"
    assert badge.get_attribute("title") == f"flagged contaminated: {XSS_REASON}"
    page.click("text=Tiny 135M")
    assert XSS_REASON in page.text_content("#flags .reason")
    page.wait_for_timeout(300)  # time for an injected onerror handler to have fired
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img[src=x]").count() == 0
    assert watched.clean(), watched


LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LONG_HUB = (
    "hf:an-organisation-with-a-rather-long-name/an-extremely-long-model-name-for-layout-"
    "checks-v1.5-instruct@0123456789abcdef0123456789abcdef01234567"
)


def overflow(page: Any) -> int:
    """How far the page is wider than the window (0 or less: no sideways scrolling)."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return width


def test_the_queue_fits_a_laptop_and_a_phone(
    server: str, workspace: Path, watched: Watched
) -> None:
    for body in (
        {"model_reference": LONG_HUB, "tasks": "arithmetic_mc,arithmetic_gen", "limit": 3},
        {"model_reference": "random", "tasks": "arithmetic_gen", "requested_by": "x" * 120},
    ):
        assert httpx.post(f"{server}/api/submissions", json=body).status_code == 201
    failing = [sys.executable, "-m", "evalatlas", "worker", "--once", "-w", str(workspace)]
    # The oldest pending is the hub model (it fails offline), then the random one (it fails).
    for _ in range(2):
        subprocess.run(failing, capture_output=True, timeout=300, check=False, env=OFFLINE)
    page = watched.page
    page.set_viewport_size(LAPTOP)
    page.goto(server + "/queue")
    assert page.locator("#queue tr.status-failed").count() >= 2
    assert overflow(page) <= 0
    model_cell = page.locator("#queue tr.submission td.model", has_text="an-organisation").first
    assert model_cell.bounding_box()["x"] + model_cell.bounding_box()["width"] <= 1366
    page.set_viewport_size(PHONE)
    page.goto(server + "/queue")
    assert overflow(page) <= 0
    failed = page.locator("#queue tr.submission.status-failed").first
    for cell in ("td.status", "td.model", "td.tasks", "td.created"):
        box = failed.locator(cell).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, cell
    assert failed.locator("td.status").text_content() == "FAILED"
    label = failed.locator("td.status").evaluate(
        "(cell) => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Status: "'  # each line of the card says what it is
    error_line = page.locator("#queue tr.submission-detail p.error-line").first
    box = error_line.bounding_box()
    assert box is not None and box["width"] > 300  # the line uses the card's width
    detail = page.locator("#queue tr.submission-detail details.log").first
    assert detail.locator("pre.log").is_visible()  # a failure's log is open
    box = detail.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert watched.clean(), watched
