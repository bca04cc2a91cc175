"""``evalatlas judge mt-bench`` and ``evalatlas judge arena-hard``: a model's answers graded
or compared with a baseline's by a judge, with per-category scores and win rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from evalatlas.cli.display import number
from evalatlas.cli.judge_report import (
    print_stored,
    report_pairs,
    run_pairwise,
)
from evalatlas.cli.judge_shared import (
    AnswerTokensOption,
    BatchOption,
    CacheOption,
    JsonOption,
    JudgeOption,
    LimitOption,
    Loading,
    MaxTokensOption,
    PolicyOption,
    SeedOption,
    Shown,
    StoreOption,
    TemplateOption,
    VerdictOption,
    echo_json,
    interval_text,
    loaded,
    parse_turns,
    run_judge,
    store_votes,
    templates_from,
)
from evalatlas.cli.options import WorkspaceOption
from evalatlas.errors import ConfigError
from evalatlas.judge import AuditOptions, InconsistentPolicy, JudgedPair, VerdictMode
from evalatlas.judge.items import (
    GradedAnswer,
)
from evalatlas.judge.length_control import (
    LengthControlConfig,
    LengthControlledResult,
    PreferenceTable,
    baseline_preferences,
    length_controlled_win_rates,
)
from evalatlas.judge.run import JudgeConfig, SingleJudge, grade_summary
from evalatlas.judge.run.answer_files import (
    Question,
)
from evalatlas.judge.run.answering import (
    MT_BENCH_DEFAULT_TEMPERATURE,
    MT_BENCH_TEMPERATURES,
    AnswerConfig,
    AnswerSetting,
    AnswerTemperatures,
    answer_plan,
    generate_answers,
)
from evalatlas.judge.run.arena_hard import baseline_items, load_arena_hard
from evalatlas.judge.run.mt_bench import load_mt_bench, single_items
from evalatlas.judge.run.single import graded_answer_json
from evalatlas.judge.templates import TemplateKind


def _answer_with(
    shown: Shown,
    reference: str,
    questions: Sequence[Question],
    max_tokens: int,
    loading: Loading,
) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The model's reference and its answers to every turn of ``questions``."""
    with loaded(reference, loading) as model:
        answers = shown.tracked(
            "answering",
            _turn_count(questions),
            lambda advance: generate_answers(
                model, questions, AnswerConfig(max_tokens=max_tokens), advance
            ),
        )
        return model.info.reference, answers


def _turn_count(questions: Sequence[Question]) -> int:
    return sum(len(question.turns) for question in questions)


def _data_source(
    model: str | None, answers_of: str | None, data_dir: Path | None, what: str
) -> Path:
    """The data folder, once the command names exactly one source of answers."""
    if (model is None) == (answers_of is None):
        raise ConfigError("give either --model REFERENCE (answers are generated) or --answers-of")
    if data_dir is None:
        raise ConfigError(f"{what} data: pass --data-dir with its folder (see --help)")
    return data_dir


RatingVerdictOption = Annotated[
    VerdictMode,
    typer.Option(
        "--verdict",
        help="text: the last rating the judge writes; choice: after its reasoning, the "
        "judge's most likely of the ten ratings 1-10 (scored by log-likelihood).",
    ),
]


TemperaturesOption = Annotated[
    AnswerTemperatures,
    typer.Option(
        "--temperatures",
        help="Sampling temperature of generated answers: mt-bench (FastChat's per-category "
        "table, as MT-Bench's published answers) or greedy (0.0 everywhere).",
    ),
]


AnswerSeedOption = Annotated[
    int,
    typer.Option(
        "--answer-seed",
        help="Run seed of generated answers; each question's seed derives from it and the "
        "question id.",
    ),
]


