"""Importing a Chatbot-Arena-style battle log of 200,000 battles into a fresh workspace.

Log: seeded synthetic rows shaped like the public Chatbot Arena battle log (``model_a``,
``model_b``, ``winner``, ``judge``, ``turn``, ``anony``, ``language``, ``tstamp``,
``question_id``, ``is_code``, ``is_refusal``, ``category_tag`` and ``conv_metadata`` with
token, header, list and bold counts), written as one JSON array with one battle per line.

Measured in one run, each import in its own subprocess (so its peak memory is its own):

- streaming: what ``evalatlas arena import`` does: a checking pass over the file, then a
  second pass storing chunks of battles in one transaction (``import_battle_log``).
- in-memory (the baseline without ``--baseline-src``): ``read_battle_log`` (every battle
  and vote in lists) then one ``ArenaRecords.add_battles`` call, as the import did before
  it streamed.
- with ``--baseline-src DIR``, also the in-memory path of the package source under DIR
  (e.g. an earlier release unpacked by ``git archive REV src | tar -x -C DIR``), which
  then is the baseline of the targets: the in-memory path of this tree shares the
  streaming import's faster per-row work, so it is faster than the import before it was.

Printed: seconds (the median of ``--repeat`` runs, taken in turn), battles/s and peak
resident memory (``ru_maxrss``) of each, and the ratios. Targets: streaming at least as
fast as the baseline (time ratio <= 1.05, a margin for noise), and its peak memory
projected to 1,000,000 battles under 1 GiB (SQLite's page cache at its cap, the rest
above the memory of an interpreter that imports nothing grown linearly).
Exit status is non-zero only with ``--strict`` and a FAIL.

    .venv/bin/python benchmarks/import_speed.py [--battles 200000] [--models 60]
        [--seed 0] [--repeat 1] [--baseline-src DIR/src] [--keep DIR] [--strict] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evalatlas.store.arena import INSERT_CACHE_KIB

TARGET_TIME_RATIO = 1.05
TARGET_BYTES_AT_1M = 1 << 30
WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")
WINNER_WEIGHTS = (0.35, 0.35, 0.18, 0.12)
LANGUAGES = ("English", "Chinese", "Russian", "German", "Spanish", "unknown")


def arena_row(rng: random.Random, models: list[str], index: int) -> dict[str, Any]:
    """One battle as the public log spells it (with its real log's field names)."""
    model_a, model_b = rng.sample(models, 2)

    def side(name: str) -> dict[str, Any]:
        return {
            f"header_count_{name}": {f"h{level}": rng.randint(0, 2) for level in range(1, 7)},
            f"list_count_{name}": {"ordered": rng.randint(0, 9), "unordered": rng.randint(0, 9)},
            f"bold_count_{name}": {"**": rng.randint(0, 6), "__": 0},
        }

    return {
        "question_id": f"{rng.getrandbits(128):032x}",
        "model_a": model_a,
        "model_b": model_b,
        "winner": rng.choices(WINNERS, WINNER_WEIGHTS)[0],
        "judge": f"arena_user_{rng.randint(0, 50_000)}",
        "turn": rng.choice((1, 1, 1, 2, 3)),
        "anony": True,
        "language": rng.choice(LANGUAGES),
        "tstamp": 1_700_000_000.0 + index * 3.7,
        "conv_metadata": {
            "sum_user_tokens": rng.randint(3, 400),
            "sum_assistant_a_tokens": rng.randint(1, 1500),
            "sum_assistant_b_tokens": rng.randint(1, 1500),
            "context_a_tokens": rng.randint(3, 2000),
            "context_b_tokens": rng.randint(3, 2000),
            **side("a"),
            **side("b"),
        },
        "is_code": rng.random() < 0.2,
        "is_refusal": rng.random() < 0.03,
        "dedup_tag": {"high_freq": False, "sampled": True},
        "category_tag": {"criteria_v0.1": {"specificity": rng.random() < 0.5}},
    }


def write_log(path: Path, battles: int, models: int, seed: int) -> None:
    """A JSON array with one battle a line, written row by row (never whole in memory)."""
    rng = random.Random(seed)
    names = [f"model-{number:03d}" for number in range(models)]
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for index in range(battles):
            separator = ",\n" if index + 1 < battles else "\n"
            out.write(json.dumps(arena_row(rng, names, index)) + separator)
        out.write("]\n")


def child(mode: str, log: Path, workspace: Path) -> None:
    """Import ``log`` into ``workspace`` one way; print the numbers as one JSON line."""
    # Imported here, in the child: an earlier source (--baseline-src) has no streaming.
    from evalatlas.arena import importer
    from evalatlas.store import Store

    start = time.perf_counter()
    with Store.open(workspace) as store:
        records = store.arena()
        if mode == "streaming":
            added = importer.import_battle_log(log, records).added
        elif mode == "in-memory":
            imported = importer.read_battle_log(log)
            added, _ = records.add_battles(imported.battles, imported.votes)
            del imported
        else:  # "empty": the interpreter and imports alone, for the memory projection
            added = 0
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_bytes": peak, "added": added}))


def measure(mode: str, log: Path, workdir: Path, source: Path | None = None) -> dict[str, Any]:
    """One import in a fresh interpreter; ``source``: the package source folder to use."""
    workspace = workdir / f"ws-{mode}"
    shutil.rmtree(workspace, ignore_errors=True)
    command = [sys.executable, __file__, "--child", mode, str(log), str(workspace)]
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{mode} import failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    shutil.rmtree(workspace, ignore_errors=True)
    return result


def repeated(
    runs: dict[str, tuple[str, Path | None]], log: Path, workdir: Path, repeat: int
) -> dict[str, dict[str, Any]]:
    """Each run ``repeat`` times, in turn (a slow spell of the machine does not fall on one
    alone); the median time and the largest peak of each."""
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, (mode, source) in runs.items():
            measured[name].append(measure(mode, log, workdir, source))
    return {
        name: {
            "seconds": statistics.median(result["seconds"] for result in results),
            "seconds_all": [result["seconds"] for result in results],
            "peak_bytes": max(result["peak_bytes"] for result in results),
            "added": min(result["added"] for result in results),
        }
        for name, results in measured.items()
    }


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def report(args: argparse.Namespace, workdir: Path) -> tuple[list[str], dict[str, Any], bool]:
    log = workdir / "battles.json"
    started = time.perf_counter()
    write_log(log, args.battles, args.models, args.seed)
    made = time.perf_counter() - started
    empty = measure("empty", log, workdir)
    runs: dict[str, tuple[str, Path | None]] = {
        "streaming": ("streaming", None),
        "in-memory, this tree": ("in-memory", None),
    }
    baseline_name = "in-memory, this tree"
    if args.baseline_src is not None:
        baseline_name = f"in-memory, {args.baseline_src}"
        runs[baseline_name] = ("in-memory", args.baseline_src)
    results = repeated(runs, log, workdir, args.repeat)
    for name, result in results.items():
        if result["added"] != args.battles:
            raise SystemExit(f"{name}: added {result['added']} of {args.battles} battles")
    streaming, baseline = results["streaming"], results[baseline_name]
    time_ratio = streaming["seconds"] / baseline["seconds"]
    # SQLite's page cache is counted at its cap; the rest above the bare interpreter's peak
    # (the duplicate counter, the chunks) is projected linearly to 1M battles.
    cache = INSERT_CACHE_KIB * 1024
    growing = max(0.0, streaming["peak_bytes"] - empty["peak_bytes"] - cache)
    projected = empty["peak_bytes"] + cache + growing * 1_000_000 / args.battles
    mib = 1 << 20
    lines = [
        f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} after",
        f"log: {args.battles:,} battles among {args.models} models, "
        f"{log.stat().st_size / mib:.0f} MiB (JSON array, seed {args.seed}), "
        f"written in {made:.1f} s",
        "",
        f"{'import':<44} {'seconds':>8} {'battles/s':>10} {'peak RSS MiB':>13}",
    ]
    for name, result in results.items():
        label = f"{name} (baseline)" if name == baseline_name else name
        rate = args.battles / result["seconds"]
        lines.append(
            f"{label:<44} {result['seconds']:>8.1f} {rate:>10,.0f} "
            f"{result['peak_bytes'] / mib:>13.0f}"
        )
    lines.append(
        f"{'interpreter and imports only':<44} {'':>8} {'':>10} {empty['peak_bytes'] / mib:>13.0f}"
    )
    for name, result in results.items():
        if name != "streaming":
            lines.append(
                f"streaming / {name}: time {streaming['seconds'] / result['seconds']:.2f}x, "
                f"peak memory {streaming['peak_bytes'] / result['peak_bytes']:.2f}x"
            )
    lines += [
        "",
        f"{'target':<52} {'measured':>12} {'verdict':>8}",
        f"{f'time streaming / baseline <= {TARGET_TIME_RATIO:g}':<52} {time_ratio:>11.2f}x "
        f"{verdict(time_ratio <= TARGET_TIME_RATIO):>8}",
        f"{'streaming peak RSS at 1M battles < 1 GiB (projected)':<52} "
        f"{projected / mib:>8.0f} MiB {verdict(projected < TARGET_BYTES_AT_1M):>8}",
    ]
    numbers = {
        "battles": args.battles,
        "file_bytes": log.stat().st_size,
        "results": results,
        "baseline": baseline_name,
        "empty": empty,
        "time_ratio": time_ratio,
        "projected_peak_bytes_1m": projected,
    }
    passed = time_ratio <= TARGET_TIME_RATIO and projected < TARGET_BYTES_AT_1M
    return lines, numbers, passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=200_000)
    parser.add_argument("--models", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each import (median)")
    parser.add_argument(
        "--baseline-src", type=Path, help="package source folder of the baseline's import"
    )
    parser.add_argument("--keep", type=Path, help="write the log and workspaces here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, log, workspace = args.child
        child(mode, Path(log), Path(workspace))
        return 0
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        lines, numbers, passed = report(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="import-speed-") as folder:
            lines, numbers, passed = report(args, Path(folder))
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2), encoding="utf-8")
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
