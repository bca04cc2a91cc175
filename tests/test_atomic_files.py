"""Whole-or-nothing writes: the destination is either untouched or complete."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest

from evalatlas.atomic_files import write_atomic, write_text_atomic


def test_text_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_text_atomic(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def half_then_fail(handle: BinaryIO) -> None:
        handle.write(b"new, half")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_missing_folder_is_an_os_error_with_nothing_left(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomic(tmp_path / "absent" / "out.txt", "x")
    assert list(tmp_path.iterdir()) == []
