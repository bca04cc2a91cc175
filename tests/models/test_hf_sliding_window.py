"""Prefix sharing on a sliding-window model (Gemma-3): exact beyond the window too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalatlas.models.backends.hf import TREE_TOLERANCE, HFBackend, from_reference
from evalatlas.models.refs import parse_model_ref
from evalatlas.requests import LoglikelihoodRequest

pytestmark = [pytest.mark.hf, pytest.mark.slow]

# About 900 tokens: well past Gemma-3 270M's 512-token window.
LONG_CONTEXT = " ".join(f"item{i}" for i in range(350)) + "\nQuestion: what comes next?\nAnswer:"
CHOICES = (" item350", " nothing at all")


@pytest.fixture(scope="module")
def backends(gemma3_folder: Path) -> Iterator[tuple[HFBackend, HFBackend]]:
    shared = from_reference(parse_model_ref(f"hf:{gemma3_folder}"))
    plain = from_reference(parse_model_ref(f"hf:{gemma3_folder}?prefix_sharing=0"))
    yield shared, plain
    shared.close()
    plain.close()


def test_sliding_layers_get_their_own_tree_mask(backends: tuple[HFBackend, HFBackend]) -> None:
    shared, _ = backends
    assert shared.info.metadata["prefix_sharing"] == "on"
    layout = shared._tree.layout
    assert layout.per_layer_masks and layout.sliding_window == 512


def test_shared_context_past_the_window_scores_as_plain(
    backends: tuple[HFBackend, HFBackend],
) -> None:
    shared, plain = backends
    requests = [LoglikelihoodRequest("s", i, LONG_CONTEXT, c) for i, c in enumerate(CHOICES)]
    assert len(shared._encode(LONG_CONTEXT)) > 700
    for tree, alone in zip(
        shared.loglikelihood(requests), plain.loglikelihood(requests), strict=True
    ):
        assert abs(tree.logprob - alone.logprob) <= TREE_TOLERANCE
        assert tree.n_tokens == alone.n_tokens
