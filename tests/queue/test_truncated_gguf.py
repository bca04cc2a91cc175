"""A GGUF cut short (its header whole, its weights not): ``evalatlas eval`` refuses it when
llama.cpp loads it, and ``evalatlas submit`` refuses the same file, in the same words,
without loading it (the tensor table says where the weights must end)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from queue_files import write_gguf

from evalatlas.errors import ModelError
from evalatlas.models.backends.gguf_extent import TRUNCATED_ADVICE, check_complete, tensor_data_end
from evalatlas.models.catalog import bundled_gguf_path


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalatlas", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled SmolLM2 GGUF whole, cut in half, and cut inside its header."""
    folder = tmp_path_factory.mktemp("models")
    data = bundled_gguf_path("smollm2-135m-instruct").read_bytes()
    (folder / "whole.gguf").write_bytes(data)
    (folder / "half.gguf").write_bytes(data[: len(data) // 2])
    (folder / "header.gguf").write_bytes(data[:200_000])
    return folder


def test_eval_and_submit_refuse_a_truncated_gguf_alike(models: Path, tmp_path: Path) -> None:
    env = {"EVALATLAS_ALLOW_MODEL_ROOTS": str(models), "EVALATLAS_HOME": str(tmp_path / "ws")}
    reference = f"llamacpp:{models / 'half.gguf'}"
    evaluated = run("eval", "-m", reference, "-t", "arithmetic_mc", "--limit", "2", env=env)
    submitted = run("submit", "-m", reference, "-t", "arithmetic_mc", env=env)
    for result in (evaluated, submitted):
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.endswith(TRUNCATED_ADVICE), line
    assert "holds 49181216 bytes but its tensors need 98362432" in submitted.stderr
    header = run(
        "submit", "-m", f"llamacpp:{models / 'header.gguf'}", "-t", "arithmetic_mc", env=env
    )
    assert header.returncode == 2 and header.stderr.strip().endswith(TRUNCATED_ADVICE)
    whole = run("submit", "-m", f"llamacpp:{models / 'whole.gguf'}", "-t", "arithmetic_mc", env=env)
    assert whole.returncode == 0, whole.stderr
    assert "queued submission 1" in whole.stdout


def test_the_tensor_table_gives_the_exact_end(models: Path, tmp_path: Path) -> None:
    whole = models / "whole.gguf"
    assert tensor_data_end(whole) == whole.stat().st_size
    tiny = write_gguf(tmp_path / "tiny.gguf")
    assert tensor_data_end(tiny) == tiny.stat().st_size
    check_complete(tiny)
    tiny.write_bytes(tiny.read_bytes()[:-1])
    with pytest.raises(ModelError, match="holds 479 bytes but its tensors need 480"):
        check_complete(tiny)
