"""Real lm-evaluation-harness runs, made once and cached: the ground truth of the import.

The harness runs in its own virtualenv (the one ``benchmarks/loglik_throughput.py`` uses,
created here when absent) on the dequantised float32 SmolLM2 folder, over the first items
of the shared data through a local task YAML: ARC-Challenge (multiple choice, 0-shot) and
GSM8K (generation, 2-shot, two answer filters). Each output folder is cached under a key
made of everything that changes it (harness version and pins, data files, task file, model
files, limit), so a later test session reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

LM_EVAL_VERSION = "0.4.13"
# As in benchmarks/loglik_throughput.py: torch pinned, or pip drags in a multi-GB CUDA build.
LM_EVAL_PINS = ("torch==2.13.0", f"lm-eval[hf]=={LM_EVAL_VERSION}", "transformers==5.23.0")
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


@dataclass(frozen=True)
class HarnessTask:
    """A task YAML for lm-eval's --include_path, over local data files, and its --limit."""

    name: str
    config: dict[str, Any]
    data_files: dict[str, Path]
    limit: int

    def yaml_text(self) -> str:
        data = {split: str(path) for split, path in self.data_files.items()}
        config = {"task": self.name, "dataset_path": "json", **self.config}
        config["dataset_kwargs"] = {"data_files": data}
        return yaml.safe_dump(config, sort_keys=False)


def arc_task(data_file: Path) -> HarnessTask:
    """lm-eval's own ARC config (prompt, choices, target, metrics), 0-shot, 10 items."""
    config = {
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
    return HarnessTask("arc_challenge_local", config, {"test": data_file}, limit=10)


def gsm8k_task(test_file: Path, train_file: Path) -> HarnessTask:
    """lm-eval's own GSM8K config (two answer filters), 2-shot from the train split, with
    generations cut at 48 tokens to stay quick on a CPU: 3 items."""
    config = {
        "output_type": "generate_until",
        "training_split": "train",
        "fewshot_split": "train",
        "test_split": "test",
        "num_fewshot": 2,
        "doc_to_text": "Question: {{question}}\nAnswer:",
        "doc_to_target": "{{answer}}",
        "metric_list": [
            {
                "metric": "exact_match",
                "aggregation": "mean",
                "higher_is_better": True,
                "ignore_case": True,
                "ignore_punctuation": False,
                "regexes_to_ignore": [",", "\\$", "(?s).*#### ", "\\.$"],
            }
        ],
        "generation_kwargs": {
            "until": ["Question:", "</s>", "<|im_end|>"],
            "do_sample": False,
            "temperature": 0.0,
            "max_gen_toks": 48,
        },
        "filter_list": [
            {
                "name": "strict-match",
                "filter": [
                    {"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"},
                    {"function": "take_first"},
                ],
            },
            {
                "name": "flexible-extract",
                "filter": [
                    {
                        "function": "regex",
                        "group_select": -1,
                        "regex_pattern": "(-?[$0-9.,]{2,})|(-?[0-9]+)",
                    },
                    {"function": "take_first"},
                ],
            },
        ],
        "metadata": {"version": 3.0},
    }
    files = {"train": train_file, "test": test_file}
    return HarnessTask("gsm8k_local", config, files, limit=3)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_key(task: HarnessTask, model_dir: Path) -> str:
    """Hash of every input of the harness run."""
    model_files = {p.name: _sha256_file(p) for p in sorted(model_dir.iterdir()) if p.is_file()}
    payload = {
        "pins": LM_EVAL_PINS,
        "data": {split: _sha256_file(path) for split, path in task.data_files.items()},
        "task": task.yaml_text(),
        "model": model_files,
        "limit": task.limit,
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


def build_lm_eval_output(task: HarnessTask, model_dir: Path) -> Path:
    """The harness's output folder for this task and model (run once, then cached)."""
    folder = cache_root() / "lm-eval-runs" / run_key(task, model_dir)
    if (folder / "complete").is_file():
        return folder / "output"
    python = ensure_lm_eval(lm_eval_venv())
    work = folder.with_name(folder.name + f".{os.getpid()}.tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / f"{task.name}.yaml").write_text(task.yaml_text(), encoding="utf-8")
    command = [
        *(str(python), "-m", "lm_eval", "--model", "hf"),
        *("--model_args", f"pretrained={model_dir},dtype=float32"),
        *("--tasks", task.name, "--include_path", str(work)),
        *("--limit", str(task.limit), "--batch_size", "4", "--device", "cpu"),
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


def _data_file(shared_data: Path, relative: str) -> Path:
    path = shared_data / relative
    if not path.is_file():
        pytest.skip(
            f"{relative} is absent from the shared benchmark data ({shared_data}): "
            "the lm-eval run needs it"
        )
    return path


@pytest.fixture(scope="session")
def lm_eval_output(shared_data: Path, smollm2_folder: Path) -> Path:
    """A real lm-eval 0.4.13 run (``--log_samples``) of float32 SmolLM2 on 10 ARC items."""
    task = arc_task(_data_file(shared_data, "arc/ARC-Challenge-test.jsonl"))
    return build_lm_eval_output(task, smollm2_folder)


@pytest.fixture(scope="session")
def lm_eval_gsm8k_output(shared_data: Path, smollm2_folder: Path) -> Path:
    """A real lm-eval 0.4.13 generation run: 2-shot GSM8K, two filters, 3 items."""
    test = _data_file(shared_data, "gsm8k/test.jsonl")
    task = gsm8k_task(test, _data_file(shared_data, "gsm8k/train.jsonl"))
    return build_lm_eval_output(task, smollm2_folder)
