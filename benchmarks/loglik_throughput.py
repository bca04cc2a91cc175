"""Log-likelihood scoring: EvalAtlas with and without prefix sharing vs lm-evaluation-harness.

Same model (SmolLM2-135M-Instruct dequantised to a float32 transformers folder), same
requests, same machine, one run. The requests are planned by EvalAtlas itself: the first
``--arc`` ARC-Challenge test questions 25-shot and the first ``--mmlu`` test questions of
each ``--mmlu-subjects`` subject 5-shot, from ``--data-dir``. Three harnesses score them:

- (a) EvalAtlas, ``hf:FOLDER`` (prefix sharing on, the default): the candidate.
- (b) EvalAtlas, ``hf:FOLDER?prefix_sharing=0``: every request scored on its own.
- (c) lm-evaluation-harness 0.4.13, ``--model hf``: the named baseline. It runs in its own
  virtualenv (created on first use), offline, on a task whose JSONL holds exactly the
  (context, continuations) EvalAtlas sends, so both score identical text.

Times exclude model loading on every side: (a) and (b) time ``Model.run`` over all requests
(tokenising included); (c) times lm-eval's "Running loglikelihood requests" progress bar,
from its first line to its last, read live from the subprocess (lm-eval's tokenising,
start-up and model load fall outside it). The wall column adds start-up and load.
Targets: (a)/(c) >= 3.0; identical per-sample predictions (a) vs (c); max |Δ log-prob|
(a) vs (b) <= 1e-4; (a) reaches >= 0.5 of this machine's float32 matmul rate.

    .venv/bin/python benchmarks/loglik_throughput.py [--arc 10] [--mmlu 10] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from subprocess import PIPE, STDOUT
from typing import Any

import yaml
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from evalatlas.models import Model, load_model
from evalatlas.requests import LoglikelihoodRequest, LoglikelihoodResult
from evalatlas.runner.plan import EvalConfig, PlannedTask, plan_tasks
from evalatlas.tasks.registry import resolve_tasks

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE = Path.home() / ".cache" / "evalatlas"
DEFAULT_MODEL_DIR = CACHE / "test-models" / "smollm2-135m-instruct-f32"
LM_EVAL_VERSION = "0.4.13"
DEFAULT_VENV = CACHE / "benchmarks" / f"lm-eval-{LM_EVAL_VERSION}"
# torch pinned: an unpinned install drags in a multi-GB CUDA build. The hf extra brings the
# accelerate package lm-eval's hf model imports.
LM_EVAL_PINS = ("torch==2.13.0", f"lm-eval[hf]=={LM_EVAL_VERSION}", "transformers==5.23.0")
DEFAULT_MMLU_SUBJECTS = "abstract_algebra,high_school_geography,world_religions"
BENCH_TASK = "evalatlas_loglik_bench"
TARGET_RATIO = 3.0
TARGET_GAP = 1e-4
TARGET_ROOF = 0.5
# A tqdm refresh: "Running loglikelihood requests:  56%|█████▋    | 9/16 [00:44<00:26, ...".
LM_EVAL_BAR = re.compile(r"Running loglikelihood requests:\s*\d+%.*?\|\s*(\d+)/(\d+) \[")


# --- what is scored ---------------------------------------------------------------------


@dataclass(frozen=True)
class BenchSample:
    """One multiple-choice question exactly as EvalAtlas sends it to a model."""

    task: str
    sample_id: str
    context: str
    continuations: tuple[str, ...]
    gold: int


@dataclass(frozen=True)
class Workload:
    plans: tuple[PlannedTask, ...]
    samples: tuple[BenchSample, ...]

    @property
    def requests(self) -> list[LoglikelihoodRequest]:
        every = (r for plan in self.plans for s in plan.prepared for r in s.requests)
        return [r for r in every if isinstance(r, LoglikelihoodRequest)]


def plan_workload(model: Model, args: argparse.Namespace) -> Workload:
    """ARC-Challenge 25-shot and MMLU 5-shot through EvalAtlas's own planner."""
    subjects = [s.strip() for s in args.mmlu_subjects.split(",") if s.strip()]
    groups = [
        (["arc_challenge"], args.arc, args.arc_shots),
        ([f"mmlu_{s}" for s in subjects], args.mmlu, args.mmlu_shots),
    ]
    plans: list[PlannedTask] = []
    for names, limit, shots in groups:
        if limit > 0 and names:
            config = EvalConfig(limit=limit, num_fewshot=shots, data_dir=args.data_dir)
            plans.extend(plan_tasks(model, resolve_tasks(names), config))
    if not plans:
        sys.exit("nothing to score: give --arc or --mmlu a positive count")
    return Workload(tuple(plans), tuple(bench_samples(plans)))


