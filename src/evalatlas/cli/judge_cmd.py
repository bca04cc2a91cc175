"""``evalatlas judge``: models as judges, with their biases measured.

    evalatlas judge pairwise --judge M --mt-bench DIR --models gpt-4,alpaca-13b --limit 3
    evalatlas judge pairwise --judge M --answers A.jsonl B.jsonl --questions Q.jsonl
    evalatlas judge pairwise --judge M --mt-bench DIR --models a,b --verdict choice
    evalatlas judge audit --judgments pairs.jsonl --human human.jsonl --family m1,m2
    evalatlas judge audit --from-store [--judge VOTER]
    evalatlas judge mt-bench --model M --judge J --limit 5 --data-dir DIR
    evalatlas judge arena-hard --answers-of gpt-4-0613 --judge J --limit 50 --data-dir DIR

Every number is printed with its 95% interval and n; ``--json`` prints the same as JSON.
Pairwise verdicts are stored as judge votes in the workspace (``--no-store`` to skip), and
every answer and judgment goes through the workspace's response cache (``--no-cache`` to
skip), so a rerun or a resumed run recomputes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from evalatlas.cli.display import make_console, number
from evalatlas.cli.files import write_text_atomic
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.cli.progress import RichProgress
from evalatlas.errors import ConfigError
from evalatlas.judge import (
    AuditOptions,
    BiasAudit,
    Estimate,
    HumanVote,
    InconsistentPolicy,
    JudgeConfig,
    JudgedPair,
    PairOutcome,
    PairwiseItem,
    PairwiseJudge,
    SingleJudge,
    VerdictMode,
    audit_judge,
    grade_summary,
    judge_battle_table,
    judge_votes,
)
from evalatlas.judge.answer_files import (
    Question,
    read_answers,
    read_human_votes,
    read_jsonl,
    read_questions,
)
from evalatlas.judge.answering import AnswerConfig, generate_answers
from evalatlas.judge.arena_hard import baseline_items, load_arena_hard
from evalatlas.judge.choice import ChatText
from evalatlas.judge.evidence import AuditedPair, PairEvidence, as_evidence
from evalatlas.judge.items import judged_pair_from_json, judged_pair_to_json
from evalatlas.judge.length_control import (
    LengthControlConfig,
    LengthControlledResult,
    PreferenceTable,
    baseline_preferences,
    length_controlled_win_rates,
)
from evalatlas.judge.mt_bench import load_mt_bench, pairwise_items, single_items
from evalatlas.judge.single import GradeSummary
from evalatlas.judge.stored import StoredJudge, stored_judges
from evalatlas.judge.verdicts import counted_outcome
from evalatlas.models import Model, load_model
from evalatlas.prompts import ChatTemplate, Message
from evalatlas.ratings import BattleTable, Outcome
from evalatlas.requests import ChatMessage
from evalatlas.runner.cache import StoreResponseCache
from evalatlas.scoring.stats import mean_metric

judge_app = typer.Typer(
    name="judge",
    help="Models as judges: pairwise verdicts, 1-10 grades, bias audits, win rates.",
    no_args_is_help=True,
    add_completion=False,
)

JudgeOption = Annotated[
    str, typer.Option("--judge", "-j", help="Model reference of the judge (any backend).")
]
LimitOption = Annotated[int | None, typer.Option(help="Judge only the first N questions.", min=1)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
MaxTokensOption = Annotated[
    int, typer.Option("--max-tokens", help="Tokens the judge may write (reasoning, then verdict).")
]
AnswerTokensOption = Annotated[int, typer.Option(help="Tokens the model may write per answer.")]
PolicyOption = Annotated[
    InconsistentPolicy,
    typer.Option(
        "--inconsistent",
        help="What a pair whose two orders disagree counts as: a tie, or nothing (drop).",
    ),
]
BatchOption = Annotated[
    int | None, typer.Option(help="Requests per model batch (default: what the backend prefers).")
]
SeedOption = Annotated[int, typer.Option(help="Seed of the bootstrap intervals.")]
CacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Compute every answer and judgment anew; neither read nor write the cache.",
    ),
]
StoreOption = Annotated[
    bool,
    typer.Option("--store/--no-store", help="Store pairwise verdicts as judge votes."),
]
VerdictOption = Annotated[
    VerdictMode,
    typer.Option(
        "--verdict",
        help="text: the last verdict marker the judge writes; choice: after its reasoning, "
        "the judge's most likely of the five markers (scored by log-likelihood).",
    ),
]


@dataclass(frozen=True)
class _Loading:
    """How models are loaded: batch size, and which workspace's response cache they use."""

    batch_size: int | None
    workspace: Path | None
    use_cache: bool


