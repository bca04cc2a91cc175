"""Per-question temperatures and seeds of generated answers: FastChat's MT-Bench table,
seeds that depend on one question alone, and a real llama.cpp model that replays a sampled
answer from its seed."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from evalatlas.errors import ConfigError
from evalatlas.judge.run.answer_files import Question
from evalatlas.judge.run.answering import (
    MT_BENCH_DEFAULT_TEMPERATURE,
    MT_BENCH_TEMPERATURES,
    AnswerConfig,
    AnswerTemperatures,
    answer_plan,
    generate_answers,
    question_seed,
)
from evalatlas.models import load_model

from .scripted import always, scripted_model

MT_BENCH = AnswerConfig(max_tokens=16, temperatures=AnswerTemperatures.MT_BENCH)
QUESTIONS = [
    Question("81", "writing", ("Write a haiku.", "Now a limerick.")),
    Question("111", "math", ("What is 2+2?",)),
    Question("131", "stem", ("Why is the sky blue?",)),
    Question("7", "translation", ("Say hi in French.",)),  # not in FastChat's table
    Question("8", None, ("Hello?",)),
]


def test_each_request_carries_its_categorys_temperature_and_its_questions_seed() -> None:
    model, backend = scripted_model(always("An answer."))
    generate_answers(model, QUESTIONS, MT_BENCH)
    first_turns, second_turns = backend.batches  # one batch per turn, mixed temperatures
    by_id = {r.sample_id: r for r in [*first_turns, *second_turns]}
    temperatures = {sample_id: r.temperature for sample_id, r in by_id.items()}
    assert temperatures == {
        "81:turn1": 0.7,
        "81:turn2": 0.7,
        "111:turn1": 0.0,
        "131:turn1": 0.1,
        "7:turn1": 0.7,
        "8:turn1": 0.7,
    }
    assert by_id["81:turn1"].seed == by_id["81:turn2"].seed == question_seed(1234, "81")
    assert len({by_id[f"{q.question_id}:turn1"].seed for q in QUESTIONS}) == len(QUESTIONS)
    plan = {setting.question_id: setting for setting in answer_plan(QUESTIONS, MT_BENCH)}
    for sample_id, request in by_id.items():
        setting = plan[sample_id.partition(":")[0]]
        assert (request.temperature, request.seed) == (setting.temperature, setting.seed)


def test_greedy_answers_every_question_at_zero() -> None:
    model, backend = scripted_model(always("An answer."))
    generate_answers(model, QUESTIONS, AnswerConfig(max_tokens=16))  # the library default
    assert {r.temperature for batch in backend.batches for r in batch} == {0.0}
    assert AnswerConfig().temperatures is AnswerTemperatures.GREEDY
    greedy = answer_plan(QUESTIONS, AnswerConfig(temperatures="greedy"))  # type: ignore[arg-type]
    assert {s.temperature for s in greedy} == {0.0}


def test_a_questions_seed_depends_on_the_run_seed_and_its_id_alone() -> None:
    alone = answer_plan(QUESTIONS[:2], MT_BENCH)
    with_more = answer_plan([Question("5", "writing", ("Hi",)), *QUESTIONS], MT_BENCH)
    assert alone == [s for s in with_more if s.question_id in {"81", "111"}]
    other_run = AnswerConfig(temperatures=AnswerTemperatures.MT_BENCH, seed=1235)
    assert {s.seed for s in answer_plan(QUESTIONS, other_run)}.isdisjoint(
        {s.seed for s in answer_plan(QUESTIONS, MT_BENCH)}
    )
    seeds = [question_seed(run, str(qid)) for run in range(3) for qid in range(200)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= seed < 2**31 for seed in seeds)  # llama.cpp reads 2**32 - 1 as "random"


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ConfigError, match="use one of greedy, mt-bench"):
        AnswerConfig(temperatures="hot")  # type: ignore[arg-type]


def _fastchat_judge_folder() -> tuple[Path | None, str]:
    """FastChat's ``llm_judge`` source folder, or None and why it cannot be read."""
    spec = importlib.util.find_spec("fastchat")
    if spec is None or not spec.submodule_search_locations:
        return None, "FastChat (fschat) is not installed: scripts/setup.sh installs it"
    folder = Path(next(iter(spec.submodule_search_locations))) / "llm_judge"
    needed = [folder / name for name in ("common.py", "gen_model_answer.py")]
    if missing := [str(path) for path in needed if not path.is_file()]:
        return None, f"this FastChat lacks {', '.join(missing)}"
    return folder, ""


