"""End to end: the real bundled SmolLM2-135M judges real MT-Bench answers.

A 135M model is far too small to judge well; the test checks that the pipeline runs on a
real backend and records honestly what the judge said: each verdict is re-read from the
text it wrote, pairs without a verdict in both orders stay unscored and cast no vote.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evalatlas.errors import ModelError
from evalatlas.judge import (
    JudgeConfig,
    PairOutcome,
    PairwiseJudge,
    audit_judge,
    judge_votes,
    parse_verdict,
    reconcile,
)
from evalatlas.judge.mt_bench import load_mt_bench, pairwise_items
from evalatlas.models import load_model
from evalatlas.store import Store

pytest.importorskip("llama_cpp", reason="needs llama-cpp-python: pip install 'evalatlas[llamacpp]'")
pytestmark = [pytest.mark.llamacpp, pytest.mark.slow, pytest.mark.shared_data]

# Short reasoning questions (judged against GPT-4's reference answers): small prompts.
QUESTIONS = {"104", "107"}
JUDGE = "bundled:smollm2-135m-instruct?n_threads=1&n_ctx=1024"


def test_smollm2_judges_real_mt_bench_pairs(shared_data: Path, tmp_path: Path) -> None:
    try:
        model = load_model(JUDGE)
    except ModelError as error:
        pytest.skip(f"bundled SmolLM2 unavailable: {error}")
    bench = load_mt_bench(shared_data / "mt_bench", models=["gpt-4", "alpaca-13b"])
    answers = (("gpt-4", bench.answers_of("gpt-4")), ("alpaca-13b", bench.answers_of("alpaca-13b")))
    items = [i for i in pairwise_items(bench, answers, turns=(1,)) if i.question_id in QUESTIONS]
    assert len(items) == 2 and all(i.references for i in items)
    try:
        pairs = PairwiseJudge(model, config=JudgeConfig(max_tokens=64)).judge(items)
    finally:
        model.close()

    assert model.usage.requests == 4  # two orders of two pairs
    for pair in pairs:
        assert pair.forward.text.strip() and pair.backward.text.strip()
        assert pair.forward.verdict == parse_verdict(pair.forward.text)
        assert pair.backward.verdict == parse_verdict(pair.backward.text)
        assert pair.outcome is reconcile(pair.forward.verdict, pair.backward.verdict)
        assert pair.judge.startswith(f"judge:{JUDGE}@pairwise-reference:")

    audit = audit_judge(pairs)
    unscored = sum(p.outcome is PairOutcome.UNSCORED for p in pairs)
    assert (audit.pairs, audit.unscored) == (2, unscored)
    assert audit.position_consistency.n == 2 - unscored

    battles, votes = judge_votes(pairs)
    assert len(votes) == 2 - unscored
    with Store.open(tmp_path / "workspace") as store:
        assert store.arena().add_battles(battles, votes) == (len(votes), 0)
        assert store.arena().counts().votes == len(votes)