def bench_samples(plans: Iterable[PlannedTask]) -> Iterator[BenchSample]:
    for plan in plans:
        for prepared in plan.prepared:
            requests = prepared.requests
            target = prepared.sample.target
            if not isinstance(target, int):
                sys.exit(f"{plan.task.name}/{prepared.sample.id}: target {target!r} is no index")
            if not all(isinstance(r, LoglikelihoodRequest) for r in requests):
                sys.exit(f"{plan.task.name}: only multiple-choice tasks can be benchmarked here")
            contexts = {r.context for r in requests if isinstance(r, LoglikelihoodRequest)}
            if len(contexts) != 1:
                sys.exit(f"{plan.task.name}/{prepared.sample.id}: choices with different contexts")
            yield BenchSample(
                plan.task.name,
                prepared.sample.id,
                contexts.pop(),
                tuple(r.continuation for r in requests if isinstance(r, LoglikelihoodRequest)),
                target,
            )


# --- pure helpers (unit-tested) ---------------------------------------------------------


def unique_prefix_tokens(sequences: Iterable[Sequence[int]]) -> int:
    """Nodes of the trie of ``sequences``: every distinct prefix counted once."""
    root: dict[int, Any] = {}
    nodes = 0
    for sequence in sequences:
        node = root
        for token in sequence:
            child = node.get(token)
            if child is None:
                child = node[token] = {}
                nodes += 1
            node = child
    return nodes


def lm_eval_pair(
    encode: Callable[[str], list[int]], context: str, continuation: str
) -> tuple[list[int], list[int]]:
    """(context, continuation) tokens as lm-eval's ``HFLM._encode_pair`` makes them."""
    spaces = len(context) - len(context.rstrip())
    if spaces:
        context, continuation = context[:-spaces], context[-spaces:] + continuation
    whole = encode(context + continuation)
    context_ids = encode(context)
    return context_ids, whole[len(context_ids) :]


def lm_eval_record(sample: BenchSample) -> dict[str, Any]:
    """One JSONL line of the lm-eval task: the full context and the continuations as sent."""
    return {"context": sample.context, "choices": list(sample.continuations), "gold": sample.gold}