@contextmanager
def _loaded(reference: str, loading: _Loading) -> Iterator[Model]:
    """The model, answering from (and saving to) the workspace's response cache when
    ``use_cache``; closed afterwards."""
    model = load_model(reference, batch_size=loading.batch_size)
    try:
        if not loading.use_cache:
            yield model
            return
        with open_store(loading.workspace) as store:
            model.cache = StoreResponseCache(store.response_cache(), model.info.fingerprint)
            try:
                yield model
            finally:
                model.cache = None  # the hook must not outlive the store it writes to
    finally:
        model.close()


@dataclass(frozen=True)
class _Shown:
    """Where results go: tables or one JSON document on stdout; progress on stderr."""

    console: Console
    progress_console: Console
    as_json: bool

    @classmethod
    def make(cls, as_json: bool) -> _Shown:
        return cls(make_console(), Console(stderr=True), as_json)

    def progress(self, description: str, total: int) -> RichProgress:
        progress = RichProgress(self.progress_console)
        progress.start(description, total)
        return progress


def _split_names(text: str | None, option: str) -> list[str]:
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    if text is not None and not names:
        raise ConfigError(f"{option}: give comma-separated names")
    return names


def _turns(text: str) -> tuple[int, ...]:
    try:
        turns = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise ConfigError(f"--turns {text!r}: give turn numbers such as 1,2") from None
    if not turns or turns[0] < 1:
        raise ConfigError(f"--turns {text!r}: turns are numbered from 1")
    return turns


def _interval(bounds: tuple[float, float], digits: int = 3) -> str:
    return f"[{number(bounds[0], digits)}, {number(bounds[1], digits)}]"


def _estimate_cells(estimate: Estimate) -> tuple[str, str, str]:
    interval = _interval((estimate.ci_low, estimate.ci_high))
    return number(estimate.value, 3), interval, str(estimate.n)


def _run_pairwise(
    shown: _Shown,
    reference: str,
    items: Sequence[PairwiseItem],
    config: JudgeConfig,
    loading: _Loading,
) -> list[JudgedPair]:
    with _loaded(reference, loading) as model:
        judge = PairwiseJudge(model, config=config, chat_text=_chat_text(model))
        description = "judging (both orders)"
        if judge.choosing:
            description += ", then scoring the five verdicts"
        progress = shown.progress(description, judge.planned_requests(items))
        try:
            return judge.judge(items, progress=progress.advance)
        finally:
            progress.finish()


def _chat_text(model: Model) -> ChatText | None:
    """The judge's conversation rendered as its backend renders it (its chat template from
    the model's metadata); None for a model without one."""
    info = model.info
    if info.chat_template is None:
        return None
    template = ChatTemplate(info.chat_template, info.bos_token or "", info.eos_token or "")

    def render(messages: Sequence[ChatMessage]) -> str:
        chat: list[Message] = [{"role": m.role, "content": m.content} for m in messages]
        return template.render(chat, add_generation_prompt=True)

    return render


def _store_votes(
    workspace: Path | None, pairs: Sequence[JudgedPair], policy: InconsistentPolicy
) -> dict[str, Any]:
    battles, votes = judge_votes(pairs, policy)
    with open_store(workspace) as store:
        added, skipped = store.arena().add_battles(battles, votes)
        root = str(store.root)
    return {"added": added, "skipped": skipped, "workspace": root}


