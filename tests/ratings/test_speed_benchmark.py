"""benchmarks/ratings_speed.py at a tiny size, so the script keeps working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .fastchat_reference import unavailable_reason

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "ratings_speed.py"


def test_the_speed_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    report = tmp_path / "timings.json"
    command = [sys.executable, str(SCRIPT), "--battles", "3000", "--models", "6"]
    command += ["--rounds", "50", "--fastchat-rounds", "1", "--repeat", "1"]
    done = subprocess.run(
        [*command, "--json", str(report)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "ours <= 2 s" in done.stdout
    numbers = json.loads(report.read_text(encoding="utf-8"))
    assert numbers["battles"] == 3000 and numbers["ours"]["seconds"] > 0
    if unavailable_reason() is None:
        assert "extrapolated linearly" in done.stdout
        assert numbers["fastchat"]["rounds_run"] == 1
        assert numbers["fastchat"]["max_abs_diff_points"] < 0.5
    else:
        assert "FastChat: not measured" in done.stdout