def write_lm_eval_task(samples: Sequence[BenchSample], folder: Path) -> Path:
    """Write ``BENCH_TASK``'s data and YAML into ``folder`` (lm-eval's ``--include_path``)."""
    data = folder / f"{BENCH_TASK}.jsonl"
    with data.open("w", encoding="utf-8") as handle:
        for sample in samples:
            handle.write(json.dumps(lm_eval_record(sample), ensure_ascii=False) + "\n")
    task = {
        "task": BENCH_TASK,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(data)}},
        "test_split": "test",
        "output_type": "multiple_choice",
        # Field names, not "{{context}}" templates: lm-eval then passes the values through
        # untouched (the choices would otherwise round-trip through literal_eval).
        "doc_to_text": "context",
        "doc_to_choice": "choices",
        "doc_to_target": "gold",
        "target_delimiter": "",
        "num_fewshot": 0,
        "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}],
    }
    path = folder / f"{BENCH_TASK}.yaml"
    path.write_text(yaml.safe_dump(task, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def safetensors_parameters(folder: Path) -> int:
    """Parameters stored in the folder's safetensors files (tied weights stored once)."""
    total = 0
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        sys.exit(f"{folder}: no .safetensors files to count parameters from")
    for path in files:
        with path.open("rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(size))
        total += sum(math.prod(v["shape"]) for k, v in header.items() if k != "__metadata__")
    return total


def argmax(values: Sequence[float]) -> int:
    """First index of the largest value (numpy's tie rule, as lm-eval uses)."""
    return max(range(len(values)), key=lambda i: (values[i], -i))


# --- measurements -----------------------------------------------------------------------


@dataclass
class Scored:
    label: str
    scoring_s: float  # model load excluded
    wall_s: float  # start-up and model load included
    logprobs: list[list[float]]  # per sample, per choice
    accuracy: float
    note: str = ""

    @property
    def predictions(self) -> list[int]:
        return [argmax(row) for row in self.logprobs]


def make_progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def matmul_rate(size: int, repeats: int) -> float:
    """Best float32 FLOP/s of ``size``-square matrix products on all of torch's threads."""
    import torch

    left, right = torch.randn(size, size), torch.randn(size, size)
    out = torch.empty(size, size)
    for _ in range(2):  # warm-up: thread pool and caches
        torch.mm(left, right, out=out)
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(left, right, out=out)
        best = min(best, time.perf_counter() - started)
    return 2.0 * size**3 / best


def load_timed(reference: str, batch_size: int | None) -> tuple[Model, float]:
    started = time.perf_counter()
    model = load_model(reference, batch_size=batch_size)
    return model, time.perf_counter() - started


def score_evalatlas(
    label: str, model: Model, load_s: float, workload: Workload, console: Console
) -> Scored:
    """Time ``Model.run`` over every planned request; accuracy by the tasks' own scoring."""
    requests = workload.requests
    with make_progress(console) as progress:
        bar = progress.add_task(f"{label}: scoring", total=len(requests))
        started = time.perf_counter()
        answers = model.run(requests, progress=lambda n: progress.advance(bar, n))
        elapsed = time.perf_counter() - started
    results = [a for a in answers if isinstance(a, LoglikelihoodResult)]
    if len(results) != len(requests):
        sys.exit(f"{label}: expected {len(requests)} log-likelihoods, got {len(results)}")
    logprobs: list[list[float]] = []
    correct: list[float] = []
    position = 0
    for plan in workload.plans:
        for prepared in plan.prepared:
            count = len(prepared.requests)
            mine = results[position : position + count]
            position += count
            logprobs.append([r.logprob for r in mine])
            correct.append(plan.task.score(prepared, mine).scores["acc"])
    sharing = model.info.metadata.get("prefix_sharing", "n/a")
    accuracy = sum(correct) / len(correct)
    return Scored(label, elapsed, load_s + elapsed, logprobs, accuracy, f"prefix sharing {sharing}")


def count_tokens(model_dir: Path, samples: Sequence[BenchSample]) -> tuple[int, int]:
    """(tokens of all requests, distinct prefix-tree tokens), tokenised as lm-eval does."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))

    def encode(text: str) -> list[int]:
        return list(tokenizer.encode(text))

    sequences: list[list[int]] = []
    for sample in samples:
        for continuation in sample.continuations:
            context_ids, continuation_ids = lm_eval_pair(encode, sample.context, continuation)
            sequences.append(context_ids + continuation_ids)
    return sum(len(s) for s in sequences), unique_prefix_tokens(sequences)


# --- lm-evaluation-harness --------------------------------------------------------------


def lm_eval_works(python: Path) -> bool:
    probe = (
        "import importlib.metadata as m, lm_eval.models.huggingface; "
        f"assert m.version('lm_eval') == '{LM_EVAL_VERSION}'"
    )
    if not python.is_file():
        return False
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


def ensure_lm_eval(venv: Path, console: Console) -> Path:
    """The venv's python, after creating the venv and installing the pinned packages if needed."""
    python = venv / "bin" / "python"
    if lm_eval_works(python):
        return python
    if not python.is_file():
        base = shutil.which("python3.11")
        if base is None:
            sys.exit("python3.11 not found: needed to create the lm-eval virtualenv")
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    log = venv.parent / f"{venv.name}-install.log"
    command = [str(python), "-m", "pip", "install", *LM_EVAL_PINS]
    status = console.status(f"installing {' '.join(LM_EVAL_PINS)} into {venv} (log: {log})")
    with status, log.open("w", encoding="utf-8") as handle:
        done = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT)
    if done.returncode != 0 or not lm_eval_works(python):
        sys.exit(f"could not install lm-eval {LM_EVAL_VERSION} into {venv}; see {log}")
    return python


@dataclass
class LmEvalRun:
    wall_s: float
    scoring_s: float
    output_dir: Path


def run_lm_eval(
    python: Path, model_dir: Path, work: Path, batch_size: int, console: Console
) -> LmEvalRun:
    """Run lm-eval on ``BENCH_TASK`` in ``work``; time its scoring bar from its output."""
    out = work / "lm-eval-output"
    command = [
        *(str(python), "-m", "lm_eval", "--model", "hf"),
        *("--model_args", f"pretrained={model_dir},dtype=float32"),
        *("--tasks", BENCH_TASK, "--include_path", str(work)),
        *("--batch_size", str(batch_size), "--device", "cpu"),
        *("--log_samples", "--output_path", str(out)),
    ]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_CACHE": str(work / "datasets-cache"),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = work / "lm-eval.log"
    with make_progress(console) as progress, log_path.open("w", encoding="utf-8") as log:
        bar = progress.add_task("(c) lm-eval: start-up and model load", total=None)
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=PIPE, stderr=STDOUT)
        first, last = _follow_bar(process, log, lambda n, t: _show(progress, bar, n, t))
        code = process.wait()
        wall = time.perf_counter() - started
    if code != 0 or first is None or last is None:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"lm-eval failed (exit {code}); full log {log_path}; its end:\n{tail}")
    return LmEvalRun(wall, last - first, out)


