"""Finding and reading the files of an lm-evaluation-harness run.

lm-eval writes, per model, ``results_<stamp>.json`` and beside it one
``samples_<task>_<stamp>.jsonl`` per task (with ``--log_samples``); ``<stamp>`` is the
same in both names. A path given to the importer is one results file or a folder searched
for them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalatlas.errors import ConfigError, DataError

RESULTS_PREFIX = "results_"
SAMPLES_PREFIX = "samples_"


@dataclass(frozen=True)
class SamplesFile:
    """One task's ``samples_<task>_<stamp>.jsonl``: its lines as JSON objects."""

    path: Path
    task: str
    lines: list[dict[str, Any]]
    sha256: str


@dataclass(frozen=True)
class LmEvalOutput:
    """One ``results_*.json`` and the samples files written with it."""

    results_path: Path
    results: dict[str, Any]
    results_sha256: str
    samples: dict[str, SamplesFile]


def find_results_files(path: Path) -> list[Path]:
    """The results files ``path`` names: itself, or every one found under the folder."""
    if not path.exists():
        raise ConfigError(f"{path} does not exist; give an lm-eval --output_path folder")
    if path.is_file():
        if not (path.name.startswith(RESULTS_PREFIX) and path.suffix == ".json"):
            raise DataError(
                f"{path} is not an lm-eval results file (results_<date>.json); give that "
                "file or the folder that holds it"
            )
        return [path]
    found = sorted(path.rglob(f"{RESULTS_PREFIX}*.json"))
    if not found:
        raise DataError(
            f"no results_*.json under {path}; give the --output_path folder of an lm-eval "
            "run made with --log_samples"
        )
    return found


def read_output(results_path: Path) -> LmEvalOutput:
    """A results file and its samples files, read and checked against each other."""
    raw = _read_bytes(results_path)
    results = _parse_json(raw, results_path)
    if not isinstance(results, dict) or not isinstance(results.get("results"), dict):
        raise DataError(f"{results_path}: no 'results' object; this is not lm-eval results output")
    stamp = results_path.stem.removeprefix(RESULTS_PREFIX)
    samples: dict[str, SamplesFile] = {}
    for candidate in sorted(results_path.parent.glob(f"{SAMPLES_PREFIX}*_{stamp}.jsonl")):
        task = candidate.name.removeprefix(SAMPLES_PREFIX).removesuffix(f"_{stamp}.jsonl")
        if task not in results["results"]:
            raise DataError(
                f"{candidate} is for task {task!r}, which {results_path.name} has no results "
                f"for (it has: {', '.join(sorted(results['results'])) or 'none'}); move it "
                "aside or give the results file it belongs to"
            )
        samples[task] = _read_samples(candidate, task)
    return LmEvalOutput(results_path, results, hashlib.sha256(raw).hexdigest(), samples)


def _read_samples(path: Path, task: str) -> SamplesFile:
    raw = _read_bytes(path)
    lines: list[dict[str, Any]] = []
    for number, text in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not text.strip():
            continue
        line = _parse_json(text.encode("utf-8"), path, line=number)
        if not isinstance(line, dict):
            raise DataError(f"{path}, line {number}: not a JSON object; expected one sample")
        lines.append(line)
    if not lines:
        raise DataError(f"{path} holds no samples; re-run lm-eval with --log_samples")
    return SamplesFile(path, task, lines, hashlib.sha256(raw).hexdigest())


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _parse_json(raw: bytes, path: Path, line: int | None = None) -> Any:
    where = f"{path}, line {line}" if line is not None else str(path)
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{where} is not valid JSON ({exc}); give the file lm-eval wrote, unedited"
        ) from exc
