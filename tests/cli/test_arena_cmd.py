"""``evalatlas arena import / ratings / voters`` and the arena options of ``serve``, as a
user runs them, on battle logs drawn from known model strengths."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import expit

from evalatlas.store import Store

from .test_bad_input import assert_one_line_error, run_cli

# True strengths in logits; voters also prefer longer answers by LENGTH_PREFERENCE logits
# per standardised length, which style control should find.
STRENGTHS = {"strong": 1.5, "middle": 0.7, "weak": 0.0, "weakest": -0.6}
LENGTH_PREFERENCE = 0.8
BATTLES = 900


def styled_log(path: Path, seed: int = 0, contrarian_votes: int = 60) -> Path:
    """A Chatbot Arena JSON Lines log: honest voters u0..u9 choose by Bradley-Terry with a
    length preference, 'contrarian' picks the weaker answer; categories coding and math."""
    rng = np.random.default_rng(seed)
    models = list(STRENGTHS)
    rows = []
    for index in range(BATTLES + contrarian_votes):
        a, b = rng.choice(len(models), size=2, replace=False)
        tokens = rng.integers(50, 800, size=2)
        gap = STRENGTHS[models[a]] - STRENGTHS[models[b]]
        gap += LENGTH_PREFERENCE * (float(tokens[0]) - float(tokens[1])) / 300.0
        p_a = float(expit(gap))
        honest = index < BATTLES
        draw = rng.random()
        if honest and draw < 0.08:
            winner = "tie" if draw < 0.05 else "tie (bothbad)"
        elif honest:
            winner = "model_a" if rng.random() < p_a else "model_b"
        else:
            winner = "model_b" if rng.random() < p_a else "model_a"
        rows.append(
            {
                "model_a": models[a],
                "model_b": models[b],
                "winner": winner,
                "judge": f"u{index % 10}" if honest else "contrarian",
                "category": "coding" if index % 3 == 0 else "math",
                "conv_metadata": _metadata(int(tokens[0]), int(tokens[1])),
            }
        )
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _metadata(tokens_a: int, tokens_b: int) -> dict[str, Any]:
    zero_headers = {f"h{level}": 0 for level in range(1, 7)}
    return {
        "sum_assistant_a_tokens": tokens_a,
        "sum_assistant_b_tokens": tokens_b,
        "header_count_a": zero_headers,
        "header_count_b": zero_headers,
        "list_count_a": {"ordered": tokens_a // 200, "unordered": 0},
        "list_count_b": {"ordered": tokens_b // 200, "unordered": 0},
        "bold_count_a": {"**": 0, "__": 0},
        "bold_count_b": {"**": 0, "__": 0},
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the styled log (imported once for the module)."""
    workspace = tmp_path_factory.mktemp("arena_ws")
    log = styled_log(workspace.parent / f"{workspace.name}.jsonl")
    done = run_cli("arena", "import", str(log), workspace=workspace)
    assert done.returncode == 0, done.stderr
    return workspace


def _json(*args: str, workspace: Path) -> Any:
    done = run_cli(*args, "--json", workspace=workspace)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _counts(workspace: Path) -> tuple[int, int]:
    with Store.open(workspace) as store:
        counts = store.arena().counts()
    return counts.battles, counts.votes


def test_import_reports_counts_and_a_second_import_adds_nothing(tmp_path: Path) -> None:
    log = styled_log(tmp_path / "log.jsonl", contrarian_votes=0)
    first = run_cli("arena", "import", str(log), workspace=tmp_path / "ws")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == f"{log}: {BATTLES} battles added with their votes, 0 already present"
    assert lines[1] == "models (4): middle, strong, weak, weakest"
    assert lines[2] == f"the workspace now holds {BATTLES} votes ({BATTLES} counted) on 900 battles"
    again = run_cli("arena", "import", str(log), workspace=tmp_path / "ws")
    assert again.returncode == 0, again.stderr
    assert f"0 battles added with their votes, {BATTLES} already present" in again.stdout
    assert _counts(tmp_path / "ws") == (BATTLES, BATTLES)


