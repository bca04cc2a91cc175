"""Published rankings in a real SQLite workspace: stored whole, refused under a taken
name unless replaced, replaced and removed in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalatlas.errors import ConfigError, StoreError
from evalatlas.store import PublishedScore, Store

ROWS = [
    PublishedScore("random", "random", 0.25, 0.2, 0.3, 100),
    PublishedScore("bundled:smollm2-135m-instruct", "smollm2", 0.4),
]


def test_saved_table_reads_back_in_file_order(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        tables = store.published_rankings()
        before = tables.state()
        tables.save("public", "board.csv", ROWS)
        (found,) = tables.all()
        assert (found.name, found.source, found.scores) == ("public", "board.csv", tuple(ROWS))
        assert tables.state() != before


def test_taken_name_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        tables = store.published_rankings()
        tables.save("public", "a.csv", ROWS)
        with pytest.raises(ConfigError, match="already imported; pass --replace"):
            tables.save("public", "b.csv", ROWS[:1])
        assert tables.all()[0].scores == tuple(ROWS)
        tables.save("public", "b.csv", ROWS[:1], replace=True)
        (found,) = tables.all()
        assert (found.source, found.scores) == ("b.csv", tuple(ROWS[:1]))
        assert tables.remove("public") and tables.all() == [] and not tables.remove("public")


def test_a_failed_replace_keeps_the_old_table(tmp_path: Path) -> None:
    """A duplicate model breaks the unique constraint midway: the old table stays whole."""
    with Store.open(tmp_path) as store:
        tables = store.published_rankings()
        tables.save("public", "a.csv", ROWS)
        with pytest.raises(StoreError, match="nothing was changed"):
            tables.save("public", "b.csv", [ROWS[0], ROWS[0]], replace=True)
        (found,) = tables.all()
        assert (found.source, found.scores) == ("a.csv", tuple(ROWS))
