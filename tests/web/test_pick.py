"""The pick pages and their JSON twins over a real stored pick report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalatlas.web.app import create_app

from .pick_workspace import fill_pick_workspace


@pytest.fixture(scope="module")
def picked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    root = tmp_path_factory.mktemp("pick-web") / "workspace"
    report_id = fill_pick_workspace(root)
    with TestClient(create_app(root)) as client:
        yield client, report_id


def test_the_list_and_the_report_show_what_the_cli_stored(
    picked: tuple[TestClient, str],
) -> None:
    client, report_id = picked
    listed = client.get("/api/pick").json()["reports"]
    assert [r["report_id"] for r in listed] == [report_id]
    assert listed[0]["examples"]["n"] == 10 and listed[0]["url"] == f"/pick/{report_id}"
    report = client.get(f"/api/pick/{report_id[:8]}").json()
    statuses = {c["name"]: c["status"] for c in report["candidates"]}
    assert statuses == {
        "random baseline (random)": "ran",
        "random baseline (random?seed=1)": "ran",
        "bundled:no-such-model": "failed",
    }
    assert report["recommendation"]["all_at_chance"]
    page = client.get(f"/pick/{report_id}")
    assert page.status_code == 200
    assert report["recommendation"]["sentence"] in page.text.replace("&#39;", "'")
    assert report["examples"]["sha256"] in page.text
    assert "unknown bundled model" in page.text
    assert f'href="/pick/{report_id}"' in client.get("/pick").text


def test_unknown_and_malformed_report_ids_are_clear(picked: tuple[TestClient, str]) -> None:
    client, _ = picked
    missing = client.get("/api/pick/abcdef12")
    assert missing.status_code == 404 and "no pick report" in missing.json()["detail"]
    malformed = client.get("/api/pick/not-hex")
    assert malformed.status_code == 422 and malformed.json()["error"] == "invalid_parameter"
    assert client.get("/pick/abcdef12").status_code == 404


def test_an_empty_workspace_says_how_to_make_a_report(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "empty")) as client:
        assert client.get("/api/pick").json() == {"reports": []}
        assert "No pick report yet" in client.get("/pick").text
