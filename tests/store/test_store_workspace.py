"""Saving, finding and listing results in a real workspace (SQLite file + Parquet)."""

from __future__ import annotations

import json
import math
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from evalatlas.errors import StoreError
from evalatlas.jsonio import json_ready
from evalatlas.store import MetricRecord, SampleRecord, Store, default_workspace


def canonical(value: Any) -> str:
    """A text form in which NaN equals NaN, so records holding NaN compare."""
    dumped = value.model_dump() if hasattr(value, "model_dump") else value
    return json.dumps(dumped, sort_keys=True, default=str, ensure_ascii=False)


def parquet_files(store: Store) -> list[Path]:
    return sorted(p for p in store.details_dir.rglob("*") if p.is_file())


def count_rows(workspace: Path, table: str) -> int:
    with sqlite3.connect(workspace / "evalatlas.db") as raw:
        return int(raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_round_trip_keeps_nan_metrics_and_unicode_samples(
    store: Store, make_result: Any, samples: list[SampleRecord]
) -> None:
    result = make_result()
    saved = store.save_result(result, samples)

    assert saved.details_path == f"details/SmolLM2-135M-Instruct/arc_easy/{result.run_id}.parquet"
    assert (store.root / saved.details_path).is_file()
    loaded = store.get_result(result.run_id)
    assert canonical(loaded) == canonical(saved)
    assert [m.name for m in loaded.metrics] == ["acc", "acc_norm", "perplexity"]
    acc_norm = loaded.metric("acc_norm")
    assert acc_norm is not None and math.isnan(acc_norm.value) and math.isnan(acc_norm.ci_low)
    perplexity = loaded.metric("perplexity")
    assert perplexity is not None and perplexity.value == math.inf
    assert perplexity.ci_low == -math.inf and perplexity.higher_is_better is False
    assert math.isnan(loaded.usage["cost"]) and loaded.usage["seconds"] == 1.5
    assert loaded.spec == result.spec and loaded.created_at == result.created_at
    assert loaded.samples is None

    back = store.load_samples(result.run_id)
    # Responses are JSON in the detail file: a non-finite log-prob reads back as null.
    written = [s.model_copy(update={"responses": json_ready(s.responses)}) for s in samples]
    assert [canonical(s) for s in back] == [canonical(s) for s in written]
    assert back[0].prompt.startswith("Quelle est la capitale") and "🧪" in back[0].prompt
    assert math.isnan(back[0].score("acc_norm"))
    assert back[1].responses[0]["logprob"] is None


def test_truncation_count_and_window_round_trip(
    store: Store, make_result: Any, samples: list[SampleRecord]
) -> None:
    cut = make_result().model_copy(update={"truncated_samples": 2, "context_length": 2048})
    plain = make_result(minutes=1)
    store.save_result(cut, samples)
    store.save_result(plain, samples)
    loaded = store.get_result(cut.run_id)
    assert (loaded.truncated_samples, loaded.context_length) == (2, 2048)
    loaded_plain = store.get_result(plain.run_id)
    assert (loaded_plain.truncated_samples, loaded_plain.context_length) == (0, None)


def test_find_finished_returns_latest_run_of_that_spec(
    store: Store, make_spec: Any, make_result: Any, samples: list[SampleRecord]
) -> None:
    spec = make_spec()
    assert store.find_finished(spec.spec_hash()) is None

    older = store.save_result(make_result(spec, minutes=1), samples)
    newer = store.save_result(make_result(spec, minutes=5), samples)
    store.save_result(make_result(make_spec(fewshot_seed=7), minutes=9), samples)
    store.record_failure(spec, "ModelError: server went away")

    found = store.find_finished(spec.spec_hash())
    assert found is not None
    assert found.run_id == newer.run_id != older.run_id
    assert [m.name for m in found.metrics] == ["acc", "acc_norm", "perplexity"]


def test_list_results_latest_only_and_filters(
    store: Store, make_spec: Any, make_result: Any, samples: list[SampleRecord]
) -> None:
    arc = make_spec()
    gemma = make_spec(model="gemma-3-270m", reference="gguf:/models/gemma.gguf")
    first = store.save_result(make_result(arc, minutes=1), samples)
    other = store.save_result(make_result(gemma, minutes=2), samples)
    rerun = store.save_result(make_result(arc, minutes=3), samples)
    hella = store.save_result(make_result(make_spec(task="hellaswag"), minutes=4), samples)

    every = [r.run_id for r in store.list_results(latest_only=False)]
    assert every == [first.run_id, other.run_id, rerun.run_id, hella.run_id]
    latest = [r.run_id for r in store.list_results()]
    assert latest == [other.run_id, rerun.run_id, hella.run_id]

    by_name = [r.run_id for r in store.list_results(model="gemma-3-270m")]
    by_reference = [r.run_id for r in store.list_results(model="gguf:/models/gemma.gguf")]
    assert by_name == by_reference == [other.run_id]
    arc_runs = store.list_results(task="arc_easy", latest_only=False)
    assert [r.run_id for r in arc_runs] == [first.run_id, other.run_id, rerun.run_id]
    assert store.list_results(model="SmolLM2-135M-Instruct", task="hellaswag")[0].run_id == (
        hella.run_id
    )
    assert store.list_results(model="no-such-model") == []


def test_get_result_by_unique_prefix(
    store: Store, make_result: Any, samples: list[SampleRecord]
) -> None:
    one = store.save_result(make_result(run_id="abc" + "1" * 29), samples)
    store.save_result(make_result(run_id="abd" + "2" * 29, minutes=1), samples)

    assert store.get_result("abc").run_id == one.run_id
    assert store.get_result("ABC1").run_id == one.run_id
    assert store.load_samples("abc")[0].sample_id == "q-1"
    with pytest.raises(StoreError, match=r"prefix 'ab' matches 2 runs .*give more digits"):
        store.get_result("ab")


def test_unknown_run_id_names_the_closest_ids(
    store: Store, make_result: Any, samples: list[SampleRecord]
) -> None:
    with pytest.raises(StoreError, match="holds no results yet"):
        store.get_result("abc")
    near = store.save_result(make_result(run_id="abc" + "1" * 29), samples)
    far = store.save_result(make_result(run_id="f" * 32, minutes=1), samples)

    with pytest.raises(StoreError) as raised:
        store.get_result("abd")
    message = str(raised.value)
    assert "no run 'abd'" in message and str(store.root / "evalatlas.db") in message
    assert message.index(near.run_id) < message.index(far.run_id)
    assert "\n" not in message
    with pytest.raises(StoreError, match="no run 'not-hex'"):
        store.get_result("not-hex")


def test_failed_run_is_kept_but_never_a_result(
    store: Store, make_spec: Any, workspace: Path
) -> None:
    spec = make_spec()
    run_id = store.record_failure(spec, "ModelError: timed out\nTraceback ...")

    assert store.list_results(latest_only=False) == []
    assert store.find_finished(spec.spec_hash()) is None
    with pytest.raises(StoreError, match=f"run {run_id} is FAILED, not a result: ModelError"):
        store.get_result(run_id[:8])
    failures = store.list_failures()
    assert [(f.run_id, f.spec, f.error) for f in failures] == [
        (run_id, spec, "ModelError: timed out\nTraceback ...")
    ]
    assert failures[0].created_at.tzinfo is not None
    assert count_rows(workspace, "runs") == 1


def test_failure_mid_save_leaves_no_result_and_no_details_file(
    store: Store, make_result: Any, samples: list[SampleRecord], workspace: Path
) -> None:
    twice = [
        MetricRecord(name="acc", value=0.5, stderr=0.1, ci_low=0.3, ci_high=0.7, n=3),
        MetricRecord(name="acc", value=0.6, stderr=0.1, ci_low=0.4, ci_high=0.8, n=3),
    ]
    broken = make_result(metrics=twice)

    with pytest.raises(
        StoreError, match=r"UNIQUE constraint failed: metrics\.run_id, metrics\.name"
    ):
        store.save_result(broken, samples)

    assert store.list_results(latest_only=False) == []
    assert store.find_finished(broken.spec_hash) is None
    assert parquet_files(store) == []
    for table in ("runs", "metrics", "models", "tasks"):
        assert count_rows(workspace, table) == 0, table
    # The store is still usable, and the same run id can now be saved correctly.
    fixed = store.save_result(broken.model_copy(update={"metrics": twice[:1]}), samples)
    assert [p.name for p in parquet_files(store)] == [f"{fixed.run_id}.parquet"]


def test_existing_run_id_is_refused_without_touching_its_details(
    store: Store, make_result: Any, samples: list[SampleRecord]
) -> None:
    saved = store.save_result(make_result(), samples)
    with pytest.raises(StoreError, match=f"run {saved.run_id} already exists"):
        store.save_result(make_result(run_id=saved.run_id, minutes=3), samples[:1])
    assert len(store.load_samples(saved.run_id)) == len(samples)


def test_invalid_results_are_refused_before_anything_is_written(
    store: Store, make_result: Any, make_spec: Any, samples: list[SampleRecord]
) -> None:
    good = make_result()
    naive = good.model_copy(update={"created_at": datetime(2025, 1, 1)})
    wrong_hash = good.model_copy(update={"spec_hash": make_spec(task="other").spec_hash()})
    with pytest.raises(StoreError, match="not 32 lowercase hex digits"):
        store.save_result(good.model_copy(update={"run_id": "../escape"}), samples)
    with pytest.raises(StoreError, match="has no time zone"):
        store.save_result(naive, samples)
    with pytest.raises(StoreError, match="does not match its spec"):
        store.save_result(wrong_hash, samples)
    assert parquet_files(store) == []


def test_second_store_reads_while_another_connection_holds_a_read_snapshot(
    workspace: Path, make_result: Any, samples: list[SampleRecord]
) -> None:
    writer = Store.open(workspace)
    reader = Store.open(workspace)
    raw = sqlite3.connect(workspace / "evalatlas.db", isolation_level=None)
    try:
        raw.execute("BEGIN")
        assert raw.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        # In WAL mode the open read transaction does not block the writer's commit.
        saved = writer.save_result(make_result(), samples)
        assert raw.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        raw.execute("COMMIT")
        assert raw.execute("SELECT count(*) FROM runs").fetchone() == (1,)

        assert [r.run_id for r in reader.list_results()] == [saved.run_id]
        assert reader.get_result(saved.run_id[:6]).spec == saved.spec
        assert len(reader.load_samples(saved.run_id)) == len(samples)
    finally:
        raw.close()
        writer.close()
        reader.close()


def test_missing_and_corrupt_details_files_name_the_path(
    store: Store, make_result: Any, samples: list[SampleRecord]
) -> None:
    saved = store.save_result(make_result(), samples)
    assert saved.details_path is not None
    path = store.root / saved.details_path

    path.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(StoreError, match=f"details file {path} is unreadable"):
        store.load_samples(saved.run_id)
    path.unlink()
    with pytest.raises(StoreError, match=f"details file {path} is missing"):
        store.load_samples(saved.run_id)


def test_closed_store_refuses_use_and_context_manager_closes(workspace: Path) -> None:
    with Store.open(workspace) as store:
        assert store.list_results() == []
    with pytest.raises(StoreError, match="is closed"):
        store.list_results()
    store.close()  # closing twice is harmless


def test_open_url_uses_the_given_database_and_details_directory(
    tmp_path: Path, make_result: Any, samples: list[SampleRecord]
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    with Store.open_url(url, tmp_path / "files" / "details") as store:
        saved = store.save_result(make_result(), samples)
        assert saved.details_path is not None and saved.details_path.startswith("details/")
        assert (tmp_path / "files" / saved.details_path).is_file()
        assert len(store.load_samples(saved.run_id)) == 3
    assert (tmp_path / "elsewhere.db").is_file()
    with pytest.raises(StoreError, match="cannot use database URL"):
        Store.open_url("nosuchdialect://x/y", tmp_path / "details")
    # Unreachable or driverless, a server URL fails as one line that hides the password.
    with pytest.raises(StoreError) as raised:
        Store.open_url("postgresql://atlas:s3cret@127.0.0.1:1/atlas", tmp_path / "details")
    assert "s3cret" not in str(raised.value) and "127.0.0.1:1" in str(raised.value)


def test_default_workspace_honours_evalatlas_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EVALATLAS_HOME", str(tmp_path / "atlas"))
    assert default_workspace() == tmp_path / "atlas"
    monkeypatch.delenv("EVALATLAS_HOME")
    assert default_workspace() == Path.home() / ".evalatlas"


def test_two_writers_and_a_reader_at_once_on_a_fresh_workspace(
    workspace: Path, make_spec: Any, make_result: Any, samples: list[SampleRecord]
) -> None:
    per_writer = 6

    def write(writer: str) -> list[str]:
        with Store.open(workspace) as store:
            return [
                store.save_result(make_result(make_spec(task=f"{writer}-{i}")), samples).run_id
                for i in range(per_writer)
            ]

    def read() -> int:
        with Store.open(workspace) as store:
            return max(len(store.list_results()) for _ in range(20))

    with ThreadPoolExecutor(max_workers=3) as pool:
        writers = [pool.submit(write, name) for name in ("left", "right")]
        reader = pool.submit(read)
        saved = [run_id for future in writers for run_id in future.result()]
        assert 0 <= reader.result() <= 2 * per_writer

    with Store.open(workspace) as store:
        assert sorted(r.run_id for r in store.list_results()) == sorted(saved)
        assert len(parquet_files(store)) == 2 * per_writer


def test_the_spec_hash_of_an_unchanged_spec_stays_as_stored(make_spec: Any) -> None:
    # The value stored results were saved under: a new recorded-only field (such as the
    # scorer) must not change it, or every stored result would be run again.
    spec = make_spec()
    assert spec.spec_hash() == "0a0e3a85d48a66412f268ccc54824ee1f7d4349bfeab45d969e1fa21090ce736"
    scored = spec.model_copy(update={"scorer": {"name": "choice_loglikelihood", "settings": {}}})
    assert scored.spec_hash() == spec.spec_hash()


def test_several_results_are_saved_all_or_nothing(
    store: Store, make_result: Any, make_spec: Any, samples: list[SampleRecord], workspace: Path
) -> None:
    good = make_result()
    twice = [
        MetricRecord(name="acc", value=0.5, stderr=0.1, ci_low=0.3, ci_high=0.7, n=3),
        MetricRecord(name="acc", value=0.6, stderr=0.1, ci_low=0.4, ci_high=0.8, n=3),
    ]
    broken = make_result(spec=make_spec(task="other"), metrics=twice)
    with pytest.raises(StoreError, match="UNIQUE constraint failed"):
        store.save_results([(good, samples), (broken, samples)])
    assert store.list_results(latest_only=False) == []
    assert parquet_files(store) == []
    assert count_rows(workspace, "runs") == 0
    with pytest.raises(StoreError, match="share a run_id"):
        store.save_results([(good, samples), (good, samples)])
    saved = store.save_results([(good, samples), (make_result(minutes=1), samples[:1])])
    assert [len(store.load_samples(r.run_id)) for r in saved] == [len(samples), 1]


def test_an_imported_result_has_its_own_spec_hash(make_spec: Any) -> None:
    spec = make_spec()
    marked = spec.model_copy(update={"imported_from": {"tool": "lm-eval", "source": "ab"}})
    again = spec.model_copy(update={"imported_from": {"tool": "lm-eval", "source": "cd"}})
    assert len({spec.spec_hash(), marked.spec_hash(), again.spec_hash()}) == 3
