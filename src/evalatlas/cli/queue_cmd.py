"""``evalatlas submit``, ``evalatlas queue`` and ``evalatlas worker``: the submission queue
from the command line (the same checks as the web form's).

``submit`` applies the same allow-list as the web form: a queued submission does not
record who typed it, and the worker checks every one again with its own allow-list. An
operator evaluates a file outside the model roots with ``evalatlas eval``, or names its
folder with ``--allow-model-root`` on ``submit`` and on ``worker``.
"""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from evalatlas.cli.display import make_console
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError
from evalatlas.queue import (
    QueueLimits,
    WorkerOptions,
    check_submission,
    run_worker,
    submission_request,
)
from evalatlas.queue.sandbox import MEMORY_VARIABLE, TIME_VARIABLE, SandboxLimits
from evalatlas.queue.validation import parse_size
from evalatlas.store import Submission, SubmissionStatus

AllowModelRoots = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-model-root",
        help="Folder whose model files (after symlinks) submissions may name; repeatable. "
        "Adds to $EVALATLAS_ALLOW_MODEL_ROOTS. Default: none (bundled models and random only).",
    ),
]
AllowHubs = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-hub",
        help="Hub id or pattern (org/*) submissions may name; repeatable. Adds to "
        "$EVALATLAS_ALLOW_HUB. Default: every hub id.",
    ),
]
AllowEndpoints = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-endpoint",
        help="HOST[:PORT] (name, address or network such as 10.0.0.0/8) an openai: endpoint "
        "may use besides public addresses; repeatable. Adds to $EVALATLAS_ALLOW_ENDPOINTS.",
    ),
]


def queue_limits(
    roots: list[Path] | None, hubs: list[str] | None, endpoints: list[str] | None
) -> QueueLimits:
    """The environment's limits and allow-list, with the options' entries added."""
    limits = QueueLimits.from_environment()
    allow = limits.allow.extended(roots or [], hubs or [], endpoints or [])
    return QueueLimits(max_model_bytes=limits.max_model_bytes, allow=allow)


def submit_command(
    model: Annotated[
        str, typer.Option("--model", "-m", help="Model reference, e.g. llamacpp:/models/x.gguf.")
    ],
    tasks: Annotated[
        str, typer.Option("--tasks", "-t", help="Comma-separated task or group names, or a suite.")
    ],
    limit: Annotated[
        int | None, typer.Option(min=1, help="Evaluate only the first N samples of each task.")
    ] = None,
    num_fewshot: Annotated[
        int | None, typer.Option(min=0, help="Few-shot examples per prompt (default: the task's).")
    ] = None,
    apply_chat_template: Annotated[
        bool,
        typer.Option("--apply-chat-template", help="Wrap prompts in the model's chat template."),
    ] = False,
    requested_by: Annotated[
        str, typer.Option(help="Who asks for the evaluation (shown on the queue).")
    ] = "cli",
    allow_model_root: AllowModelRoots = None,
    allow_hub: AllowHubs = None,
    allow_endpoint: AllowEndpoints = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Check a model reference and tasks, then queue their evaluation for a worker."""
    options = {"limit": limit, "num_fewshot": num_fewshot}
    request = submission_request(
        model, tasks, options | {"apply_chat_template": apply_chat_template}, requested_by
    )
    limits = queue_limits(allow_model_root, allow_hub, allow_endpoint)
    notes = check_submission(request, limits)
    with open_store(workspace) as store:
        queued = store.submissions().submit(request, notes)
    console = make_console()
    console.print(f"queued submission {queued.id} ({queued.status})", highlight=False)
    for note in notes:
        console.print(f"  {note}", highlight=False, markup=False)


def queue_command(
    status: Annotated[
        SubmissionStatus | None, typer.Option(help="Only submissions with this status.")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """List submissions, newest first, with their status and one-line error."""
    with open_store(workspace) as store:
        found = store.submissions().recent(status)
    make_console().print(_queue_table(found))


def _queue_table(found: list[Submission]) -> Table:
    table = Table(title="Submissions (newest first)")
    for header in ("id", "status", "model", "tasks", "requested by", "created (UTC)", "error"):
        table.add_column(header, overflow="fold")
    for item in found:
        status = f"{item.status} (stale)" if item.is_stale() else str(item.status)
        table.add_row(
            str(item.id),
            status,
            item.model_reference,
            item.tasks,
            item.requested_by,
            f"{item.created_at:%Y-%m-%d %H:%M:%S}",
            item.error or "",
        )
    return table


def worker_command(
    once: Annotated[
        bool, typer.Option("--once", help="Run at most one submission, then exit.")
    ] = False,
    poll_seconds: Annotated[
        float, typer.Option(help="Seconds to wait between looks at an empty queue.")
    ] = 5.0,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Read data from this local directory instead of the Hugging Face hub."),
    ] = None,
    allow_model_root: AllowModelRoots = None,
    allow_hub: AllowHubs = None,
    allow_endpoint: AllowEndpoints = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            help=f"Address space of each evaluation's process (e.g. 8G); default "
            f"${MEMORY_VARIABLE} or 32G.",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            help=f"Seconds each evaluation may run before it is stopped; default "
            f"${TIME_VARIABLE} or 86400.",
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Run queued submissions, oldest first: PENDING → RUNNING → FINISHED or FAILED. Each
    runs in a child process with memory and time limits; a crash fails that one only."""
    console = Console(highlight=False, soft_wrap=True)
    options = WorkerOptions(
        once=once,
        poll_seconds=poll_seconds,
        data_dir=data_dir,
        limits=queue_limits(allow_model_root, allow_hub, allow_endpoint),
        sandbox=_sandbox_limits(memory_limit, time_limit),
    )
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with open_store(workspace) as store:
            verdicts = run_worker(store, options, lambda line: console.print(line, markup=False))
    except KeyboardInterrupt:
        console.print("worker stopped")
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    for verdict in verdicts:
        console.print(f"submission {verdict.submission_id}: {verdict.status}", markup=False)


def _sandbox_limits(memory: str | None, seconds: float | None) -> SandboxLimits:
    limits = SandboxLimits.from_environment()
    if seconds is not None and not 0 < seconds < float("inf"):
        raise ConfigError(f"--time-limit must be a positive number of seconds, got {seconds:g}")
    return SandboxLimits(
        memory_bytes=parse_size(memory, "--memory-limit") if memory else limits.memory_bytes,
        seconds=seconds if seconds is not None else limits.seconds,
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (a service manager stopping the worker) ends like Ctrl+C: the running
    # submission is recorded as FAILED before the worker exits.
    del signum, frame
    raise KeyboardInterrupt