def _write_judgments(path: Path, pairs: Sequence[JudgedPair]) -> None:
    lines = [json.dumps(judged_pair_to_json(pair), ensure_ascii=False) for pair in pairs]
    write_text_atomic(path, "".join(line + "\n" for line in lines))


def _items_from_answers(
    paths: tuple[Path, Path], questions: Path | None, turns: tuple[int, ...], limit: int | None
) -> list[PairwiseItem]:
    first, second = read_answers(paths[0]), read_answers(paths[1])
    if first.model == second.model:
        raise ConfigError(f"--answers: both files hold answers of {first.model!r}")
    known = read_questions(questions) if questions is not None else []
    asked = {q.question_id: q.turns for q in known}
    categories = {q.question_id: q.category for q in known}
    shared = [qid for qid in first.answers if qid in second.answers][:limit]
    items = []
    for qid in shared:
        prompts = asked.get(qid) or first.prompts.get(qid) or second.prompts.get(qid)
        if prompts is None:
            raise ConfigError(f"--answers: no question text for question {qid}; pass --questions")
        answered = min(len(prompts), len(first.answers[qid]), len(second.answers[qid]))
        for turn in (t for t in turns if t <= answered):
            items.append(
                PairwiseItem(
                    pair_id=f"{qid}:turn{turn}:{first.model}|{second.model}",
                    model_a=first.model,
                    model_b=second.model,
                    questions=prompts[:turn],
                    answers_a=first.answers[qid][:turn],
                    answers_b=second.answers[qid][:turn],
                    category=categories.get(qid),
                    question_id=qid,
                )
            )
    return items


def _items_from_mt_bench(
    directory: Path, models: list[str], turns: tuple[int, ...], limit: int | None
) -> list[PairwiseItem]:
    if len(models) != 2:
        raise ConfigError("--models: name exactly two models of the MT-Bench answer files")
    bench = load_mt_bench(directory, models=models)
    pair = ((models[0], bench.answers_of(models[0])), (models[1], bench.answers_of(models[1])))
    return pairwise_items(bench, pair, turns=turns, limit=limit)


def _head_to_head(
    pairs: Sequence[PairEvidence], policy: InconsistentPolicy
) -> list[dict[str, Any]]:
    """Per ordered pair of models: counted outcomes and model A's win rate (ties half)."""
    by_models: dict[tuple[str, str], list[Outcome]] = {}
    for pair in pairs:
        outcomes = by_models.setdefault((pair.model_a, pair.model_b), [])
        outcome = counted_outcome(pair.outcome, policy)
        if outcome is not None:
            outcomes.append(outcome)
    rows = []
    for (model_a, model_b), outcomes in by_models.items():
        metric = mean_metric([{Outcome.A: 1.0, Outcome.B: 0.0}.get(o, 0.5) for o in outcomes])
        rows.append(
            {
                "model_a": model_a,
                "model_b": model_b,
                "n": metric.n,
                "wins_a": outcomes.count(Outcome.A),
                "ties": outcomes.count(Outcome.TIE),
                "wins_b": outcomes.count(Outcome.B),
                "win_rate_a": metric.value,
                "ci_low": metric.ci_low,
                "ci_high": metric.ci_high,
            }
        )
    return rows


def _audit_rows(audit: BiasAudit) -> list[tuple[str, Estimate]]:
    rows = [
        ("position consistency", audit.position_consistency),
        ("first-position win rate", audit.first_position_win_rate),
        ("P(longer answer wins), no ties", audit.longer_answer_win_rate),
        ("P(longer answer wins), per judgment", audit.longer_answer_judgment_win_rate),
    ]
    preference = audit.self_preference
    if preference is not None:
        rows.append(("family win rate (this judge)", preference.judge_win_rate))
        if preference.reference_win_rate is not None:
            rows.append(("family win rate (reference)", preference.reference_win_rate))
        if preference.difference is not None:
            rows.append(("self-preference (difference)", preference.difference))
    if audit.agreement is not None:
        rows.append(("human agreement, no ties", audit.agreement.accuracy))
        rows.append(("Cohen's kappa with humans", audit.agreement.kappa))
    return rows