def _show(progress: Progress, bar: TaskID, done: int, total: int) -> None:
    progress.update(bar, description="(c) lm-eval: scoring", completed=done, total=total)


def _follow_bar(
    process: subprocess.Popen[bytes], log: Any, report: Callable[[int, int], None]
) -> tuple[float | None, float | None]:
    """Copy the output to ``log``; return when the scoring bar first and finally showed.

    tqdm ends a refresh with no newline (the next one starts with a carriage return), so
    the unfinished tail of each read is searched too: the bar counts from when it appears.
    """
    first: float | None = None
    last: float | None = None
    pending = ""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    while chunk := os.read(fd, 65536):
        now = time.perf_counter()
        pieces = re.split(r"[\r\n]", pending + chunk.decode("utf-8", errors="replace"))
        for piece in pieces:
            match = LM_EVAL_BAR.search(piece)
            if match is None:
                continue
            done, total = int(match.group(1)), int(match.group(2))
            first = now if first is None else first
            if done == total and last is None:
                last = now
            report(done, total)
        pending = pieces.pop()
        log.writelines(piece + "\n" for piece in pieces)
    log.write(pending)
    return first, last


def logged_pairs(arguments: Any) -> list[tuple[str, str]]:
    """(context, continuation) pairs from a samples record's ``arguments``.

    lm-eval 0.4.13 logs ``{"gen_args_0": {"arg_0": context, "arg_1": continuation}, ...}``;
    older releases logged a list of ``[context, continuation]``.
    """
    if isinstance(arguments, dict):
        ordered = sorted(arguments.items(), key=lambda item: int(item[0].rsplit("_", 1)[-1]))
        return [(str(a["arg_0"]), str(a["arg_1"])) for _, a in ordered]
    return [(str(a[0]), str(a[1])) for a in arguments]


