"""The pages in a real headless Chromium, served by ``evalatlas serve`` as a user starts it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from .workspace import XSS_ANSWER, XSS_NAME

CHROMIUM = Path(os.environ.get("EVALATLAS_CHROMIUM", "/usr/bin/chromium"))
# The closed network refuses Chromium's background connections; these keep it from trying.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_S = 60.0

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs playwright: pip install 'evalatlas[dev]'"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set "
    "EVALATLAS_CHROMIUM",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(filled_workspace: Path) -> Iterator[str]:
    with serving(filled_workspace) as base:
        yield base


@contextlib.contextmanager
def serving(workspace: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """``evalatlas serve`` on a free port, as a separate process; its base URL."""

    def command(port: int) -> list[str]:
        serve = [sys.executable, "-m", "evalatlas", "serve", "--port", str(port)]
        return [*serve, "--workspace", str(workspace)]

    with launched(command, env) as base:
        yield base


@contextlib.contextmanager
def launched(
    command: Callable[[int], list[str]], env: dict[str, str] | None = None
) -> Iterator[str]:
    """A web server started by ``command(port)`` on a free port; its base URL once it
    answers. It is stopped on leaving."""
    port = free_port()
    process = subprocess.Popen(
        command(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=None if env is None else os.environ | env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"evalatlas serve exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{base}/api/leaderboard", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"evalatlas serve did not answer at {base} within {SERVER_START_S}s")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page, and what it did that it should not: dialogs, errors, console errors."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not self.dialogs and not self.errors


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context()
    page = context.new_page()
    watched = Watched(page)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on(
        "console",
        lambda message: watched.errors.append(message.text) if message.type == "error" else None,
    )
    page.set_default_timeout(15_000)
    yield watched
    context.close()


def row_names(page: Any) -> list[str]:
    names: list[str] = page.locator("#leaderboard tr.model-row td.name > a").all_text_contents()
    return names


def column_values(page: Any, column: str) -> list[str]:
    index = page.locator("#leaderboard thead th").evaluate_all(
        f"(heads) => heads.findIndex((h) => h.classList.contains('col-{column}'))"
    )
    cells = page.locator(f"#leaderboard tr.model-row td:nth-child({index + 1}) .value")
    values: list[str] = cells.all_text_contents()
    return values


def numbers(values: list[str]) -> list[float]:
    return [float(value) for value in values if value != "—"]


def test_sorting_by_a_column_header(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(server + "/")
    assert len(row_names(page)) == 5  # the measured random baseline is pinned apart
    page.click("a[data-sort='arithmetic_mc']")
    page.wait_for_url("**sort=arithmetic_mc**")
    descending = numbers(column_values(page, "arithmetic_mc"))
    assert descending == sorted(descending, reverse=True) and len(descending) == 5
    assert page.get_attribute("th.col-arithmetic_mc", "aria-sort") == "descending"
    page.click("a[data-sort='arithmetic_mc']")  # a second click reverses the order
    page.wait_for_url("**order=asc**")
    ascending = numbers(column_values(page, "arithmetic_mc"))
    assert ascending == sorted(descending)
    page.click("a[data-sort='name']")
    page.wait_for_url("**sort=name**")
    assert row_names(page) == sorted(row_names(page), key=str.casefold)
    assert watched.clean(), watched


def test_filtering_by_type_and_size_preset_through_the_form(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(server + "/")
    # Quantisation is a property, not a type: there is no "quantised" type to tick.
    assert page.locator("input[name=type][value=quantised]").count() == 0
    page.check("input[name=type][value=instruction-tuned]")  # the form submits on change
    page.wait_for_url("**type=instruction-tuned**")
    assert row_names(page) == ["Chat 1.7B"]
    page.goto(server + "/")
    page.select_option("select[name=params]", "consumer")
    page.wait_for_url("**params=consumer**")
    assert sorted(row_names(page)) == sorted(["Chat 1.7B", XSS_NAME])
    assert page.text_content("#match-count") == "2"
    # Untouched fields stay out of the URL.
    assert "q=" not in page.url and "params_min" not in page.url
    assert watched.clean(), watched


def test_text_search(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(server + "/")
    page.fill("input[name=q]", "13b")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=13b**")
    assert row_names(page) == ["Base 13B"]
    page.fill("input[name=q]", "no such model")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=no+such+model**")
    assert row_names(page) == []
    assert "No model matches" in page.text_content("#leaderboard tbody")
    assert watched.clean(), watched


def test_opening_a_model_page_and_paging_its_samples(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(server + "/")
    page.click("text=Base 13B")
    page.wait_for_url("**/models/acme-base-13b-*")
    assert page.text_content("#model-name") == "Base 13B"
    assert page.locator("#scores tr[data-task]").count() == 2
    assert "spec_hash" in page.text_content("details.run[open]")
    page.click("#scores tr[data-task='arithmetic_mc'] a.samples-link")
    page.wait_for_url("**/samples")
    first_page = page.locator("article.sample").evaluate_all(
        "(items) => items.map((item) => item.dataset.sampleId)"
    )
    assert len(first_page) == 20 and "page 1 of 2" in page.text_content(".pager")
    page.locator("a[rel=next]").first.click()
    page.wait_for_url("**page=2**")
    second_page = page.locator("article.sample").evaluate_all(
        "(items) => items.map((item) => item.dataset.sampleId)"
    )
    assert len(second_page) == 20 and not set(first_page) & set(second_page)
    assert page.locator("a[rel=next]").count() == 0
    assert watched.clean(), watched


def test_wrong_only_filter(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(server + "/?q=chat")
    page.click("text=Chat 1.7B")
    page.click("#scores tr[data-task='arithmetic_gen'] a.samples-link")
    page.wait_for_url("**/samples")
    total = page.locator("article.sample").count()
    page.check("input[name=wrong]")
    page.wait_for_url("**wrong=1**")
    wrong = page.locator("article.sample")
    assert 0 < wrong.count() < total
    assert wrong.count() == page.locator("article.sample.wrong").count()
    assert int(page.text_content("#sample-count") or "0") == wrong.count()
    assert set(page.locator("article.sample .verdict").all_text_contents()) == {"wrong"}
    assert watched.clean(), watched


def test_a_hostile_stored_answer_and_name_stay_inert_text(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(server + "/?q=evil")
    page.click("#leaderboard tr.model-row td.name > a")  # (the baseline row is pinned first)
    page.wait_for_url("**/models/evil-xss-3b-*")
    page.click("#scores tr[data-task='arithmetic_gen'] a.samples-link")
    page.wait_for_url("**/samples")
    samples_path = page.url.removeprefix(server)
    for path in ("/?q=evil", page.url.removeprefix(server).split("/runs/")[0], samples_path):
        page.goto(server + path)
        page.wait_for_timeout(300)  # time for an injected onerror handler to have fired
        assert page.evaluate("typeof window.__xss") == "undefined", path
        assert watched.dialogs == [], path
        assert page.locator("img[src=x]").count() == 0, path
        assert page.locator("main script").count() == 0, path
    # The markup is there, as text a reader can see.
    answers = page.locator("pre.answer").all_text_contents()
    assert answers and set(answers) == {XSS_ANSWER}
    assert page.locator("pre.answer").first.is_visible()
    page.goto(server + "/?q=evil")
    assert row_names(page) == [XSS_NAME]
    page.click("#leaderboard tr.model-row td.name > a")
    assert page.text_content("#model-name") == XSS_NAME
    assert watched.errors == []


def test_comparing_two_models_from_a_model_page(server: str, watched: Watched) -> None:
    page = watched.page
    page.goto(server + "/?q=merge")
    page.click("text=Merge 70B")
    page.click("#compare-link")
    page.wait_for_url("**/compare?a=acme-merge-70b-*")
    assert page.locator("#pick-a option:checked").text_content() == "Merge 70B (acme/merge-70b)"
    assert page.locator("#comparison").count() == 0  # no table before B is chosen
    page.select_option(
        "#pick-b", label=page.locator("#pick-b option", has_text="Tiny 135M").text_content()
    )
    page.click("#compare-form button[type=submit]")
    page.wait_for_url("**&b=acme-tiny-135m-*")
    rows = page.locator("#comparison tbody tr[data-task]")
    assert rows.count() == 2
    verdicts = page.locator("#comparison td.verdict.a-better").all_text_contents()
    assert verdicts and all(text.startswith("A better") for text in verdicts)
    page.click("#swap")
    page.wait_for_url("**/compare?a=acme-tiny-135m-*")
    assert page.locator("#comparison td.verdict.b-better").count() == 2
    assert watched.clean(), watched