_VERDICT_SOURCES = {
    "text": "the last verdict marker the judge wrote",
    "choice": "the judge's most likely of the five markers after its reasoning",
}


def _print_audit(
    console: Console, audit: BiasAudit, policy: InconsistentPolicy, *, stored: bool = False
) -> None:
    counted = "counted as ties" if policy is InconsistentPolicy.TIE else "dropped"
    if audit.verdict_source is not None:
        console.print(
            f"verdicts: {audit.verdict_source} ({_VERDICT_SOURCES[audit.verdict_source]})",
            highlight=False,
        )
    if stored:
        console.print(
            f"{audit.pairs} stored judge votes, each judged in both orders: "
            f"{audit.inconsistent} inconsistent ({counted}); pairs left unscored cast no "
            "vote and are not stored",
            highlight=False,
        )
    else:
        console.print(
            f"{audit.pairs} pairs judged in both orders: {audit.unscored} unscored (no "
            f"verdict in an order), {audit.inconsistent} inconsistent ({counted})",
            highlight=False,
        )
    if audit.at_token_limit and audit.verdict_source == VerdictMode.CHOICE:
        console.print(
            f"{audit.at_token_limit} of {2 * audit.pairs} judgments' reasoning stopped at the "
            "token limit (their verdicts were chosen after the cut reasoning)",
            highlight=False,
        )
    if audit.unparsed_at_token_limit:
        console.print(
            f"{audit.unparsed_at_token_limit} judgments without a verdict stopped at the "
            "token limit: raise --max-tokens",
            highlight=False,
        )
    table = Table(title="Judge biases")
    for header in ("statistic", "value", "95% CI", "n", "interval"):
        table.add_column(header, justify="left" if header == "statistic" else "right")
    for name, estimate in _audit_rows(audit):
        table.add_row(name, *_estimate_cells(estimate), estimate.method)
    console.print(table)


def _print_head_to_head(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="Head to head (ties count half)")
    for header in ("model A", "model B", "A wins", "ties", "B wins", "A win rate", "95% CI", "n"):
        table.add_column(header, justify="left" if header.startswith("model") else "right")
    for row in rows:
        table.add_row(
            row["model_a"],
            row["model_b"],
            str(row["wins_a"]),
            str(row["ties"]),
            str(row["wins_b"]),
            number(row["win_rate_a"], 3),
            _interval((row["ci_low"], row["ci_high"])),
            str(row["n"]),
        )
    console.print(table)