FASTCHAT_JUDGE, FASTCHAT_MISSING = _fastchat_judge_folder()


def _fastchat_source(name: str) -> ast.Module:
    assert FASTCHAT_JUDGE is not None
    return ast.parse((FASTCHAT_JUDGE / name).read_text(encoding="utf-8"))


@pytest.mark.skipif(FASTCHAT_JUDGE is None, reason=f"FastChat reference: {FASTCHAT_MISSING}")
def test_the_table_is_fastchats() -> None:
    """Read from the installed FastChat's source (importing it needs its API clients)."""
    common = _fastchat_source("common.py")
    (table,) = [
        ast.literal_eval(node.value)
        for node in ast.walk(common)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "temperature_config" for t in node.targets)
    ]
    assert dict(MT_BENCH_TEMPERATURES) == table
    # gen_model_answer.py: ``if category in temperature_config: ... else: temperature = 0.7``
    answering = _fastchat_source("gen_model_answer.py")
    defaults = [
        ast.literal_eval(node.orelse[0].value)
        for node in ast.walk(answering)
        if isinstance(node, ast.If)
        and "temperature_config" in ast.unparse(node.test)
        and isinstance(node.orelse[0], ast.Assign)
    ]
    assert defaults == [MT_BENCH_DEFAULT_TEMPERATURE]


# The bundled GGUF ships with the package (as in every real-model test): a model that fails
# to load is a failure, not a skip.
SMOLLM2 = "bundled:smollm2-135m-instruct?n_threads=1&n_ctx=1024"
SAMPLED = [
    Question("w1", "writing", ("Write one sentence about the sea.", "Now one about hills.")),
    Question("w2", "roleplay", ("Pretend to be a pirate and greet me.",)),
    Question("m1", "math", ("What is 12 times 3?",)),
]


@pytest.mark.llamacpp
@pytest.mark.slow
def test_llama_cpp_replays_a_sampled_answer_from_its_seed() -> None:
    pytest.importorskip(
        "llama_cpp", reason="needs llama-cpp-python: pip install 'evalatlas[llamacpp]'"
    )
    config = AnswerConfig(max_tokens=24, temperatures=AnswerTemperatures.MT_BENCH, seed=7)
    other_seed = AnswerConfig(max_tokens=24, temperatures=AnswerTemperatures.MT_BENCH, seed=8)
    model = load_model(SMOLLM2)
    try:
        first = generate_answers(model, SAMPLED, config)
        again = generate_answers(model, SAMPLED, config)
        reseeded = generate_answers(model, SAMPLED, other_seed)
        greedy = generate_answers(model, SAMPLED, AnswerConfig(max_tokens=24))
    finally:
        model.close()
    fresh = load_model(SMOLLM2)
    try:
        replayed = generate_answers(fresh, SAMPLED, config)
    finally:
        fresh.close()

    assert all(text for texts in first.values() for text in texts)
    assert again == first and replayed == first  # same seeds: the same text, in any process
    sampled = ("w1", "w2")  # at 0.7: another seed gives other text
    assert any(reseeded[qid] != first[qid] for qid in sampled)
    # The math question is greedy in the same batches: its seed changes nothing, and it is
    # what an all-greedy run writes. The sampled ones are not what greedy decoding writes.
    assert reseeded["m1"] == first["m1"] == greedy["m1"]
    assert any(greedy[qid] != first[qid] for qid in sampled)
