"""The board's pages on real runs of one task under three protocols: one ranked per
column, the others listed with the reason, a selector for each, JSON and CSV alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from analysis.protocol_workspace import TASK, ProtocolWorkspace, fill_protocol_workspace
from evalatlas.web import create_app

pytestmark = [pytest.mark.llamacpp, pytest.mark.slow]
LIMITED_REASON = "evaluated on 20 of 25 samples: not ranked against full runs"


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> ProtocolWorkspace:
    base = tmp_path_factory.mktemp("protocols")
    return fill_protocol_workspace(base / "ws", base / "data")


@pytest.fixture(scope="module")
def client(measured: ProtocolWorkspace) -> Iterator[TestClient]:
    with TestClient(create_app(measured.root)) as test_client:
        yield test_client


def test_the_page_ranks_the_full_run_and_says_why_not_the_others(
    client: TestClient, measured: ProtocolWorkspace
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "0-shot · full" in text  # the column's header names its protocol
    assert "Not ranked" in text and LIMITED_REASON in text
    assert "evaluated on 5 of 25 samples: not ranked against full runs" in text
    assert f"protocol={TASK}%3A" in text  # a link ranking each other protocol


def test_the_json_twin_and_the_csv_carry_the_protocols(
    client: TestClient, measured: ProtocolWorkspace
) -> None:
    board = client.get("/api/leaderboard").json()
    ranked = board["protocols"][TASK]["ranked"]
    assert ranked["label"] == "0-shot · full" and ranked["is_full_split"] is True
    assert {o["label"] for o in board["protocols"][TASK]["others"]} == {
        "0-shot · first 20",
        "1-shot · first 5",
    }
    [row] = board["rows"]
    assert row["scores"][TASK]["n"] == 25
    reasons = {u["run_id"]: u["reason"] for u in board["unranked"]}
    assert reasons[measured.limited_run] == LIMITED_REASON
    rows = list(csv.DictReader(io.StringIO(client.get("/api/leaderboard.csv").text)))
    assert rows[0][f"{TASK}_protocol"] == "0-shot · full"
    assert rows[0][f"{TASK}_protocol_hash"] == ranked["protocol_hash"]


def test_the_selector_ranks_another_protocol_on_every_page(client: TestClient) -> None:
    board = client.get("/api/leaderboard").json()
    other = next(o for o in board["protocols"][TASK]["others"] if "first 20" in o["label"])
    chosen = f"{TASK}:{other['protocol_hash'][:10]}"
    picked = client.get("/api/leaderboard", params={"protocol": chosen}).json()
    assert picked["protocols"][TASK]["ranked"]["label"] == "0-shot · first 20"
    assert picked["rows"][0]["scores"][TASK]["n"] == 20
    assert any("another protocol" in u["reason"] for u in picked["unranked"])
    for path in ("/api/capabilities", "/api/plots/ranks", "/capabilities", "/plots"):
        assert client.get(path, params={"protocol": chosen}).status_code == 200, path
    page = client.get("/", params={"protocol": chosen}).text
    assert f'name="protocol" value="{chosen}"' in page  # the filters keep the choice


def test_a_protocol_that_does_not_exist_is_a_clear_error(client: TestClient) -> None:
    for value, fragment in (
        (f"{TASK}:ffff", "matches no protocol"),
        ("no-colon", "is not TASK:HASH"),
        ("arc_easy:ab", "has no column"),
    ):
        answer = client.get("/api/leaderboard", params={"protocol": value})
        assert answer.status_code == 422, value
        assert answer.json()["error"] == "invalid_parameter"
        assert fragment in answer.json()["detail"]
    assert client.get("/", params={"protocol": f"{TASK}:ffff"}).status_code == 422
