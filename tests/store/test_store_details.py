"""Per-sample Parquet details files: layout, column types, atomic writes, errors."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalatlas.errors import StoreError
from evalatlas.store import SampleRecord
from evalatlas.store.details import details_relpath, read_details, slugify, write_details

RUN_ID = "0123456789abcdef0123456789abcdef"


def test_slugs_are_safe_file_names() -> None:
    assert slugify("HuggingFaceTB/SmolLM2-135M-Instruct") == "HuggingFaceTB-SmolLM2-135M-Instruct"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("modèle ünïcode 7B") == "mod-le-n-code-7B"
    assert slugify("///") == "unnamed"
    assert len(slugify("x" * 500)) == 100
    assert details_relpath("org/Model", "mmlu:abstract algebra", RUN_ID) == Path(
        f"org-Model/mmlu-abstract-algebra/{RUN_ID}.parquet"
    )


def test_file_has_typed_columns_and_reads_back(tmp_path: Path, samples: list[SampleRecord]) -> None:
    path = tmp_path / "m" / "t" / f"{RUN_ID}.parquet"
    write_details(path, samples, RUN_ID)

    table = pq.read_table(path)
    assert table.num_rows == 3
    assert table.schema.field("scores").type == pa.map_(pa.string(), pa.float64())
    assert table.schema.field("choices").type == pa.list_(pa.string())
    assert table.schema.metadata[b"evalatlas.run_id"] == RUN_ID.encode()
    assert table.column("sample_id").to_pylist() == ["q-1", "q-2", "q-3"]
    assert sorted(path.parent.iterdir()) == [path]  # no temporary file left behind

    back = read_details(path)
    assert [s.sample_id for s in back] == ["q-1", "q-2", "q-3"]
    assert back[0].metadata == {"subject": "géographie", "difficulty": 2}
    assert back[0].choices == [" Paris", " Lyon", " Zürich"]
    assert math.isnan(back[0].scores["acc_norm"]) and back[2].scores == {"acc": 0.0}
    # Responses are JSON in the file: a non-finite log-prob is written (and read) as null.
    assert back[1].extracted is None and back[1].responses[0]["logprob"] is None


def test_empty_run_writes_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / f"{RUN_ID}.parquet"
    write_details(path, [], RUN_ID)
    assert read_details(path) == []


def test_rewrite_replaces_the_whole_file(tmp_path: Path, samples: list[SampleRecord]) -> None:
    path = tmp_path / f"{RUN_ID}.parquet"
    write_details(path, samples, RUN_ID)
    write_details(path, samples[:1], RUN_ID)
    assert [s.sample_id for s in read_details(path)] == ["q-1"]


def test_unencodable_values_fail_before_any_file_exists(
    tmp_path: Path, samples: list[SampleRecord]
) -> None:
    odd = samples[0].model_copy(update={"metadata": {"when": object()}})
    path = tmp_path / f"{RUN_ID}.parquet"
    with pytest.raises(StoreError, match="sample 'q-1': metadata holds a value JSON cannot"):
        write_details(path, [odd], RUN_ID)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_location_is_a_store_error(tmp_path: Path, samples: list[SampleRecord]) -> None:
    blocker = tmp_path / "model"
    blocker.write_text("a file where a directory should be")
    path = blocker / "task" / f"{RUN_ID}.parquet"
    with pytest.raises(StoreError, match=f"could not write details file {path}"):
        write_details(path, samples, RUN_ID)


def test_parquet_of_another_shape_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / f"{RUN_ID}.parquet"
    pq.write_table(pa.table({"sample_id": ["a"], "other": [1]}), path)
    with pytest.raises(StoreError, match=f"details file {path} is unreadable"):
        read_details(path)