def test_import_a_csv_log(tmp_path: Path) -> None:
    log = tmp_path / "votes.csv"
    log.write_text(
        "left,right,winner,voter\nm1,m2,left,ann\nm2,m3,both_bad,bob\nm3,m1,tie,ann\n",
        encoding="utf-8",
    )
    done = run_cli("arena", "import", str(log), workspace=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 battles added with their votes, 0 already present" in done.stdout
    assert "models (3): m1, m2, m3" in done.stdout
    assert _counts(tmp_path) == (3, 3)


def test_ratings_name_a_bundled_contestant_by_its_display_name(tmp_path: Path) -> None:
    """The catalog's name, as the pages show it, not the reference (nor a file's own name)."""
    log = tmp_path / "votes.csv"
    rows = ["bundled:smollm2-135m-instruct,bundled:gemma3-270m,left,ann"] * 3
    log.write_text("left,right,winner,voter\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert run_cli("arena", "import", str(log), workspace=tmp_path).returncode == 0
    for method in ("bradley-terry", "elo"):
        shown = run_cli("arena", "ratings", "--method", method, workspace=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert "smollm2-135m-instruct" in shown.stdout and "gemma3-270m" in shown.stdout
        assert "bundled:" not in shown.stdout


def test_a_bad_row_is_one_line_with_its_line_number_and_stores_nothing(tmp_path: Path) -> None:
    log = styled_log(tmp_path / "log.jsonl", contrarian_votes=0)
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[6] = json.dumps({"model_a": "strong", "model_b": "weak", "winner": "draw"})
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_cli("arena", "import", str(log), workspace=tmp_path / "ws")
    assert done.returncode == 3
    assert_one_line_error(done, f"{log} line 7:", "'winner' is 'draw'")
    missing = run_cli("arena", "import", str(tmp_path / "absent.json"), workspace=tmp_path / "ws")
    assert missing.returncode == 3
    assert_one_line_error(missing, "absent.json", "cannot read the battle log")
    assert _counts(tmp_path / "ws") == (0, 0)


def test_export_then_import_gives_the_same_ratings(imported: Path, tmp_path: Path) -> None:
    exported = tmp_path / "coding.json"
    done = run_cli("arena", "export", str(exported), "--category", "coding", workspace=imported)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("counted battles written")
    again = run_cli("arena", "import", str(exported), workspace=tmp_path / "ws")
    assert again.returncode == 0, again.stderr
    before = _json("arena", "ratings", "--category", "coding", workspace=imported)
    after = _json("arena", "ratings", workspace=tmp_path / "ws")
    assert [(r["model"], round(r["score"], 6)) for r in after["ratings"]] == [
        (r["model"], round(r["score"], 6)) for r in before["ratings"]
    ]
    unknown = run_cli(
        "arena", "export", str(tmp_path / "x.csv"), "--category", "cookery", workspace=imported
    )
    assert unknown.returncode == 2
    assert not (tmp_path / "x.csv").exists()


def test_ratings_table_and_json(imported: Path) -> None:
    table = run_cli("arena", "ratings", "--bootstrap", "40", workspace=imported)
    assert table.returncode == 0, table.stderr
    assert f"Bradley-Terry, 40 bootstrap rounds; {BATTLES + 60} battles" in table.stdout
    for header in ("rank", "model", "rating", "95% CI", "rank range", "tier", "n"):
        assert header in table.stdout
    order = [line.split("│")[2].strip() for line in table.stdout.splitlines() if "│" in line]
    assert order == ["strong", "middle", "weak", "weakest"]

    payload = _json("arena", "ratings", "--bootstrap", "40", "--seed", "3", workspace=imported)
    assert payload["method"] == "bootstrap" and payload["battles"] == BATTLES + 60
    assert payload["options"]["seed"] == 3 and payload["options"]["n_rounds"] == 40
    ratings = payload["ratings"]
    assert [r["model"] for r in ratings] == ["strong", "middle", "weak", "weakest"]
    scores = [r["score"] for r in ratings]
    assert scores == sorted(scores, reverse=True)
    for rating in ratings:
        assert rating["ci_low"] <= rating["score"] <= rating["ci_high"]
        assert rating["rank_low"] <= rating["rank"] <= rating["rank_high"]
        assert rating["n"] > 0 and rating["tier"] >= 1
    assert payload["style_coefficients"] == [] and payload["excluded_voters"] == []
    assert _json("arena", "ratings", "--bootstrap", "40", "--seed", "3", workspace=imported) == (
        payload
    )


def test_sandwich_intervals(imported: Path) -> None:
    payload = _json("arena", "ratings", "--sandwich", workspace=imported)
    assert payload["method"] == "sandwich" and payload["options"]["method"] == "sandwich"
    for rating in payload["ratings"]:
        assert rating["ci_low"] < rating["score"] < rating["ci_high"]


def test_one_category(imported: Path) -> None:
    payload = _json(
        "arena", "ratings", "--category", "coding", "--bootstrap", "20", workspace=imported
    )
    assert payload["options"]["category"] == "coding"
    assert payload["battles"] == len(range(0, BATTLES + 60, 3))
    unknown = run_cli("arena", "ratings", "--category", "codng", workspace=imported)
    assert unknown.returncode == 2
    assert_one_line_error(unknown, "'codng'", "Did you mean 'coding'", "coding, math")


def test_style_control_finds_the_length_preference(imported: Path) -> None:
    payload = _json("arena", "ratings", "--style-control", "--bootstrap", "30", workspace=imported)
    assert payload["options"]["style_control"] is True
    coefficients = {c["name"]: c for c in payload["style_coefficients"]}
    assert set(coefficients) == {"length", "headers", "lists", "bold"}
    length = coefficients["length"]
    assert 0 < length["ci_low"] <= length["value"] <= length["ci_high"]
    table = run_cli("arena", "ratings", "--style-control", "--bootstrap", "30", workspace=imported)
    assert table.returncode == 0, table.stderr
    assert "style coefficients" in table.stdout and "style-controlled" in table.stdout


def test_style_control_without_style_counts_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "plain.csv"
    log.write_text("left,right,winner\nm1,m2,left\nm2,m1,right\nm1,m2,tie\n", encoding="utf-8")
    assert run_cli("arena", "import", str(log), workspace=tmp_path).returncode == 0
    done = run_cli("arena", "ratings", "--style-control", workspace=tmp_path)
    assert done.returncode == 6
    assert_one_line_error(done, "3 of 3 battles carry no style counts")
    empty = run_cli("arena", "ratings", workspace=tmp_path / "empty")
    assert_one_line_error(empty, "no counted votes to rate")
    judged = run_cli("arena", "ratings", "--source", "judge", workspace=tmp_path)
    assert_one_line_error(judged, "no counted votes to rate")


def test_voters_flag_the_contrarian_and_ratings_can_leave_them_out(imported: Path) -> None:
    report = _json("arena", "voters", workspace=imported)
    assert report["flagged"] == ["contrarian"]
    assert report["tested"] == 11
    assert report["voters"][0]["voter"] == "contrarian"
    table = run_cli("arena", "voters", workspace=imported)
    assert table.returncode == 0, table.stderr
    assert "contrarian" in table.stdout and "1 of 11 voters flagged" in table.stdout
    none_tested = run_cli("arena", "voters", "--min-votes", "1000", workspace=imported)
    assert none_tested.returncode == 0 and "no voter has 1000 or more" in none_tested.stdout
    payload = _json(
        "arena", "ratings", "--exclude-flagged-voters", "--bootstrap", "20", workspace=imported
    )
    assert payload["excluded_voters"] == ["contrarian"]
    assert payload["battles"] == BATTLES


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_refuses_bad_arena_options_in_one_line(tmp_path: Path) -> None:
    port = str(_free_port())
    one = run_cli(
        "serve", "--port", port, "--arena-model", "bundled:smollm2-135m-instruct",
        workspace=tmp_path,
    )  # fmt: skip
    assert one.returncode == 2
    assert_one_line_error(one, "a battle needs two or more different models")
    guesser = run_cli(
        "serve", "--port", port, "--arena-model", "random", "--arena-model",
        "bundled:smollm2-135m-instruct", workspace=tmp_path,
    )  # fmt: skip
    assert_one_line_error(guesser, "'random'", "cannot answer arena prompts")
    typo = run_cli(
        "serve", "--port", port, "--arena-model", "bundled:gemma-3-270m", "--arena-model",
        "bundled:smollm2-135m-instruct", workspace=tmp_path,
    )  # fmt: skip
    assert_one_line_error(typo, "unknown bundled model 'gemma-3-270m'", "gemma3-270m")
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "Hi"}\n{"category": "x"}\n', encoding="utf-8")
    bad_prompts = run_cli(
        "serve", "--port", port, "--arena-prompts", str(prompts), workspace=tmp_path
    )
    assert bad_prompts.returncode == 3
    assert_one_line_error(bad_prompts, f"{prompts} line 2:", "'prompt' is missing")


@pytest.mark.llamacpp
@pytest.mark.slow
def test_serve_runs_the_arena_with_the_bundled_models(
    tmp_path: Path, smollm2_gguf: Path, gemma3_gguf: Path
) -> None:
    """The options reach the served arena: both models answer, a drawn prompt comes from
    the prompt set, and --arena-rate-limit 1 refuses a voter's second vote in a minute."""
    pytest.importorskip("llama_cpp", reason="needs llama-cpp-python")
    httpx = pytest.importorskip("httpx")
    del smollm2_gguf, gemma3_gguf  # present: the bundled references resolve to them
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("Name a colour.\n", encoding="utf-8")
    port = _free_port()
    command = [
        sys.executable, "-m", "evalatlas", "serve", "--port", str(port),
        "-w", str(tmp_path / "ws"), "--arena-prompts", str(prompts),
        "--arena-model", "bundled:smollm2-135m-instruct", "--arena-model", "bundled:gemma3-270m",
        "--arena-max-tokens", "8", "--arena-rate-limit", "1",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as server:
        try:
            _wait_until_serving(httpx, base, server)
            with httpx.Client(base_url=base, timeout=120) as client:
                drawn = client.get("/arena", params={"draw": 1})
                assert drawn.status_code == 200 and "Name a colour." in drawn.text
                votes = []
                for _ in range(2):
                    started = client.post("/api/arena/battles", json={"prompt": "Say hello."})
                    assert started.status_code == 201, started.text
                    battle = started.json()
                    assert battle["answer_a"].strip() and battle["answer_b"].strip()
                    assert battle["models"] is None
                    path = f"/api/arena/battles/{battle['id']}/vote"
                    votes.append(client.post(path, json={"outcome": "A"}))
            assert votes[0].status_code == 200, votes[0].text
            revealed = votes[0].json()["models"]
            assert set(revealed.values()) == {
                "bundled:smollm2-135m-instruct",
                "bundled:gemma3-270m",
            }
            assert votes[1].status_code == 429, votes[1].text
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    with Store.open(tmp_path / "ws") as store:
        counts = store.arena().counts()
    assert (counts.battles, counts.votes) == (2, 1)


def _wait_until_serving(httpx: Any, base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            pytest.fail(f"evalatlas serve exited with {server.returncode}:\n{output}")
        try:
            if httpx.get(f"{base}/arena", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail(f"evalatlas serve did not answer at {base}")


def test_online_elo_in_vote_order_says_it_has_no_interval(imported: Path) -> None:
    args = ("arena", "ratings", "--method", "elo", "--bootstrap", "30", "--seed", "1")
    payload = _json(*args, workspace=imported)
    assert payload["method"] == "elo" and payload["interval"] is None
    assert "depends on the vote order" in payload["note"]
    assert payload["battles"] == BATTLES + 60 and payload["shuffles"] == 30
    with Store.open(imported) as store:
        decided = list(store.arena().decided_battles())
    expected = _reference_elo(decided)
    ratings = payload["ratings"]
    assert {r["model"]: round(r["score"], 9) for r in ratings} == {
        model: round(score, 9) for model, score in expected.items()
    }
    assert [r["rank"] for r in ratings] == [1, 2, 3, 4]
    assert [r["score"] for r in ratings] == sorted((r["score"] for r in ratings), reverse=True)
    assert ratings[0]["model"] == "strong" and ratings[-1]["model"] == "weakest"
    assert all(r["order_low"] <= r["order_high"] for r in ratings)
    assert sum(r["n"] for r in ratings) == 2 * (BATTLES + 60)
    assert _json(*args, workspace=imported) == payload  # seeded shuffles
    table = run_cli("arena", "ratings", "--method", "elo", "--bootstrap", "10", workspace=imported)
    assert table.returncode == 0, table.stderr
    text = " ".join(table.stdout.split())
    assert "arena online Elo (vote order)" in text and "order spread" in text
    assert "depends on the order of the votes and has no confidence interval" in text
    assert "not how sure the rating is" in text
    mixed = run_cli("arena", "ratings", "--method", "elo", "--sandwich", workspace=imported)
    assert mixed.returncode == 2
    assert_one_line_error(mixed, "--sandwich applies to Bradley-Terry ratings")


def _reference_elo(decided: list[Any], k: float = 4.0) -> dict[str, float]:
    """Online Elo written out plainly, oldest vote first (BOTH_BAD is a tie)."""
    ratings: dict[str, float] = {}
    for battle in decided:
        a, b = battle.model_a, battle.model_b
        ra, rb = ratings.setdefault(a, 1000.0), ratings.setdefault(b, 1000.0)
        score = {"A": 1.0, "B": 0.0}.get(battle.outcome, 0.5)
        step = k * (score - 1 / (1 + 10 ** ((rb - ra) / 400)))
        ratings[a], ratings[b] = ra + step, rb - step
    return ratings
