"""The streaming import of battle logs: the same battles as reading the log whole, items
cut at the read buffer's end, line numbers, nothing stored on a bad row, progress."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from evalatlas.arena.importer import (
    check_battle_log,
    import_battle_log,
    iter_battles,
    read_battle_log,
)
from evalatlas.errors import DataError
from evalatlas.store import NewBattle, Store, VoteRequest

from .test_importer import FOUR_ROWS, arena_row, conv_metadata, write_jsonl

LARGE = 20_000
MODELS = [f"model-{number}" for number in range(12)]
WINNERS = ["model_a", "model_b", "tie", "tie (bothbad)"]


def generated_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Arena-style rows, some repeated word for word (distinct battles all the same)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for index in range(count):
        if rows and rng.random() < 0.02:
            rows.append(dict(rng.choice(rows)))
            continue
        model_a, model_b = rng.sample(MODELS, 2)
        extra: dict[str, Any] = {"judge": f"user-{rng.randint(0, 300)}", "tstamp": index * 1.5}
        if rng.random() < 0.7:
            extra["conv_metadata"] = conv_metadata(rng.randint(1, 900), rng.randint(1, 900))
        if rng.random() < 0.5:
            extra |= {"language": "English", "turn": rng.randint(1, 3), "category": "coding"}
        rows.append(arena_row(model_a, model_b, rng.choice(WINNERS), **extra))
    return rows


def expected_ids(rows: Sequence[Any]) -> list[str]:
    """Battle ids as every earlier release made them: a re-import must match them."""
    seen: dict[str, int] = {}
    ids = []
    for row in rows:
        canonical = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
        seen[canonical] = seen.get(canonical, 0) + 1
        digest = hashlib.sha256(f"{canonical}#{seen[canonical]}".encode()).hexdigest()
        ids.append(f"import-{digest[:40]}")
    return ids


def write_array(path: Path, rows: Sequence[Any], indent: int | None = None) -> Path:
    """One item a line (as the public log), or pretty-printed with ``indent``."""
    if indent is None:
        text = "[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]\n"
    else:
        text = json.dumps(list(rows), indent=indent)
    path.write_text(text, encoding="utf-8")
    return path


def stored(store: Store) -> list[tuple[Any, ...]]:
    return sorted(
        (b.battle_id, b.model_a, b.model_b, b.outcome, b.voter, b.category, b.style_a, b.style_b)
        for b in store.arena().decided_battles()
    )


@pytest.fixture(scope="module")
def large_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    rows = generated_rows(LARGE)
    return write_array(tmp_path_factory.mktemp("large") / "battles.json", rows), rows


def test_a_large_log_streams_to_the_same_battles_as_reading_it_whole(
    large_log: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    path, rows = large_log
    with Store.open(tmp_path / "whole") as whole, Store.open(tmp_path / "streamed") as streamed:
        imported = read_battle_log(path)
        assert whole.arena().add_battles(imported.battles, imported.votes) == (LARGE, 0)
        # Small chunks and reads: many chunks in the transaction, items cut at every read.
        summary = import_battle_log(path, streamed.arena(), chunk_size=777, read_size=5_000)
        assert (summary.added, summary.present) == (LARGE, 0)
        assert summary.models == frozenset(MODELS)
        assert stored(streamed) == stored(whole)
        assert sorted(expected_ids(rows)) == [row[0] for row in stored(streamed)]
        assert streamed.arena().counts().votes == LARGE


def test_a_reimport_adds_nothing(tmp_path: Path, store: Store) -> None:
    rows = generated_rows(600, seed=3)
    path = write_array(tmp_path / "log.json", rows)
    first = import_battle_log(path, store.arena(), chunk_size=100)
    again = import_battle_log(path, store.arena(), chunk_size=70)
    assert (first.added, first.present) == (600, 0)
    assert (again.added, again.present) == (0, 600)
    assert store.arena().counts().battles == 600


@pytest.mark.parametrize("read_size", [1, 2, 3, 7, 64, 333])
def test_items_cut_at_the_end_of_a_read_decode_whole(tmp_path: Path, read_size: int) -> None:
    rows = [
        *FOUR_ROWS,
        arena_row("m1", "m2", "tie", turn=123456789, tstamp=1712345678.125, prompt="a\\b \u00e9"),
        arena_row("m2", "m3", "model_a", conv_metadata=conv_metadata(12345, 67890)),
    ]
    for indent in (None, 2):
        path = write_array(tmp_path / f"cut-{indent}.json", rows, indent=indent)
        battles = list(iter_battles(path, read_size=read_size))
        assert [battle.id for battle, _ in battles] == expected_ids(rows)
        assert battles[4][0].turn == 123456789 and battles[4][0].prompt == "a\\b \u00e9"
        assert battles[5][0].style_a is not None and battles[5][0].style_a["length"] == 12345.0


@pytest.mark.parametrize("read_size", [3, 50, 1 << 20])
def test_line_numbers_survive_any_read_size(tmp_path: Path, read_size: int) -> None:
    rows = [*FOUR_ROWS, arena_row("m1", "m2", "model_c"), *FOUR_ROWS]
    path = write_array(tmp_path / "pretty.json", rows, indent=2)
    lines = json.dumps(rows, indent=2).splitlines()
    winner_at = next(i for i, text in enumerate(lines) if '"model_c"' in text)
    bad_line = max(i for i in range(winner_at) if lines[i] == "  {") + 1  # where it opens
    with pytest.raises(DataError, match=rf"pretty.json line {bad_line}: field 'winner'"):
        check_battle_log(path, read_size=read_size)
    broken = tmp_path / "broken.json"
    broken.write_text(
        "[\n" + json.dumps(FOUR_ROWS[0]) + ",\n\n" + '{"model_a" "a"}\n]', encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"broken.json line 4: not valid JSON"):
        check_battle_log(broken, read_size=read_size)
    unfinished = tmp_path / "unfinished.json"
    unfinished.write_text("[\n" + json.dumps(FOUR_ROWS[0]) + ",\n" + '{"model_a": "a', "utf-8")
    with pytest.raises(DataError, match=r"unfinished.json line 3: not valid JSON"):
        check_battle_log(unfinished, read_size=read_size)


def test_a_bad_row_near_the_end_stores_nothing_and_names_its_line(
    large_log: tuple[Path, list[dict[str, Any]]], tmp_path: Path, store: Store
) -> None:
    _, rows = large_log
    bad = [*rows[:-3], arena_row("m1", "m1", "tie"), *rows[-3:]]
    path = write_array(tmp_path / "late_error.json", bad)
    # The array opens on line 1; item i (from 0) is on line i + 2.
    with pytest.raises(DataError) as raised:
        import_battle_log(path, store.arena(), chunk_size=500)
    message = str(raised.value)
    assert message.startswith(f"{path} line {LARGE - 3 + 2}:") and "battles itself" in message
    assert "\n" not in message
    assert store.arena().counts().battles == 0


def test_a_failure_while_chunks_are_stored_stores_nothing(tmp_path: Path, store: Store) -> None:
    imported = read_battle_log(write_jsonl(tmp_path / "rows.jsonl", generated_rows(300, seed=5)))
    battles, votes = imported.battles, imported.votes

    def chunks_then_failure() -> Iterator[tuple[list[NewBattle], list[VoteRequest]]]:
        yield battles[:100], votes[:100]
        yield battles[100:200], votes[100:200]
        raise DataError("the log changed while it was read")

    with pytest.raises(DataError, match="changed"):
        store.arena().add_battle_chunks(chunks_then_failure())
    assert store.arena().counts().battles == 0
    # Chunks that overlap: the second skips what the first stored.
    chunks = [(battles[:150], votes[:150]), (battles[100:], votes[100:])]
    assert store.arena().add_battle_chunks(chunks) == (300, 50)
    assert store.arena().counts().votes == 300


def test_json_lines_and_csv_stream_too(tmp_path: Path, store: Store) -> None:
    rows = generated_rows(500, seed=11)
    lines = write_jsonl(tmp_path / "log.jsonl", rows)
    summary = import_battle_log(lines, store.arena(), chunk_size=64)
    assert (summary.added, summary.present) == (500, 0)
    assert [battle.id for battle, _ in iter_battles(lines)] == expected_ids(rows)
    table = tmp_path / "votes.csv"
    table.write_text(
        "left,right,winner,category\n"
        + "".join(f'm{i % 5},m{(i + 1) % 5},left,"two\nlines"\n' for i in range(300))
        + "m1,m2,sideways,x\n",
        encoding="utf-8",
    )
    # Each row takes two lines: the bad one is on line 2 + 300 * 2.
    with pytest.raises(DataError, match=rf"votes.csv line {2 + 600}: column 'winner'"):
        import_battle_log(table, store.arena())
    table.write_text(table.read_text(encoding="utf-8").replace("sideways", "right"), "utf-8")
    added = import_battle_log(table, store.arena(), chunk_size=50)
    assert (added.added, len(added.models)) == (301, 5)
    assert store.arena().counts().battles == 801


def test_progress_counts_the_bytes_read(
    large_log: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    path, _ = large_log
    size = path.stat().st_size
    for log in (path, write_jsonl(tmp_path / "log.jsonl", generated_rows(9_000))):
        seen: list[int] = []
        check_battle_log(log, read_size=100_000, progress=seen.append)
        assert seen == sorted(seen) and len(seen) > 2
        assert seen[-1] == log.stat().st_size
    assert size > 100_000


def test_the_cli_reports_a_late_bad_row_on_one_line(tmp_path: Path) -> None:
    rows = [*generated_rows(3_000), {"model_a": "m1", "winner": "tie"}, *FOUR_ROWS]
    path = write_jsonl(tmp_path / "late.jsonl", rows)
    done = subprocess.run(
        [sys.executable, "-m", "evalatlas", "arena", "import", str(path), "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [
        f"error: {path} line 3001: field 'model_b' is missing or empty; name a model"
    ]
    with Store.open(tmp_path) as store:
        assert store.arena().counts().battles == 0