def mt_bench_command(
    judge: JudgeOption,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model reference to answer and grade.")
    ] = None,
    answers_of: Annotated[
        str | None, typer.Option(help="Grade the stored answers of this model instead.")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="MT-Bench folder in FastChat's layout (llm_judge/data/mt_bench).",
            envvar="EVALATLAS_MT_BENCH_DIR",
        ),
    ] = None,
    limit: LimitOption = None,
    turns: Annotated[str, typer.Option(help="Turns to grade, e.g. 1,2 or 1.")] = "1,2",
    answer_tokens: AnswerTokensOption = 1024,
    temperatures: TemperaturesOption = AnswerTemperatures.MT_BENCH,
    answer_seed: AnswerSeedOption = 1234,
    max_tokens: MaxTokensOption = 1024,
    verdict: RatingVerdictOption = VerdictMode.TEXT,
    template: TemplateOption = None,
    no_cache: CacheOption = False,
    batch_size: BatchOption = None,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Grade a model's MT-Bench answers 1-10 with a judge; scores per turn and category."""
    folder = _data_source(model, answers_of, data_dir, "MT-Bench")
    templates = templates_from(template, TemplateKind.SINGLE)
    bench = load_mt_bench(folder, models=[answers_of] if answers_of else [])
    shown = Shown.make(as_json)
    loading = Loading(batch_size, workspace, not no_cache)
    answering: _Answering | None = None
    if model is not None:
        sampling = AnswerConfig(
            max_tokens=answer_tokens, temperatures=temperatures, seed=answer_seed
        )
        answering = _generate_mt_bench_answers(shown, model, bench.first(limit), sampling, loading)
        name, answers = answering.model, answering.answers
    else:
        name, answers = str(answers_of), bench.answers_of(str(answers_of))
    items = single_items(bench, name, answers, turns=parse_turns(turns), limit=limit)
    grading = JudgeConfig(max_tokens=max_tokens, verdict=verdict)
    grades = run_judge(
        shown,
        judge,
        loading,
        lambda judge_model: SingleJudge(judge_model, templates, config=grading),
        items,
    )
    _report_grades(shown, grades, answering)


@dataclass(frozen=True)
class _Answering:
    """Answers generated for the run, with how each question was sampled."""

    model: str
    answers: dict[str, tuple[str, ...]]
    config: AnswerConfig
    plan: list[AnswerSetting]


def _generate_mt_bench_answers(
    shown: Shown,
    reference: str,
    questions: Sequence[Question],
    config: AnswerConfig,
    loading: Loading,
) -> _Answering:
    """The model's answers to every turn of ``questions``, at each question's temperature
    and seed."""
    with loaded(reference, loading) as model:
        answers = shown.tracked(
            "answering",
            _turn_count(questions),
            lambda advance: generate_answers(model, questions, config, advance),
        )
        return _Answering(model.info.reference, answers, config, answer_plan(questions, config))


_RATING_SOURCES = {
    "text": "the last rating the judge wrote",
    "choice": "the judge's most likely of the ten ratings after its reasoning",
}


def _answering_json(answering: _Answering | None) -> dict[str, Any] | None:
    """How the graded answers were generated (None: stored answers were graded)."""
    if answering is None:
        return None
    return {
        "model": answering.model,
        "temperatures": answering.config.temperatures.value,
        "seed": answering.config.seed,
        "max_tokens": answering.config.max_tokens,
        "questions": [asdict(setting) for setting in answering.plan],
    }


def _temperatures_line(answering: _Answering) -> str:
    config = answering.config
    if config.temperatures is AnswerTemperatures.GREEDY:
        how = "greedy (temperature 0.0)"
    else:
        asked = sorted({s.category or "none" for s in answering.plan})
        table = ", ".join(
            f"{c} {MT_BENCH_TEMPERATURES.get(c, MT_BENCH_DEFAULT_TEMPERATURE)}" for c in asked
        )
        how = f"MT-Bench temperatures per category ({table})"
    return (
        f"answers of {answering.model}: {how}; each question sampled with its own seed from "
        f"run seed {config.seed} (listed with --json)"
    )


def _report_grades(
    shown: Shown, grades: Sequence[GradedAnswer], answering: _Answering | None
) -> None:
    judges = sorted({g.judge for g in grades})
    rows = grade_summary(grades)
    sources = sorted({g.verdict_source.value for g in grades})
    if shown.as_json:
        scores = [{"model": r.model, "group": r.group, **asdict(r.score)} for r in rows]
        echo_json(
            {
                "judges": judges,
                "verdict_source": sources[0] if len(sources) == 1 else None,
                "answering": _answering_json(answering),
                "scores": scores,
                "grades": [graded_answer_json(grade) for grade in grades],
            }
        )
        return
    _print_grading_notes(shown.console, grades, judges, answering)
    table = Table(title="MT-Bench grades (1-10)")
    for header in ("model", "group", "mean", "95% CI", "n", "unscored"):
        table.add_column(header, justify="left" if header in ("model", "group") else "right")
    for row in rows:
        score = row.score
        table.add_row(
            row.model,
            row.group,
            number(score.value, 2),
            interval_text((score.ci_low, score.ci_high), 2),
            str(score.n),
            str(score.n_unscored),
        )
    shown.console.print(table)


