"""The migration that records each run's protocol backfills the runs stored before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, text

from evalatlas.store import Store
from evalatlas.store.engine import make_engine
from evalatlas.store.migrations import MIGRATIONS, migrate, record_run_protocols
from evalatlas.store.protocol import Protocol

BEFORE_PROTOCOLS = MIGRATIONS.index(record_run_protocols)  # the version just before it


def test_runs_stored_before_protocols_were_recorded_are_backfilled(
    workspace: Path, make_spec: Any
) -> None:
    workspace.mkdir()
    engine = make_engine(URL.create("sqlite", database=str(workspace / "evalatlas.db")))
    assert migrate(engine, target=BEFORE_PROTOCOLS)[-1] == BEFORE_PROTOCOLS
    limited = make_spec()  # --limit 3, and 3 samples evaluated: a subset
    full = limited.model_copy(update={"limit": None, "num_fewshot": 0})
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO models (id, reference, name, fingerprint, backend, metadata) "
                "VALUES (1, :reference, 'old-model', :fingerprint, 'llamacpp', '{}')"
            ),
            {"reference": limited.model_reference, "fingerprint": limited.model_fingerprint},
        )
        conn.execute(
            text(
                "INSERT INTO tasks (id, name, version, task_hash) "
                "VALUES (1, 'arc_easy', '1.0', :hash)"
            ),
            {"hash": limited.task_hash},
        )
        for run_id, spec, n_samples in (("a" * 32, limited, 3), ("b" * 32, full, 40)):
            conn.execute(
                text(
                    "INSERT INTO runs (run_id, spec_hash, spec, model_id, task_id, status, "
                    "created_at, finished_at, n_samples, usage) VALUES (:run_id, :spec_hash, "
                    ":spec, 1, 1, 'FINISHED', '2025-03-01 12:00:00.000000', "
                    "'2025-03-01 12:00:01.000000', :n, '{}')"
                ),
                {
                    "run_id": run_id,
                    "spec_hash": spec.spec_hash(),
                    "spec": spec.model_dump_json(),
                    "n": n_samples,
                },
            )
    engine.dispose()

    with Store.open(workspace) as store:
        stored = {run.run_id: run for run in store.latest_runs()}
        derived = store.protocols_of(stored)
    old_limited, old_full = stored["a" * 32], stored["b" * 32]
    assert old_limited.protocol_hash == Protocol.of(limited, 3).protocol_hash()
    assert old_full.protocol_hash == Protocol.of(full, 40).protocol_hash()
    assert old_limited.protocol_hash != old_full.protocol_hash
    assert (old_limited.is_full_split, old_full.is_full_split) == (False, True)
    assert derived["a" * 32].label() == "5-shot · first 3"
    assert derived["b" * 32].label() == "0-shot · full"
