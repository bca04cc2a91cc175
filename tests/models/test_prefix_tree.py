"""Token trees: shared prefixes become shared nodes, and every node sees exactly its path."""

from __future__ import annotations

import numpy as np

from evalatlas.models.backends.prefix_tree import (
    MIN_SHARED_TOKENS,
    Pack,
    ScoringRow,
    pack_rows,
    unique_tokens,
)

HEADER = tuple(range(100, 120))  # a 20-token few-shot header


def choices_of(question: tuple[int, ...], continuations: list[tuple[int, ...]]) -> list[ScoringRow]:
    rows = []
    for continuation in continuations:
        whole = HEADER + question + continuation
        rows.append(ScoringRow(whole[:-1], continuation))
    return rows


def path_of(pack: Pack, node: int) -> list[int]:
    path = []
    while node >= 0:
        path.append(pack.tokens[node])
        node = pack.parents[node]
    return path[::-1]


def test_choices_of_one_question_share_their_context() -> None:
    rows = choices_of((1, 2, 3), [(7,), (8, 9), (10, 11, 12)])
    (pack,) = pack_rows(rows, max_pack_tokens=1000)
    # header + question once, then the continuation tokens each choice reads
    assert len(pack) == len(HEADER) + 3 + 0 + 1 + 2
    assert unique_tokens(rows) == len(pack)


def test_every_target_is_predicted_by_the_node_ending_its_own_prefix() -> None:
    rows = choices_of((1, 2, 3), [(7,), (8, 9)]) + choices_of((4, 5), [(7,), (6, 6)])
    packs = pack_rows(rows, max_pack_tokens=1000)
    assert len(packs) == 1
    for row_index, node, target in packs[0].targets:
        row = rows[row_index]
        # the node's path is the row's input up to the position that predicts ``target``
        position = packs[0].positions[node]
        assert path_of(packs[0], node) == list(row.input_ids[: position + 1])
        assert row.targets[position - (len(row.input_ids) - len(row.targets))] == target
    assert sorted(r for r, _, _ in packs[0].targets) == [0, 1, 1, 2, 3, 3]


def test_the_mask_lets_a_node_see_exactly_its_ancestors() -> None:
    rows = choices_of((1,), [(7, 8), (9, 10)])
    (pack,) = pack_rows(rows, max_pack_tokens=1000)
    mask = pack.ancestor_mask()
    for node in range(len(pack)):
        ancestors = set()
        walk = node
        while walk >= 0:
            ancestors.add(walk)
            walk = pack.parents[walk]
        assert set(np.flatnonzero(mask[node])) == ancestors
        assert pack.positions[node] == len(ancestors) - 1


def test_a_sliding_window_hides_ancestors_too_far_back() -> None:
    (pack,) = pack_rows([ScoringRow(tuple(range(10)), (99,))], max_pack_tokens=100)
    mask = pack.ancestor_mask(sliding_window=3)
    assert list(np.flatnonzero(mask[9])) == [7, 8, 9]


def test_unrelated_requests_get_their_own_packs() -> None:
    rows = [ScoringRow((1, 2, 3), (4,)), ScoringRow((5, 6, 7), (8,))]
    assert len(pack_rows(rows, max_pack_tokens=1000)) == 2
    assert MIN_SHARED_TOKENS > 1


def test_packs_respect_the_budget_and_still_cover_every_row() -> None:
    rows = [row for q in range(10) for row in choices_of((q, q + 1), [(7,), (8,)])]
    packs = pack_rows(rows, max_pack_tokens=30)
    assert len(packs) > 1
    assert all(len(pack) <= 30 for pack in packs)
    covered = sorted(row for pack in packs for row, _, _ in pack.targets)
    assert covered == list(range(len(rows)))


def test_a_row_longer_than_the_budget_still_gets_a_pack() -> None:
    long_row = ScoringRow(tuple(range(50)), (1, 2))
    (pack,) = pack_rows([long_row], max_pack_tokens=10)
    assert len(pack) == 50


def test_rows_without_targets_are_left_out() -> None:
    assert pack_rows([ScoringRow((1, 2), ())], max_pack_tokens=10) == []
    assert unique_tokens([ScoringRow((1, 2), ())]) == 0


def test_growth_bounds_a_pack_by_its_own_first_request() -> None:
    short = [row for q in range(10) for row in choices_of((q, q + 1), [(7,), (8,)])]
    long_row = ScoringRow(tuple(range(500, 700)), (1,))
    packs = pack_rows([*short, long_row], max_pack_tokens=10_000, growth=2.0)
    # the short rows' packs stay near twice a short row (23 tokens), whatever the long one
    assert all(len(pack) <= 2 * 23 for pack in packs if len(pack) < 200)
    covered = sorted(row for pack in packs for row, _, _ in pack.targets)
    assert covered == list(range(len(short) + 1))