def _json_ready(value: Any) -> Any:
    """NaN (an empty estimate) becomes null, as JSON has no NaN."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value


def _echo_json(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(_json_ready(payload), indent=2, ensure_ascii=False))


def _report_json(
    pairs: Sequence[AuditedPair], options: AuditOptions, judges: list[str]
) -> dict[str, Any]:
    evidence = as_evidence(pairs)
    audit = audit_judge(evidence, options)
    return {
        "judges": judges,
        "verdict_source": audit.verdict_source,
        "pairs": len(evidence),
        "outcomes": {o.value: sum(p.outcome is o for p in evidence) for o in PairOutcome},
        "inconsistent_policy": options.policy.value,
        "head_to_head": _head_to_head(evidence, options.policy),
        "audit": audit.as_json(),
    }


def _print_report(
    console: Console,
    pairs: Sequence[AuditedPair],
    options: AuditOptions,
    judges: list[str],
    *,
    stored: bool = False,
) -> None:
    evidence = as_evidence(pairs)
    audit = audit_judge(evidence, options)
    for judge in judges:
        console.print(f"judge: {judge}", highlight=False, markup=False)
    _print_head_to_head(console, _head_to_head(evidence, options.policy))
    _print_audit(console, audit, options.policy, stored=stored)


def _report_pairs(
    shown: _Shown, pairs: Sequence[JudgedPair], options: AuditOptions, extra: dict[str, Any]
) -> None:
    judges = sorted({pair.judge for pair in pairs})
    if shown.as_json:
        _echo_json(_report_json(pairs, options, judges) | extra)
    else:
        _print_report(shown.console, pairs, options, judges)


def _print_stored(console: Console, stored: dict[str, Any] | None, output: Path | None) -> None:
    if stored is not None:
        console.print(
            f"{stored['added']} judge votes stored ({stored['skipped']} already stored) "
            f"in {stored['workspace']}",
            highlight=False,
        )
    if output is not None:
        console.print(f"judged pairs written to {output}", highlight=False)


@judge_app.command("pairwise")
def pairwise_command(
    judge: JudgeOption,
    answers: Annotated[
        tuple[Path, Path] | None,
        typer.Option(help="Two answer files (JSONL), one model each.", show_default=False),
    ] = None,
    questions: Annotated[
        Path | None, typer.Option(help="Questions (JSONL) for --answers files without prompts.")
    ] = None,
    mt_bench: Annotated[
        Path | None, typer.Option("--mt-bench", help="MT-Bench folder (FastChat layout).")
    ] = None,
    models: Annotated[
        str | None, typer.Option(help="With --mt-bench: two answer sets, e.g. gpt-4,alpaca-13b.")
    ] = None,
    turns: Annotated[str, typer.Option(help="Turns to judge, e.g. 1,2 or 2.")] = "1,2",
    limit: LimitOption = None,
    max_tokens: MaxTokensOption = 1024,
    verdict: VerdictOption = VerdictMode.TEXT,
    inconsistent: PolicyOption = InconsistentPolicy.TIE,
    output: Annotated[
        Path | None, typer.Option(help="Write every judged pair as JSONL (for 'judge audit').")
    ] = None,
    store: StoreOption = True,
    no_cache: CacheOption = False,
    batch_size: BatchOption = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Judge two models' answers pair by pair, in both orders; print biases with CIs."""
    if (answers is None) == (mt_bench is None):
        raise ConfigError("give either --answers A.jsonl B.jsonl or --mt-bench DIR --models a,b")
    items: list[PairwiseItem] = []
    if answers is not None:
        items = _items_from_answers(answers, questions, _turns(turns), limit)
    elif mt_bench is not None:
        names = _split_names(models, "--models")
        items = _items_from_mt_bench(mt_bench, names, _turns(turns), limit)
    if not items:
        raise ConfigError("nothing to judge: the two answer sets share no question")
    shown = _Shown.make(as_json)
    loading = _Loading(batch_size, workspace, not no_cache)
    config = JudgeConfig(max_tokens=max_tokens, verdict=verdict)
    pairs = _run_pairwise(shown, judge, items, config, loading)
    if output is not None:
        _write_judgments(output, pairs)
    stored = _store_votes(workspace, pairs, inconsistent) if store else None
    options = AuditOptions(policy=inconsistent, seed=seed)
    _report_pairs(shown, pairs, options, {"stored": stored})
    if not as_json:
        _print_stored(shown.console, stored, output)


def _read_judgments(path: Path) -> list[JudgedPair]:
    return [
        judged_pair_from_json(row, f"{path}:{line}")
        for line, row in enumerate(read_jsonl(path), start=1)
    ]


def _reference_table(
    path: Path | None, humans: Sequence[HumanVote], policy: InconsistentPolicy
) -> BattleTable | None:
    """Another judge's battles when given, else the human votes' battles, else None."""
    if path is not None:
        return judge_battle_table(_read_judgments(path), policy)
    if humans:
        return BattleTable.from_records([(v.model_a, v.model_b, v.outcome) for v in humans])
    return None


