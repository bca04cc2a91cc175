"""``evalatlas results board`` and ``results show``'s protocol on real runs of one task
under three protocols (the bundled model, llama.cpp)."""

from __future__ import annotations

import json

import pytest

from analysis.protocol_workspace import TASK, ProtocolWorkspace, fill_protocol_workspace

from .test_bad_input import assert_one_line_error, run_cli

pytestmark = [pytest.mark.llamacpp, pytest.mark.slow]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> ProtocolWorkspace:
    base = tmp_path_factory.mktemp("protocols")
    return fill_protocol_workspace(base / "ws", base / "data")


def board(measured: ProtocolWorkspace, *args: str) -> str:
    result = run_cli("results", "board", "--n-boot", "20", *args, workspace=measured.root)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_board_ranks_the_full_run_and_says_why_not_the_others(
    measured: ProtocolWorkspace,
) -> None:
    shown = " ".join(board(measured).split())  # rich wraps long lines
    assert "0-shot · full" in shown
    assert "not ranked:" in shown
    assert (
        f"on {TASK} (0-shot · first 20, protocol" in shown
        and "evaluated on 20 of 25 samples: not ranked against full runs" in shown
    )
    payload = json.loads(board(measured, "--json"))
    [row] = payload["rows"]
    assert row["scores"][TASK]["run_id"] == measured.full_run
    assert {u["run_id"] for u in payload["unranked"]} == {
        measured.limited_run,
        measured.one_shot_run,
    }
    one_shot = next(o for o in payload["protocols"][TASK]["others"] if "1-shot" in o["label"])
    chosen = json.loads(
        board(measured, "--json", "--protocol", f"{TASK}:{one_shot['protocol_hash'][:8]}")
    )
    assert chosen["rows"][0]["scores"][TASK]["run_id"] == measured.one_shot_run


def test_an_unknown_protocol_is_one_line(measured: ProtocolWorkspace) -> None:
    result = run_cli("results", "board", "--protocol", f"{TASK}:ffff", workspace=measured.root)
    assert_one_line_error(result, "matches no protocol", "0-shot · full")
    result = run_cli("results", "board", "--protocol", "nocolon", workspace=measured.root)
    assert_one_line_error(result, "is not TASK:HASH")


def test_results_show_names_the_protocol(measured: ProtocolWorkspace) -> None:
    shown = run_cli("results", "show", measured.limited_run[:10], workspace=measured.root)
    assert shown.returncode == 0, shown.stderr
    assert "protocol: 0-shot · first 20 (" in shown.stdout
    assert "covering a subset: the first 20 samples" in shown.stdout
    detail = json.loads(
        run_cli("results", "show", measured.full_run[:10], "--json", workspace=measured.root).stdout
    )
    assert detail["protocol"]["label"] == "0-shot · full"
    assert detail["protocol"]["is_full_split"] is True
    assert detail["protocol"]["subset_limit"] is None


def test_scores_near_random_guessing_are_said_so_in_words(measured: ProtocolWorkspace) -> None:
    from evalatlas.analysis.leaderboard import build_leaderboard
    from evalatlas.store import Store

    with Store.open(measured.root) as store:
        baseline = build_leaderboard(store, n_boot=20).random_baseline[TASK]
    payload = json.loads(board(measured, "--json"))
    [row] = payload["rows"]
    cell = row["scores"][TASK]
    expected = (
        "above"
        if cell["ci_low"] > baseline
        else "below"
        if cell["ci_high"] < baseline
        else "indistinguishable"
    )
    assert cell["versus_random"] == expected
    shown = " ".join(board(measured).split())
    footnote = "not distinguishable from random guessing: its 95% interval includes"
    assert (footnote in shown) == ("indistinguishable" in json.dumps(payload["rows"]))
