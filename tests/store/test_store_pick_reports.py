"""Pick reports kept whole in a real SQLite workspace, found by id prefix, newest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalatlas.errors import StoreError
from evalatlas.store.workspace import Store


def test_reports_are_read_back_as_written(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        reports = store.pick_reports()
        first = reports.save("a" * 64, "pick-aaaaaaaaaaaa", {"recommendation": None, "n": 1})
        second = reports.save("b" * 64, "pick-bbbbbbbbbbbb", {"candidates": [{"name": "x"}]})
        assert [r.report_id for r in reports.newest_first()] == [
            second.report_id,
            first.report_id,
        ]
        found = reports.get(first.report_id[:10])
        assert found.report == {"recommendation": None, "n": 1}
        assert found.examples_sha256 == "a" * 64 and found.task == "pick-aaaaaaaaaaaa"
    with Store.open(tmp_path) as reopened:
        assert reopened.pick_reports().get(second.report_id).report["candidates"] == [{"name": "x"}]
        with pytest.raises(StoreError, match="no pick report has id 'ffff'"):
            reopened.pick_reports().get("ffff")
