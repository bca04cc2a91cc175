"""Fixtures shared by every test package: real data and real bundled models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """../shared/data beside the checkout, or $EVALATLAS_SHARED_DATA."""
    configured = os.environ.get("EVALATLAS_SHARED_DATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "README.md").is_file():
        pytest.skip(f"real benchmark data not found at {path} (set EVALATLAS_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    from evalatlas.models.catalog import bundled_gguf_path

    return bundled_gguf_path("smollm2-135m-instruct")


@pytest.fixture(scope="session")
def gemma3_gguf() -> Path:
    from evalatlas.models.catalog import bundled_gguf_path

    return bundled_gguf_path("gemma3-270m")


def converted_model_dir(name: str = "smollm2-135m-instruct") -> Path:
    """Where a dequantised float32 copy of a bundled model is cached between test runs."""
    configured = os.environ.get("EVALATLAS_TEST_CACHE")
    base = Path(configured) if configured else Path.home() / ".cache" / "evalatlas" / "test-models"
    return base / f"{name}-f32"


@pytest.fixture(scope="session")
def smollm2_folder(smollm2_gguf: Path) -> Path:
    """SmolLM2's GGUF dequantised to a plain transformers folder (converted once, cached)."""
    for module in ("torch", "transformers"):
        pytest.importorskip(
            module, reason="needs torch and transformers: pip install 'evalatlas[hf]'"
        )
    from evalatlas.models.backends.hf_convert import dequantise_gguf_to_folder

    return dequantise_gguf_to_folder(smollm2_gguf, converted_model_dir())


@pytest.fixture(scope="session")
def gemma3_folder(gemma3_gguf: Path) -> Path:
    """Gemma-3 270M (sliding-window attention) as a float32 transformers folder, cached."""
    for module in ("torch", "transformers"):
        pytest.importorskip(
            module, reason="needs torch and transformers: pip install 'evalatlas[hf]'"
        )
    from evalatlas.models.backends.hf_convert import dequantise_gguf_to_folder

    return dequantise_gguf_to_folder(gemma3_gguf, converted_model_dir("gemma3-270m"))
