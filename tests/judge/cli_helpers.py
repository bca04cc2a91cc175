"""What the judge command tests share: running ``evalatlas judge`` in-process and writing
JSON Lines inputs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from evalatlas.cli.judge_cmd import judge_app


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def invoke(*args: str) -> Any:
    """Run ``evalatlas judge ARGS``; a user error is raised as itself (so a test can match
    its message), any other failure fails the test with the output."""
    result = CliRunner().invoke(judge_app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result