def read_lm_eval_samples(output_dir: Path, samples: Sequence[BenchSample]) -> Scored:
    """Log-probs and acc per sample from lm-eval's ``samples_*.jsonl``, in our sample order."""
    files = sorted(output_dir.rglob(f"samples_{BENCH_TASK}_*.jsonl"))
    if not files:
        sys.exit(f"lm-eval wrote no samples_{BENCH_TASK}_*.jsonl under {output_dir}")
    records = [json.loads(line) for line in files[-1].read_text(encoding="utf-8").splitlines()]
    by_doc = {int(r["doc_id"]): r for r in records}
    if sorted(by_doc) != list(range(len(samples))):
        sys.exit(f"lm-eval logged {len(by_doc)} samples, expected {len(samples)}")
    logprobs: list[list[float]] = []
    mismatched = 0
    for number, sample in enumerate(samples):
        record = by_doc[number]
        logprobs.append([float(r[0]) for r in record["filtered_resps"]])
        sent = [(sample.context, c) for c in sample.continuations]
        if logged_pairs(record["arguments"]) != sent:
            mismatched += 1
    accuracy = sum(float(by_doc[i]["acc"]) for i in range(len(samples))) / len(samples)
    note = (
        "requests identical to EvalAtlas's"
        if not mismatched
        else f"REQUESTS DIFFER from EvalAtlas's for {mismatched} samples"
    )
    return Scored("(c)", 0.0, 0.0, logprobs, accuracy, note)


# --- report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    samples: int
    requests: int
    tokens: int  # context + continuation tokens of every request, as lm-eval tokenises them
    tree_tokens: int  # distinct nodes of the prefix tree of all requests
    parameters: int
    roof_flops: float  # best float32 matmul FLOP/s of this machine


def max_gap(left: Scored, right: Scored) -> float:
    """Largest |Δ log-prob| over every (sample, choice)."""
    return max(
        abs(x - y)
        for row_left, row_right in zip(left.logprobs, right.logprobs, strict=True)
        for x, y in zip(row_left, row_right, strict=True)
    )


def build_report(runs: dict[str, Scored], totals: Totals, setup: dict[str, Any]) -> dict[str, Any]:
    a, b, c = runs["a"], runs["b"], runs["c"]
    differing = sum(x != y for x, y in zip(a.predictions, c.predictions, strict=True))
    achieved = 2.0 * totals.parameters * totals.tree_tokens / a.scoring_s
    comparison = {
        "ratio_a_over_c": c.scoring_s / a.scoring_s,
        "ratio_b_over_c": c.scoring_s / b.scoring_s,
        "ratio_a_over_b": b.scoring_s / a.scoring_s,
        "prediction_differences_a_vs_c": differing,
        "accuracy_identical_a_c": a.accuracy == c.accuracy,
        "max_abs_logprob_gap_a_vs_b": max_gap(a, b),
        "max_abs_logprob_gap_a_vs_c": max_gap(a, c),
    }
    roof = {
        "matmul_flops_per_s": totals.roof_flops,
        "flops_per_token": 2 * totals.parameters,
        "achieved_flops_per_s_a": achieved,
        "fraction_a": achieved / totals.roof_flops,
    }
    verdicts = {
        "ratio_a_over_c": comparison["ratio_a_over_c"] >= TARGET_RATIO,
        "identical_predictions_a_c": differing == 0 and a.accuracy == c.accuracy,
        "logprob_gap_a_vs_b": comparison["max_abs_logprob_gap_a_vs_b"] <= TARGET_GAP,
        "roof_fraction_a": roof["fraction_a"] >= TARGET_ROOF,
    }
    return {
        "setup": setup,
        "totals": asdict(totals),
        "runs": {key: run_numbers(run, totals) for key, run in runs.items()},
        "comparison": comparison,
        "roof": roof,
        "verdicts": verdicts,
    }


def run_numbers(run: Scored, totals: Totals) -> dict[str, Any]:
    return {
        "label": run.label,
        "scoring_s": run.scoring_s,
        "wall_s": run.wall_s,
        "samples_per_s": totals.samples / run.scoring_s,
        "tokens_per_s": totals.tokens / run.scoring_s,
        "accuracy": run.accuracy,
        "note": run.note,
    }


