"""Battle logs in the public Chatbot Arena format (JSON array, JSON Lines) and CSV: every
winner value, style counts, and the line of each kind of bad row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalatlas.arena import read_battle_log
from evalatlas.errors import DataError
from evalatlas.store import Store

WINNERS = {"model_a": "A", "model_b": "B", "tie": "TIE", "tie (bothbad)": "BOTH_BAD"}


def arena_row(model_a: str, model_b: str, winner: str, **extra: Any) -> dict[str, Any]:
    return {"model_a": model_a, "model_b": model_b, "winner": winner, **extra}


def conv_metadata(tokens_a: int, tokens_b: int, lists_a: int = 0) -> dict[str, Any]:
    """Style counts as the public Chatbot Arena data spells them."""
    return {
        "sum_user_tokens": 12,
        "sum_assistant_a_tokens": tokens_a,
        "sum_assistant_b_tokens": tokens_b,
        "header_count_a": {"h1": 1, "h2": 2, "h3": 0, "h4": 0, "h5": 0, "h6": 0},
        "list_count_a": {"ordered": lists_a, "unordered": 1},
        "bold_count_a": {"**": 3, "__": 0},
        "header_count_b": {"h1": 0, "h2": 0, "h3": 0, "h4": 0, "h5": 0, "h6": 0},
        "list_count_b": {"ordered": 0, "unordered": 0},
        "bold_count_b": {"**": 0, "__": 1},
    }


FOUR_ROWS = [
    arena_row("gpt-4", "claude-v1", "model_a", judge="u1", language="English", turn=1),
    arena_row("claude-v1", "vicuna-13b", "model_b", judge="u2", category="coding"),
    arena_row("vicuna-13b", "gpt-4", "tie", judge="u1"),
    arena_row("gpt-4", "vicuna-13b", "tie (bothbad)"),
]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_json_array_with_all_four_winners(tmp_path: Path) -> None:
    path = tmp_path / "battles.json"
    path.write_text(json.dumps(FOUR_ROWS, indent=2), encoding="utf-8")
    imported = read_battle_log(path)
    assert [vote.outcome for vote in imported.votes] == ["A", "B", "TIE", "BOTH_BAD"]
    assert imported.models == {"gpt-4", "claude-v1", "vicuna-13b"}
    first, second, _, last = imported.battles
    assert (first.model_a, first.model_b, first.language, first.turn) == (
        "gpt-4",
        "claude-v1",
        "English",
        1,
    )
    assert second.category == "coding" and first.category is None
    assert [vote.voter for vote in imported.votes] == ["u1", "u2", "u1", "import:battles.json"]
    assert all(
        vote.battle_id == b.id for vote, b in zip(imported.votes, imported.battles, strict=True)
    )
    assert last.source == "import" and last.style_a is None


def test_json_lines_give_the_same_battles_as_the_array(tmp_path: Path) -> None:
    array = tmp_path / "log.json"
    array.write_text(json.dumps(FOUR_ROWS), encoding="utf-8")
    lines = write_jsonl(tmp_path / "log.jsonl", FOUR_ROWS)
    from_array, from_lines = read_battle_log(array), read_battle_log(lines)
    assert [b.id for b in from_array.battles] == [b.id for b in from_lines.battles]
    assert [v.outcome for v in from_lines.votes] == list(WINNERS.values())


def test_conv_metadata_gives_style_counts(tmp_path: Path) -> None:
    row = arena_row("m1", "m2", "model_a", conv_metadata=conv_metadata(310, 95, lists_a=4))
    imported = read_battle_log(write_jsonl(tmp_path / "styled.jsonl", [row]))
    (battle,) = imported.battles
    assert battle.style_a == {"length": 310.0, "headers": 3.0, "lists": 5.0, "bold": 3.0}
    assert battle.style_b == {"length": 95.0, "headers": 0.0, "lists": 0.0, "bold": 1.0}


def test_identical_rows_are_distinct_battles_and_a_reimport_adds_nothing(
    tmp_path: Path, store: Store
) -> None:
    rows = [arena_row("m1", "m2", "model_a")] * 3 + [arena_row("m2", "m3", "tie")]
    path = write_jsonl(tmp_path / "dupes.jsonl", rows)
    imported = read_battle_log(path)
    assert len({battle.id for battle in imported.battles}) == 4
    records = store.arena()
    assert records.add_battles(imported.battles, imported.votes) == (4, 0)
    again = read_battle_log(path)
    assert records.add_battles(again.battles, again.votes) == (0, 4)
    assert records.counts().votes == 4


def test_a_csv_log(tmp_path: Path) -> None:
    path = tmp_path / "votes.csv"
    path.write_text(
        "Left,Right,Winner,category,voter\n"
        "m1,m2,left,math,ann\n"
        "m2,m3,right,,bob\n"
        "m3,m1,tie,math,\n"
        "m1,m3,both_bad,,ann\n",
        encoding="utf-8",
    )
    imported = read_battle_log(path)
    assert [v.outcome for v in imported.votes] == ["A", "B", "TIE", "BOTH_BAD"]
    assert [b.category for b in imported.battles] == ["math", None, "math", None]
    assert [v.voter for v in imported.votes] == ["ann", "bob", "import:votes.csv", "ann"]
    assert imported.models == {"m1", "m2", "m3"}


@pytest.mark.parametrize(
    ("rows", "line", "fragment"),
    [
        ([arena_row("a", "b", "model_a"), arena_row("a", "b", "model_c")], 2, "'winner'"),
        ([arena_row("a", "b", "tie"), {"model_a": "a", "winner": "tie"}], 2, "'model_b'"),
        ([arena_row("a", "b", "tie"), arena_row("a", "", "tie")], 2, "'model_b'"),
        ([arena_row("a", "b", "tie"), arena_row("c", "c", "tie")], 2, "battles itself"),
        ([arena_row("a", "b", "tie"), [1, 2]], 2, "a JSON object"),
        ([arena_row("a", "b", "tie", turn=0)], 1, "'turn'"),
        (
            [arena_row("a", "b", "tie", conv_metadata={"sum_assistant_a_tokens": 3})],
            1,
            "conv_metadata",
        ),
    ],
)
def test_each_bad_json_lines_row_names_its_line(
    tmp_path: Path, rows: list[Any], line: int, fragment: str
) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError) as raised:
        read_battle_log(path)
    message = str(raised.value)
    assert message.startswith(f"{path} line {line}:") and fragment in message
    assert "\n" not in message


def test_bad_json_names_its_line(tmp_path: Path) -> None:
    lines = tmp_path / "broken.jsonl"
    lines.write_text(
        json.dumps(arena_row("a", "b", "tie")) + "\n\n" + '{"model_a": "a",\n', encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"broken.jsonl line 3: not valid JSON"):
        read_battle_log(lines)
    array = tmp_path / "broken.json"
    array.write_text(
        "[\n" + json.dumps(arena_row("a", "b", "tie")) + ",\n" + '{"model_a" "a"}\n]',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"broken.json line 3: not valid JSON"):
        read_battle_log(array)
    missing_comma = tmp_path / "comma.json"
    missing_comma.write_text(
        "[\n" + json.dumps(arena_row("a", "b", "tie")) + "\n" + json.dumps(FOUR_ROWS[0]) + "]",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"comma.json line 3: expected ',' or ']'"):
        read_battle_log(missing_comma)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("left,right\nm1,m2\n", 1, "the header lacks winner"),
        ("left,right,winner\nm1,m2,left\nm1,m2,middle\n", 3, "'winner'"),
        ("left,right,winner\nm1,m2,left\n,m2,right\n", 3, "'left'"),
        ("left,right,winner\nm1,m2,left\nm2,m2,tie\n", 3, "battles itself"),
    ],
)
def test_each_bad_csv_row_names_its_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_battle_log(path)
    assert str(raised.value).startswith(f"{path} line {line}:")
    assert fragment in str(raised.value)


def test_a_csv_line_number_counts_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text(
        'left,right,winner,category\nm1,m2,left,"two\nlines"\nm1,m2,sideways,x\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"quoted.csv line 4: column 'winner'"):
        read_battle_log(path)


def test_fewer_than_two_models_and_empty_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="holds no battles"):
        read_battle_log(write_jsonl(tmp_path / "empty.jsonl", []))
    with pytest.raises(DataError, match="cannot read"):
        read_battle_log(tmp_path / "absent.jsonl")
    # Each row is valid on its own, but one model cannot be rated.
    path = tmp_path / "one.csv"
    path.write_text("left,right,winner\nm1, m1 ,left\n", encoding="utf-8")
    with pytest.raises(DataError, match="battles itself"):
        read_battle_log(path)


def test_a_bad_row_stores_nothing(tmp_path: Path, store: Store) -> None:
    rows = [*FOUR_ROWS, arena_row("a", "b", "draw")]
    path = write_jsonl(tmp_path / "late_error.jsonl", rows)
    with pytest.raises(DataError, match="line 5"):
        read_battle_log(path)
    assert store.arena().counts().battles == 0
