"""Tree-attention scoring for transformers models (see ``prefix_tree``).

Each pack becomes one row of a forward pass with explicit position ids (a node's depth)
and a 4D attention mask (a node sees its ancestors): boolean for PyTorch's SDPA attention,
whose kernels run a boolean mask about 1.5x faster than an additive one on a CPU, and
additive for the eager implementation. Only the hidden states of
nodes that predict a target go through the output projection: the vocabulary projection
of every other token would be wasted work.

Which models this is exact for is decided at load time by comparing with plain scoring
(``TreeScorer.check``); a model whose attention is neither full nor a plain sliding window
is never tree-scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalatlas.models.backends.prefix_tree import Pack
from evalatlas.requests import LoglikelihoodResult

FULL, SLIDING = "full_attention", "sliding_attention"


@dataclass(frozen=True)
class AttentionLayout:
    """The attention kinds a model's layers use, as its config declares them."""

    layer_types: frozenset[str]
    sliding_window: int | None
    per_layer_masks: bool  # the model takes a {layer type: mask} mapping

    @property
    def supported(self) -> bool:
        return self.layer_types <= {FULL, SLIDING} and (
            SLIDING not in self.layer_types or self.sliding_window is not None
        )


def attention_layout(config: Any) -> AttentionLayout:
    window = getattr(config, "sliding_window", None)
    window = window if isinstance(window, int) and window > 0 else None
    declared = getattr(config, "layer_types", None)
    if declared:
        types = frozenset(str(t) for t in declared)
        return AttentionLayout(types, window, per_layer_masks=len(types) > 1)
    # No per-layer declaration: every layer slides when a window is set and switched on.
    slides = window is not None and getattr(config, "use_sliding_window", True) is not False
    return AttentionLayout(frozenset({SLIDING if slides else FULL}), window, False)


@dataclass
class PackScores:
    """Log-probabilities of one pass: ``log_probs[slot[(pack, node)]]`` is a node's
    distribution over the next token."""

    log_probs: Any
    argmax: Any
    slot: dict[tuple[int, int], int]


class TreeScorer:
    """Scores packs with one transformers model, a few packs per forward pass."""

    def __init__(self, torch: Any, model: Any, device: str, pad_id: int) -> None:
        self._torch = torch
        self._model = model
        self._device = device
        self._pad_id = pad_id
        self._base = model.base_model
        # Boolean masks only where the attention function takes them as "may attend".
        self._boolean_mask = getattr(model.config, "_attn_implementation", "eager") == "sdpa"
        self._head = model.get_output_embeddings()
        config = model.config
        self.layout = attention_layout(config)
        cap = getattr(config, "final_logit_softcapping", None)
        self._softcap = float(cap) if isinstance(cap, (int, float)) and cap > 0 else None

    def score(self, packs: Sequence[Pack]) -> PackScores:
        torch = self._torch
        width = max(len(pack) for pack in packs)
        ids = torch.full((len(packs), width), self._pad_id, dtype=torch.long)
        positions = torch.zeros((len(packs), width), dtype=torch.long)
        for row, pack in enumerate(packs):
            ids[row, : len(pack)] = torch.tensor(pack.tokens, dtype=torch.long)
            positions[row, : len(pack)] = torch.tensor(pack.positions, dtype=torch.long)
        with torch.inference_mode():
            hidden = self._base(
                input_ids=ids.to(self._device),
                position_ids=positions.to(self._device),
                attention_mask=self._masks(packs, width),
                use_cache=False,
            ).last_hidden_state
            slot = _needed_nodes(packs)
            rows = torch.tensor([p for p, _ in slot], dtype=torch.long, device=self._device)
            nodes = torch.tensor([n for _, n in slot], dtype=torch.long, device=self._device)
            logits = self._head(hidden[rows, nodes]).float()
            if self._softcap is not None:
                logits = torch.tanh(logits / self._softcap) * self._softcap
            log_probs = torch.log_softmax(logits, dim=-1)
            return PackScores(log_probs, log_probs.argmax(dim=-1), slot)

    def _masks(self, packs: Sequence[Pack], width: int) -> Any:
        layout = self.layout
        masks = {
            kind: self._additive(packs, width, layout.sliding_window if kind == SLIDING else None)
            for kind in layout.layer_types
        }
        if layout.per_layer_masks:
            return masks
        return next(iter(masks.values()))

    def _additive(self, packs: Sequence[Pack], width: int, window: int | None) -> Any:
        torch = self._torch
        allowed = np.zeros((len(packs), 1, width, width), dtype=bool)
        for row, pack in enumerate(packs):
            allowed[row, 0, : len(pack), : len(pack)] = pack.ancestor_mask(window)
            padding = np.arange(len(pack), width)
            allowed[row, 0, padding, padding] = True  # a pad sees only itself: no empty rows
        if self._boolean_mask:
            return torch.from_numpy(allowed).to(self._device)
        dtype = next(self._model.parameters()).dtype
        mask = torch.zeros(allowed.shape, dtype=dtype)
        mask.masked_fill_(torch.from_numpy(~allowed), torch.finfo(dtype).min)
        return mask.to(self._device)


def _needed_nodes(packs: Sequence[Pack]) -> dict[tuple[int, int], int]:
    """(pack, node) of every node that predicts a target, each once, numbered."""
    slot: dict[tuple[int, int], int] = {}
    for row, pack in enumerate(packs):
        for _, node, _ in pack.targets:
            slot.setdefault((row, node), len(slot))
    return slot


def collect(
    packs: Sequence[Pack], scores: PackScores, totals: list[float], greedy: list[bool]
) -> None:
    """Add each target's log-probability to its row's total (float64, in target order)."""
    targets = [
        (p, row, node, token) for p, pack in enumerate(packs) for row, node, token in pack.targets
    ]
    if not targets:
        return
    torch = scores.log_probs.new_tensor
    slots = torch([scores.slot[(p, node)] for p, _, node, _ in targets]).long()
    tokens = torch([token for *_, token in targets]).long()
    picked = scores.log_probs[slots, tokens].double().tolist()
    hits = (scores.argmax[slots] == tokens).tolist()
    for (_, row, _, _), value, hit in zip(targets, picked, hits, strict=True):
        totals[row] += value
        greedy[row] = greedy[row] and bool(hit)


def row_results(
    rows_targets: Sequence[int], totals: list[float], greedy: list[bool], truncated: list[bool]
) -> list[LoglikelihoodResult]:
    return [
        LoglikelihoodResult(total, hit if n else True, n, cut)
        for n, total, hit, cut in zip(rows_targets, totals, greedy, truncated, strict=True)
    ]