def print_report(console: Console, report: dict[str, Any]) -> None:
    totals, runs = report["totals"], report["runs"]
    table = Table(
        title=f"log-likelihood scoring: {totals['samples']} questions, "
        f"{totals['requests']} requests, {totals['tokens']} tokens"
    )
    for column in ("run", "scoring s", "samples/s", "tokens/s", "wall s", "acc", "note"):
        table.add_column(column, justify="left" if column in ("run", "note") else "right")
    for run in runs.values():
        table.add_row(
            run["label"],
            f"{run['scoring_s']:.1f}",
            f"{run['samples_per_s']:.3f}",
            f"{run['tokens_per_s']:.0f}",
            f"{run['wall_s']:.1f}",
            f"{run['accuracy']:.4f}",
            run["note"],
        )
    console.print(table)
    say = console.print
    say(
        "scoring s: model load excluded; (a), (b) time Model.run over all requests (tokenising "
        "included), (c) lm-eval's 'Running loglikelihood requests' bar (its tokenising "
        "excluded). wall s adds start-up and model load.",
        highlight=False,
    )
    say(
        f"tokens: context + continuation tokens of every request as lm-eval tokenises them "
        f"({totals['tokens']}); tokens/s divides that same count by each run's scoring time.",
        highlight=False,
    )
    print_comparison(console, report)


def print_comparison(console: Console, report: dict[str, Any]) -> None:
    comparison, roof, totals = report["comparison"], report["roof"], report["totals"]
    lines = [
        f"ratio (a)/(c) = {comparison['ratio_a_over_c']:.2f} (named baseline: lm-eval); "
        f"(b)/(c) = {comparison['ratio_b_over_c']:.2f}; "
        f"(a)/(b) = {comparison['ratio_a_over_b']:.2f}",
        f"argmax predictions differing (a) vs (c): {comparison['prediction_differences_a_vs_c']}"
        f" of {totals['samples']}",
        f"max |Δ log-prob| (a) vs (b): {comparison['max_abs_logprob_gap_a_vs_b']:.3g} nats; "
        f"(a) vs (c): {comparison['max_abs_logprob_gap_a_vs_c']:.3g} nats",
        f"float32 matmul roof: {roof['matmul_flops_per_s'] / 1e9:.1f} GFLOP/s "
        f"({report['setup']['roof_method']})",
        f"tokens that must be scored: {totals['tree_tokens']} = distinct nodes of the prefix "
        "tree of all requests' context + continuation tokens (a prefix shared with an earlier "
        "request counted once, every continuation token counted)",
        f"(a): 2 x {totals['parameters']} parameters x {totals['tree_tokens']} tokens / "
        f"{report['runs']['a']['scoring_s']:.1f} s = "
        f"{roof['achieved_flops_per_s_a'] / 1e9:.1f} GFLOP/s "
        f"= {roof['fraction_a']:.3f} of the roof",
    ]
    for line in lines:
        console.print(line, highlight=False)
    verdicts = report["verdicts"]
    targets = {
        "ratio_a_over_c": f"(a)/(c) throughput ratio >= {TARGET_RATIO}",
        "identical_predictions_a_c": "identical accuracy and per-sample predictions (a) vs (c)",
        "logprob_gap_a_vs_b": f"max |Δ log-prob| (a) vs (b) <= {TARGET_GAP:g}",
        "roof_fraction_a": f"(a) reaches >= {TARGET_ROOF} of the matmul roof",
    }
    for key, text in targets.items():
        console.print(f"{'PASS' if verdicts[key] else 'FAIL'}  {text}", highlight=False)


# --- main -------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--arc", type=int, default=10, help="ARC-Challenge test questions")
    parser.add_argument("--arc-shots", type=int, default=25)
    parser.add_argument("--mmlu", type=int, default=10, help="MMLU test questions per subject")
    parser.add_argument("--mmlu-shots", type=int, default=5)
    parser.add_argument("--mmlu-subjects", default=DEFAULT_MMLU_SUBJECTS)
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="EvalAtlas requests per batch (default: the backend's preference, as the CLI)",
    )
    parser.add_argument("--lm-eval-batch-size", type=int, default=8)
    parser.add_argument("--lm-eval-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--roof-size", type=int, default=2048, help="matmul side for the roof")
    parser.add_argument("--work-dir", type=Path, help="keep lm-eval's task, log and output here")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    return parser.parse_args()