@judge_app.command("audit")
def audit_command(
    judgments: Annotated[
        Path | None, typer.Option(help="Judged pairs written by 'judge pairwise --output'.")
    ] = None,
    from_store: Annotated[
        bool,
        typer.Option("--from-store", help="Audit the judge votes stored in the workspace."),
    ] = False,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            "-j",
            help="With --from-store: one judge (voter name, or judge model reference); "
            "default: list the stored judges and audit each.",
        ),
    ] = None,
    human: Annotated[
        Path | None,
        typer.Option(help="Human votes on the same battles (MT-Bench human judgments JSONL)."),
    ] = None,
    family: Annotated[
        str | None, typer.Option(help="Models of the judge's own family, e.g. m1,m2.")
    ] = None,
    reference_judgments: Annotated[
        Path | None,
        typer.Option(help="Another judge's pairs: the reference for self-preference."),
    ] = None,
    inconsistent: PolicyOption = InconsistentPolicy.TIE,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples.", min=1)] = 1000,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Position, length and self-preference biases of judged pairs (from a file, or the
    judge votes stored in the workspace); agreement with human votes; every number with
    its 95% CI and n."""
    if (judgments is None) == (not from_store):
        raise ConfigError("give either --judgments FILE or --from-store")
    if judge is not None and not from_store:
        raise ConfigError("--judge names a stored judge: use it with --from-store")
    humans = tuple(read_human_votes(human)) if human is not None else ()
    options = AuditOptions(
        policy=inconsistent,
        family=tuple(_split_names(family, "--family")),
        reference=_reference_table(reference_judgments, humans, inconsistent),
        humans=humans,
        seed=seed,
        n_boot=n_boot,
    )
    shown = _Shown.make(as_json)
    if judgments is not None:
        _report_pairs(shown, _read_judgments(judgments), options, {"judgments": str(judgments)})
        return
    with open_store(workspace) as store:
        root = str(store.root)
        judges = stored_judges(store.arena().decided_battles(), judge)
    if not judges:
        named = f" for {judge!r}" if judge is not None else ""
        raise ConfigError(
            f"no judge votes stored{named} in {root}: run 'evalatlas judge pairwise' first"
        )
    _report_stored(shown, judges, options, root)


def _stored_row(judge: StoredJudge) -> dict[str, Any]:
    return {
        "judge": judge.name,
        "verdict_source": judge.verdict_source.value,
        "voters": judge.voters,
        "votes": judge.votes,
        "without_details": judge.without_details,
    }


def _report_stored(
    shown: _Shown, judges: list[StoredJudge], options: AuditOptions, root: str
) -> None:
    """One audit per stored judge (model and verdict mode): never mixed."""
    if shown.as_json:
        audits = [
            _stored_row(judge) | _report_json(judge.pairs, options, judge.voters)
            for judge in judges
        ]
        _echo_json({"workspace": root, "judges": audits})
        return
    table = Table(title=f"Judges stored in {root}")
    for header in ("judge", "verdicts", "voters (templates)", "votes", "without details"):
        table.add_column(header, justify="right" if header.endswith("s") else "left")
    for judge in judges:
        table.add_row(
            judge.name,
            judge.verdict_source.value,
            "\n".join(voter.rpartition("@")[2] for voter in judge.voters),
            str(judge.votes),
            str(judge.without_details),
        )
    shown.console.print(table)
    for judge in judges:
        shown.console.print(
            f"\naudit of {judge.name} ({judge.verdict_source.value} verdicts)",
            highlight=False,
            markup=False,
        )
        if judge.without_details:
            shown.console.print(
                f"{judge.without_details} votes stored without details are left out",
                highlight=False,
            )
        _print_report(shown.console, judge.pairs, options, judge.voters, stored=True)


def _answer_with(
    shown: _Shown,
    reference: str,
    questions: Sequence[Question],
    max_tokens: int,
    loading: _Loading,
) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The model's reference and its answers to every turn of ``questions``."""
    with _loaded(reference, loading) as model:
        progress = shown.progress("answering", sum(len(q.turns) for q in questions))
        try:
            config = AnswerConfig(max_tokens=max_tokens)
            answers = generate_answers(model, questions, config, progress.advance)
        finally:
            progress.finish()
        return model.info.reference, answers


