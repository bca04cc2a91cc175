"""The Ray executor against the local executor: same model, same requests, one run.

Baseline: the local executor, one model with ``--actors`` threads (llama.cpp's
``n_threads``; ``--local-threads`` sets another count). Candidate: the Ray executor on a
local Ray instance with ``--actors`` actors of one thread each, so both use the same
cores. Model loading and actor start-up are excluded from both timings (the start-up is
printed on its own line); no response cache is used, so every request is computed.
Target on a 2-core machine: the Ray run takes at most 1.15 x the local run's time. Both
runs must give identical responses.

On a machine with more cores, ``--actors 8`` measures scaling; the requests are the first
``--limit`` samples of each ``--tasks`` task (built-in generated tasks need no data).

    .venv/bin/python benchmarks/ray_executor.py [--actors 2] [--tasks arithmetic_mc] [--limit 30]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import ray

from evalatlas.models import Model, load_model
from evalatlas.requests import AnyRequest, AnyResponse, LoglikelihoodRequest
from evalatlas.runner.executors import Executor, open_executor
from evalatlas.runner.plan import EvalConfig, plan_tasks
from evalatlas.tasks.registry import resolve_tasks

MODEL = "bundled:smollm2-135m-instruct"
TARGET_RATIO = 1.15
WARM_UP = LoglikelihoodRequest("warm-up", 0, "The sky is", " blue")


def planned_requests(
    model: Model, tasks: str, limit: int, data_dir: Path | None
) -> list[AnyRequest]:
    config = EvalConfig(limit=limit, data_dir=data_dir, use_cache=False)
    planned = plan_tasks(model, resolve_tasks(tasks), config)
    return [r for plan in planned for sample in plan.prepared for r in sample.requests]


def timed(
    executor: Executor, model: Model, requests: list[AnyRequest]
) -> tuple[float, list[AnyResponse]]:
    started = time.perf_counter()
    responses = executor.run(model, requests, None)
    return time.perf_counter() - started, responses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actors", type=int, default=2, help="Ray actors; local threads")
    parser.add_argument("--tasks", default="arithmetic_mc")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--local-threads", type=int, default=None, help="the baseline's threads (default: --actors)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; best of each")
    args = parser.parse_args()
    ray.init(num_cpus=args.actors, include_dashboard=False, log_to_driver=False)
    args.local_threads = args.local_threads or args.actors
    local_model = load_model(f"{MODEL}?n_threads={args.local_threads}")
    ray_model = load_model(f"{MODEL}?n_threads=1")
    requests = planned_requests(local_model, args.tasks, args.limit, args.data_dir)
    local, on_ray = open_executor("local"), open_executor(f"ray?actors={args.actors}")
    try:
        # Not timed: starts the actors (each loads the model) and warms every model up.
        local.run(local_model, [WARM_UP], None)
        started = time.perf_counter()
        on_ray.run(ray_model, [WARM_UP], None)
        start_up = time.perf_counter() - started
        local_times, ray_times = [], []
        for _ in range(args.rounds):
            local_s, local_answers = timed(local, local_model, requests)
            ray_s, ray_answers = timed(on_ray, ray_model, requests)
            local_times.append(local_s)
            ray_times.append(ray_s)
    finally:
        on_ray.close()
        local_model.close()
        ray_model.close()
        ray.shutdown()
    report(args, len(requests), (min(local_times), min(ray_times)), start_up)
    print(f"identical responses: {local_answers == ray_answers}")


def report(args: argparse.Namespace, n: int, seconds: tuple[float, float], start_up: float) -> None:
    local_s, ray_s = seconds
    ratio = ray_s / local_s
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"{n} requests of {args.tasks} (--limit {args.limit}), {MODEL}, best of {args.rounds}")
    print(
        f"local executor, 1 model x {args.local_threads} threads: {local_s:7.2f} s"
        f"  {n / local_s:6.1f} req/s"
    )
    print(
        f"ray executor, {args.actors} actors x 1 thread:  {ray_s:7.2f} s  {n / ray_s:6.1f} req/s"
        f"  (actor start-up {start_up:.1f} s, not counted)"
    )
    print(f"ratio ray/local time: {ratio:.3f} (target <= {TARGET_RATIO}: {verdict})")


if __name__ == "__main__":
    main()