def check_data(data_dir: Path) -> None:
    needed = (data_dir / "arc" / "ARC-Challenge-test.jsonl", data_dir / "mmlu" / "test")
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        sys.exit(
            f"benchmark data not found (missing: {', '.join(missing)}); pass --data-dir "
            "pointing at the shared data folder that holds arc/ and mmlu/"
        )


def ensure_model_folder(model_dir: Path, console: Console) -> Path:
    from evalatlas.models.backends.hf_convert import dequantise_gguf_to_folder
    from evalatlas.models.catalog import bundled_gguf_path

    with console.status(f"float32 SmolLM2 folder at {model_dir} (converted once)"):
        return dequantise_gguf_to_folder(bundled_gguf_path("smollm2-135m-instruct"), model_dir)


def measure_all(args: argparse.Namespace, console: Console, python: Path) -> dict[str, Any]:
    import torch

    model_dir = args.model_dir
    roof = matmul_rate(args.roof_size, 10)
    model, load_s = load_timed(f"hf:{model_dir}", args.batch_size)
    workload = plan_workload(model, args)
    requests = workload.requests
    console.print(f"planned {len(workload.samples)} questions, {len(requests)} requests")
    runs = {"a": score_evalatlas("(a) evalatlas", model, load_s, workload, console)}
    model.close()
    model, load_s = load_timed(f"hf:{model_dir}?prefix_sharing=0", args.batch_size)
    runs["b"] = score_evalatlas("(b) evalatlas naive", model, load_s, workload, console)
    model.close()
    runs["c"] = score_lm_eval(args, console, python, workload)
    roof = max(roof, matmul_rate(args.roof_size, 10))  # best of the start and the end
    tokens, tree_tokens = count_tokens(model_dir, workload.samples)
    totals = Totals(
        len(workload.samples),
        len(requests),
        tokens,
        tree_tokens,
        safetensors_parameters(model_dir),
        roof,
    )
    setup = {
        "arc": args.arc,
        "arc_shots": args.arc_shots,
        "mmlu_per_subject": args.mmlu,
        "mmlu_shots": args.mmlu_shots,
        "mmlu_subjects": args.mmlu_subjects,
        "model_dir": str(model_dir),
        "batch_size": args.batch_size,
        "lm_eval_batch_size": args.lm_eval_batch_size,
        "lm_eval_version": LM_EVAL_VERSION,
        "torch_threads": torch.get_num_threads(),
        "roof_method": f"torch.mm {args.roof_size}x{args.roof_size}, {torch.get_num_threads()} "
        "threads, best of 10 at the start and 10 at the end",
    }
    return build_report(runs, totals, setup)


def score_lm_eval(
    args: argparse.Namespace, console: Console, python: Path, workload: Workload
) -> Scored:
    with tempfile.TemporaryDirectory(prefix="loglik-bench-") as scratch:
        work = args.work_dir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        write_lm_eval_task(workload.samples, work)
        run = run_lm_eval(python, args.model_dir, work, args.lm_eval_batch_size, console)
        scored = read_lm_eval_samples(run.output_dir, workload.samples)
    scored.label = "(c) lm-eval"
    scored.scoring_s, scored.wall_s = run.scoring_s, run.wall_s
    return scored


def main() -> None:
    args = parse_args()
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 132))
    check_data(args.data_dir)
    args.model_dir = ensure_model_folder(args.model_dir.expanduser(), console)
    python = ensure_lm_eval(args.lm_eval_venv.expanduser(), console)
    report = measure_all(args, console, python)
    print_report(console, report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        console.print(f"numbers written to {args.json}", highlight=False)


if __name__ == "__main__":
    main()