def _print_grading_notes(
    console: Console,
    grades: Sequence[GradedAnswer],
    judges: list[str],
    answering: _Answering | None,
) -> None:
    for judge in judges:
        console.print(f"judge: {judge}", highlight=False, markup=False)
    for source in sorted({g.verdict_source.value for g in grades}):
        console.print(f"ratings: {source} ({_RATING_SOURCES[source]})", highlight=False)
    if answering is not None:
        console.print(_temperatures_line(answering), highlight=False, markup=False)
    at_limit = sum(g.hit_token_limit for g in grades)
    if at_limit:
        unscored = sum(g.hit_token_limit and g.rating is None for g in grades)
        console.print(
            f"{at_limit} of {len(grades)} judgments stopped at the token limit "
            f"({unscored} of them without a rating): raise --max-tokens",
            highlight=False,
        )


def arena_hard_command(
    judge: JudgeOption,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model reference to answer and judge.")
    ] = None,
    answers_of: Annotated[
        str | None, typer.Option(help="Judge the stored answers of this model instead.")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Arena-Hard v0.1 folder (question.jsonl, model_answer/).",
            envvar="EVALATLAS_ARENA_HARD_DIR",
        ),
    ] = None,
    limit: LimitOption = None,
    answer_tokens: AnswerTokensOption = 1024,
    max_tokens: MaxTokensOption = 1024,
    verdict: VerdictOption = VerdictMode.TEXT,
    template: TemplateOption = None,
    inconsistent: PolicyOption = InconsistentPolicy.TIE,
    store: StoreOption = True,
    no_cache: CacheOption = False,
    batch_size: BatchOption = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Judge a model against Arena-Hard's baseline: win rate and length-controlled win
    rate with bootstrap CIs, and the judge's biases."""
    folder = _data_source(model, answers_of, data_dir, "Arena-Hard")
    templates = templates_from(template, TemplateKind.PAIRWISE)
    bench = load_arena_hard(folder)
    shown = Shown.make(as_json)
    loading = Loading(batch_size, workspace, not no_cache)
    if model is not None:
        questions = bench.first(limit)
        name, answers = _answer_with(shown, model, questions, answer_tokens, loading)
    else:
        name, answers = str(answers_of), bench.answers_of(str(answers_of))
    items = baseline_items(bench, name, answers, limit=limit)
    config = JudgeConfig(max_tokens=max_tokens, verdict=verdict)
    pairs = run_pairwise(shown, judge, items, config, loading, templates)
    stored = store_votes(workspace, pairs, inconsistent) if store else None
    win_rates = _baseline_win_rates(pairs, bench.baseline, inconsistent, seed)
    extra = {"baseline": bench.baseline, "win_rates": _win_rates_json(win_rates), "stored": stored}
    report_pairs(shown, pairs, AuditOptions(policy=inconsistent, seed=seed), extra)
    if not as_json:
        _print_win_rates(shown.console, bench.baseline, win_rates)
        print_stored(shown.console, stored, None)


def _baseline_win_rates(
    pairs: Sequence[JudgedPair], baseline: str, policy: InconsistentPolicy, seed: int
) -> LengthControlledResult | None:
    preferences = baseline_preferences(pairs, baseline, policy)
    if not preferences:
        return None
    table = PreferenceTable.from_records(preferences)
    return length_controlled_win_rates(table, seed=seed, config=LengthControlConfig())


def _win_rates_json(result: LengthControlledResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "rows": [vars(row) for row in result.rows],
        "length_weight": result.length_weight,
        "length_weight_ci": result.length_weight_ci,
    }


def _print_win_rates(
    console: Console, baseline: str, result: LengthControlledResult | None
) -> None:
    if result is None:
        console.print("no counted verdict against the baseline: no win rate", highlight=False)
        return
    table = Table(title=f"Win rate against {baseline} (ties count half)")
    for header in ("model", "win rate", "95% CI", "LC win rate", "95% CI", "n", "mean Δlen"):
        table.add_column(header, justify="left" if header == "model" else "right")
    for row in result.rows:
        table.add_row(
            row.model,
            number(row.win_rate, 3),
            interval_text(row.win_ci),
            number(row.lc_win_rate, 3),
            interval_text(row.lc_ci),
            str(row.n),
            f"{row.mean_length_difference:+.0f}",
        )
    console.print(table)
