"""Token trees: score many requests that share prefixes with each shared token computed once.

A multiple-choice sample sends one request per choice, all with the same context; few-shot
samples of one task often share a long identical header too. Folding every request's input
tokens into a trie, and laying each trie out as one row whose tokens attend only to their
own ancestors (a "tree attention" mask) at positions equal to their depth, computes each
distinct prefix once while every request sees exactly the tokens it would see alone.

This module is pure token arithmetic; the backend turns a ``Pack`` into tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Requests whose inputs share fewer leading tokens than this are not worth one row: their
# tree rows would only grow the attention cost (dense, quadratic in the row length).
MIN_SHARED_TOKENS = 8


@dataclass(frozen=True)
class ScoringRow:
    """Tokens the model reads, and the tokens its last ``len(targets)`` positions must predict."""

    input_ids: tuple[int, ...]
    targets: tuple[int, ...]
    truncated: bool = False  # the input was cut from the left to fit the context window


@dataclass
class Pack:
    """One row of tree-laid tokens: node ``i`` reads ``tokens[i]`` at ``positions[i]`` and
    attends to itself and its ancestors (``parents[i]`` is -1 for a root)."""

    tokens: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    # (row index, node whose output predicts the target, target token), in target order
    targets: list[tuple[int, int, int]] = field(default_factory=list)
    _children: dict[tuple[int, int], int] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.tokens)

    def insert(self, row_index: int, row: ScoringRow) -> None:
        """Add ``row``'s path, reusing the nodes already there, and note its targets."""
        parent = -1
        path: list[int] = []
        for depth, token in enumerate(row.input_ids):
            node = self._children.get((parent, token))
            if node is None:
                node = len(self.tokens)
                self._children[(parent, token)] = node
                self.tokens.append(token)
                self.positions.append(depth)
                self.parents.append(parent)
            path.append(node)
            parent = node
        first_scored = len(path) - len(row.targets)
        for offset, target in enumerate(row.targets):
            self.targets.append((row_index, path[first_scored + offset], target))

    def ancestor_mask(self, sliding_window: int | None = None) -> np.ndarray:
        """``mask[i, j]``: node ``i`` may attend to node ``j`` (an ancestor or itself, and,
        with a sliding window, fewer than ``sliding_window`` positions back)."""
        size = len(self.tokens)
        mask = np.zeros((size, size), dtype=bool)
        for node, parent in enumerate(self.parents):
            # Parents precede their children, so the parent's row is already complete.
            if parent >= 0:
                mask[node] = mask[parent]
            mask[node, node] = True
        if sliding_window is not None:
            positions = np.asarray(self.positions)
            mask &= (positions[:, None] - positions[None, :]) < sliding_window
        return mask


def common_prefix_length(left: Sequence[int], right: Sequence[int]) -> int:
    length = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        length += 1
    return length


def pack_rows(
    rows: Sequence[ScoringRow], max_pack_tokens: int, *, growth: float | None = None
) -> list[Pack]:
    """Tree rows covering every row that has targets, each at most ``max_pack_tokens`` nodes
    (a longer single row gets a pack of its own). With ``growth``, a pack also stops at
    ``growth`` times the length of its first row: the attention mask is dense, so a pack
    much longer than its requests costs more than re-reading their shared prefix would.

    Rows are taken in lexicographic token order, so rows sharing a prefix are neighbours and
    the longest prefix a row shares with anything already in a pack is the one it shares
    with the row just before it. A row sharing fewer than ``MIN_SHARED_TOKENS`` tokens with
    its predecessor starts a new pack: merging unrelated trees saves nothing.
    """
    order = sorted(
        (i for i, row in enumerate(rows) if row.targets), key=lambda i: rows[i].input_ids
    )
    packs: list[Pack] = []
    limit = max_pack_tokens
    previous: tuple[int, ...] = ()
    for index in order:
        inputs = rows[index].input_ids
        shared = common_prefix_length(previous, inputs)
        new_nodes = len(inputs) - shared
        if (
            not packs
            or shared < min(MIN_SHARED_TOKENS, len(inputs))
            or len(packs[-1]) + new_nodes > limit
        ):
            packs.append(Pack())
            if growth is not None:
                limit = min(max_pack_tokens, max(int(growth * len(inputs)), MIN_SHARED_TOKENS))
        packs[-1].insert(index, rows[index])
        previous = inputs
    return packs


def unique_tokens(rows: Sequence[ScoringRow]) -> int:
    """Nodes of the whole trie of the rows' inputs: the tokens a model must read at least
    once to score them all."""
    order = sorted(row.input_ids for row in rows if row.targets)
    total = 0
    previous: tuple[int, ...] = ()
    for inputs in order:
        total += len(inputs) - common_prefix_length(previous, inputs)
        previous = inputs
    return total
