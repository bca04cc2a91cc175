"""A real lm-evaluation-harness run, made once and cached: the ground truth of the import.

The harness runs in its own virtualenv (the one ``benchmarks/loglik_throughput.py`` uses,
created here when absent) on the dequantised float32 SmolLM2 folder, over the first
``LIMIT`` ARC-Challenge test items of the shared data, through a local task YAML. Its output
folder is cached under a key made of everything that changes it (harness version and pins,
data file, task file, model files, limit), so a second test session reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

LM_EVAL_VERSION = "0.4.13"
# As in benchmarks/loglik_throughput.py: torch pinned, or pip drags in a multi-GB CUDA build.
LM_EVAL_PINS = ("torch==2.13.0", f"lm-eval[hf]=={LM_EVAL_VERSION}", "transformers==5.23.0")
TASK_NAME = "arc_challenge_local"
LIMIT = 10
INSTALL_TIMEOUT_S = 1800
RUN_TIMEOUT_S = 900


def cache_root() -> Path:
    """$EVALATLAS_TEST_CACHE (as for the converted models), else ~/.cache/evalatlas."""
    configured = os.environ.get("EVALATLAS_TEST_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "evalatlas"


def lm_eval_venv() -> Path:
    """The side environment; by default the one benchmarks/loglik_throughput.py uses."""
    if os.environ.get("EVALATLAS_TEST_CACHE"):
        return cache_root() / f"lm-eval-{LM_EVAL_VERSION}"
    return cache_root() / "benchmarks" / f"lm-eval-{LM_EVAL_VERSION}"


def task_yaml(data_file: Path) -> str:
    """lm-eval's own ARC config (prompt, choices, target, metrics) over a local JSONL file."""
    config = {
        "task": TASK_NAME,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(data_file)}},
        "output_type": "multiple_choice",
        "test_split": "test",
        "num_fewshot": 0,
        "doc_to_text": "Question: {{question}}\nAnswer:",
        "doc_to_target": "{{choices.label.index(answerKey)}}",
        "doc_to_choice": "{{choices.text}}",
        "metric_list": [
            {"metric": "acc", "aggregation": "mean", "higher_is_better": True},
            {"metric": "acc_norm", "aggregation": "mean", "higher_is_better": True},
        ],
        "metadata": {"version": 1.0},
    }
    return yaml.safe_dump(config, sort_keys=False)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_key(data_file: Path, model_dir: Path) -> str:
    """Hash of every input of the harness run."""
    model_files = {p.name: _sha256_file(p) for p in sorted(model_dir.iterdir()) if p.is_file()}
    payload = {
        "pins": LM_EVAL_PINS,
        "data": _sha256_file(data_file),
        "task": task_yaml(data_file),
        "model": model_files,
        "limit": LIMIT,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _lm_eval_works(python: Path) -> bool:
    probe = (
        "import importlib.metadata as m, lm_eval.models.huggingface; "
        f"assert m.version('lm_eval') == '{LM_EVAL_VERSION}'"
    )
    if not python.is_file():
        return False
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


def ensure_lm_eval(venv: Path) -> Path:
    """The side virtualenv's python, created and filled with the pinned harness if needed."""
    python = venv / "bin" / "python"
    if _lm_eval_works(python):
        return python
    if not python.is_file():
        base = shutil.which("python3.11") or sys.executable
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    log = venv.parent / f"{venv.name}-install.log"
    with log.open("w", encoding="utf-8") as handle:
        subprocess.run(
            [str(python), "-m", "pip", "install", *LM_EVAL_PINS],
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=INSTALL_TIMEOUT_S,
        )
    if not _lm_eval_works(python):
        pytest.fail(f"could not install lm-eval {LM_EVAL_VERSION} into {venv}; see {log}")
    return python


def build_lm_eval_output(data_file: Path, model_dir: Path) -> Path:
    """The harness's output folder for this data and model (run once, then cached)."""
    folder = cache_root() / "lm-eval-runs" / run_key(data_file, model_dir)
    if (folder / "complete").is_file():
        return folder / "output"
    python = ensure_lm_eval(lm_eval_venv())
    work = folder.with_name(folder.name + f".{os.getpid()}.tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / f"{TASK_NAME}.yaml").write_text(task_yaml(data_file), encoding="utf-8")
    command = [
        *(str(python), "-m", "lm_eval", "--model", "hf"),
        *("--model_args", f"pretrained={model_dir},dtype=float32"),
        *("--tasks", TASK_NAME, "--include_path", str(work)),
        *("--limit", str(LIMIT), "--batch_size", "4", "--device", "cpu"),
        *("--log_samples", "--output_path", str(work / "output")),
    ]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_CACHE": str(work / "datasets-cache"),
    }
    with (work / "lm-eval.log").open("w", encoding="utf-8") as log:
        # Run from the work folder: lm-eval records the git commit of its working directory.
        done = subprocess.run(
            command,
            env=env,
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT_S,
        )
    if done.returncode != 0:
        pytest.fail(f"lm-eval failed (exit {done.returncode}); see {work / 'lm-eval.log'}")
    shutil.rmtree(work / "datasets-cache", ignore_errors=True)
    (work / "complete").write_text("ok\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    work.rename(folder)
    return folder / "output"


@pytest.fixture(scope="session")
def arc_data_file(shared_data: Path) -> Path:
    path = shared_data / "arc" / "ARC-Challenge-test.jsonl"
    if not path.is_file():
        pytest.skip(f"ARC-Challenge data not found at {path}")
    return path


@pytest.fixture(scope="session")
def lm_eval_output(arc_data_file: Path, smollm2_folder: Path) -> Path:
    """A real lm-eval 0.4.13 run (``--log_samples``) of float32 SmolLM2 on ARC items."""
    return build_lm_eval_output(arc_data_file, smollm2_folder)