def _data_source(
    model: str | None, answers_of: str | None, data_dir: Path | None, what: str
) -> Path:
    """The data folder, once the command names exactly one source of answers."""
    if (model is None) == (answers_of is None):
        raise ConfigError("give either --model REFERENCE (answers are generated) or --answers-of")
    if data_dir is None:
        raise ConfigError(f"{what} data: pass --data-dir with its folder (see --help)")
    return data_dir


@judge_app.command("mt-bench")
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
    max_tokens: MaxTokensOption = 1024,
    no_cache: CacheOption = False,
    batch_size: BatchOption = None,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Grade a model's MT-Bench answers 1-10 with a judge; scores per turn and category."""
    folder = _data_source(model, answers_of, data_dir, "MT-Bench")
    bench = load_mt_bench(folder, models=[answers_of] if answers_of else [])
    shown = _Shown.make(as_json)
    loading = _Loading(batch_size, workspace, not no_cache)
    if model is not None:
        questions = bench.first(limit)
        name, answers = _answer_with(shown, model, questions, answer_tokens, loading)
    else:
        name, answers = str(answers_of), bench.answers_of(str(answers_of))
    items = single_items(bench, name, answers, turns=_turns(turns), limit=limit)
    with _loaded(judge, loading) as judge_model:
        grader = SingleJudge(judge_model, config=JudgeConfig(max_tokens=max_tokens))
        progress = shown.progress("grading", len(items))
        try:
            grades = grader.grade(items, progress=progress.advance)
        finally:
            progress.finish()
    _report_grades(shown, sorted({g.judge for g in grades}), grade_summary(grades))


def _report_grades(shown: _Shown, judges: list[str], rows: list[GradeSummary]) -> None:
    if shown.as_json:
        scores = [{"model": r.model, "group": r.group, **vars(r.score)} for r in rows]
        _echo_json({"judges": judges, "scores": scores})
        return
    for judge in judges:
        shown.console.print(f"judge: {judge}", highlight=False, markup=False)
    table = Table(title="MT-Bench grades (1-10)")
    for header in ("model", "group", "mean", "95% CI", "n", "unscored"):
        table.add_column(header, justify="left" if header in ("model", "group") else "right")
    for row in rows:
        score = row.score
        table.add_row(
            row.model,
            row.group,
            number(score.value, 2),
            _interval((score.ci_low, score.ci_high), 2),
            str(score.n),
            str(score.n_unscored),
        )
    shown.console.print(table)


@judge_app.command("arena-hard")
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
    bench = load_arena_hard(folder)
    shown = _Shown.make(as_json)
    loading = _Loading(batch_size, workspace, not no_cache)
    if model is not None:
        questions = bench.first(limit)
        name, answers = _answer_with(shown, model, questions, answer_tokens, loading)
    else:
        name, answers = str(answers_of), bench.answers_of(str(answers_of))
    items = baseline_items(bench, name, answers, limit=limit)
    config = JudgeConfig(max_tokens=max_tokens, verdict=verdict)
    pairs = _run_pairwise(shown, judge, items, config, loading)
    stored = _store_votes(workspace, pairs, inconsistent) if store else None
    win_rates = _baseline_win_rates(pairs, bench.baseline, inconsistent, seed)
    extra = {"baseline": bench.baseline, "win_rates": _win_rates_json(win_rates), "stored": stored}
    _report_pairs(shown, pairs, AuditOptions(policy=inconsistent, seed=seed), extra)
    if not as_json:
        _print_win_rates(shown.console, bench.baseline, win_rates)
        _print_stored(shown.console, stored, None)


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
            _interval(row.win_ci),
            number(row.lc_win_rate, 3),
            _interval(row.lc_ci),
            str(row.n),
            f"{row.mean_length_difference:+.0f}",
        )
    console.print(table)
