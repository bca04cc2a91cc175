"""``evalatlas judge``: models as judges, with their biases measured.

    evalatlas judge pairwise --judge M --mt-bench DIR --models gpt-4,alpaca-13b --limit 3
    evalatlas judge pairwise --judge M --answers A.jsonl B.jsonl --questions Q.jsonl
    evalatlas judge pairwise --judge M --mt-bench DIR --models a,b --verdict choice
    evalatlas judge pairwise --judge M --battles store      # the arena battles people voted on
    evalatlas judge audit --judgments pairs.jsonl --human human.jsonl --family m1,m2
    evalatlas judge audit --from-store [--judge VOTER]
    evalatlas judge ratings                                  # people and judges side by side
    evalatlas judge mt-bench --model M --judge J --limit 5 --data-dir DIR
    evalatlas judge mt-bench --answers-of gpt-4 --judge J --verdict choice --data-dir DIR
    evalatlas judge arena-hard --answers-of gpt-4-0613 --judge J --limit 50 --data-dir DIR

Every number is printed with its 95% interval and n; ``--json`` prints the same as JSON.
Pairwise verdicts are stored as judge votes in the workspace (``--no-store`` to skip), and
every answer and judgment goes through the workspace's response cache (``--no-cache`` to
skip), so a rerun or a resumed run recomputes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from evalatlas.cli.files import write_text_atomic
from evalatlas.cli.judge_battles import battles_to_judge
from evalatlas.cli.judge_bench_cmd import arena_hard_command, mt_bench_command
from evalatlas.cli.judge_ratings_cmd import ratings_command
from evalatlas.cli.judge_report import (
    print_report,
    print_stored,
    report_json,
    report_pairs,
    run_pairwise,
)
from evalatlas.cli.judge_shared import (
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
    judge_app,
    parse_turns,
    split_names,
    store_votes,
    templates_from,
)
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.errors import ConfigError
from evalatlas.jsonio import dumps
from evalatlas.judge import (
    AuditOptions,
    HumanVote,
    InconsistentPolicy,
    JudgedPair,
    PairwiseItem,
    VerdictMode,
    judge_battle_table,
)
from evalatlas.judge.items import (
    judged_pair_from_json,
    judged_pair_to_json,
)
from evalatlas.judge.run import JudgeConfig
from evalatlas.judge.run.answer_files import (
    read_answers,
    read_human_votes,
    read_jsonl,
    read_questions,
)
from evalatlas.judge.run.mt_bench import load_mt_bench, pairwise_items
from evalatlas.judge.store_audit import AuditInput, audit_inputs, audit_prompts
from evalatlas.judge.templates import TemplateKind
from evalatlas.ratings import BattleTable


def _write_judgments(path: Path, pairs: Sequence[JudgedPair]) -> None:
    lines = [dumps(judged_pair_to_json(pair)) for pair in pairs]
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
    battles: Annotated[
        str | None,
        typer.Option(
            "--battles",
            help="'store': the arena battles in the workspace that have both answers (the "
            "report adds agreement with people's votes on them); or a battles JSONL file.",
        ),
    ] = None,
    turns: Annotated[str, typer.Option(help="Turns to judge, e.g. 1,2 or 2.")] = "1,2",
    limit: LimitOption = None,
    max_tokens: MaxTokensOption = 1024,
    verdict: VerdictOption = VerdictMode.TEXT,
    template: TemplateOption = None,
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
    if sum(given is not None for given in (answers, mt_bench, battles)) != 1:
        raise ConfigError(
            "give one of --answers A.jsonl B.jsonl, --mt-bench DIR --models a,b or "
            "--battles store|FILE.jsonl"
        )
    templates = templates_from(template, TemplateKind.PAIRWISE)
    items: list[PairwiseItem] = []
    humans: tuple[HumanVote, ...] = ()
    if answers is not None:
        items = _items_from_answers(answers, questions, parse_turns(turns), limit)
    elif mt_bench is not None:
        names = split_names(models, "--models")
        items = _items_from_mt_bench(mt_bench, names, parse_turns(turns), limit)
    elif battles is not None:
        items, humans = battles_to_judge(battles, workspace, limit)
    if not items:
        raise ConfigError("nothing to judge: the two answer sets share no question")
    shown = Shown.make(as_json)
    loading = Loading(batch_size, workspace, not no_cache)
    config = JudgeConfig(max_tokens=max_tokens, verdict=verdict)
    pairs = run_pairwise(shown, judge, items, config, loading, templates)
    if output is not None:
        _write_judgments(output, pairs)
    stored = store_votes(workspace, pairs, inconsistent) if store else None
    options = AuditOptions(policy=inconsistent, humans=humans, seed=seed)
    report_pairs(shown, pairs, options, {"stored": stored})
    if not as_json:
        print_stored(shown.console, stored, output)


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
        family=tuple(split_names(family, "--family")),
        reference=_reference_table(reference_judgments, humans, inconsistent),
        humans=humans,
        seed=seed,
        n_boot=n_boot,
    )
    shown = Shown.make(as_json)
    if judgments is not None:
        report_pairs(shown, _read_judgments(judgments), options, {"judgments": str(judgments)})
        return
    # Nothing to compare with given: the people's votes in the same store, as /judges does.
    with_people = human is None and family is None and reference_judgments is None
    with open_store(workspace) as store:
        root = str(store.root)
        records = store.arena()
        battles = list(records.decided_battles())
        prompts = audit_prompts(records, battles) if with_people else {}
    inputs = audit_inputs(
        battles, prompts, judge=judge, policy=inconsistent, seed=seed, n_boot=n_boot
    )
    if not inputs:
        named = f" for {judge!r}" if judge is not None else ""
        raise ConfigError(
            f"no judge votes stored{named} in {root}: run 'evalatlas judge pairwise' first"
        )
    if not with_people:
        inputs = [replace(item, pairs=item.judge.pairs, options=options) for item in inputs]
    _report_stored(shown, inputs, root)


def _stored_row(item: AuditInput) -> dict[str, Any]:
    judge = item.judge
    return {
        "judge": judge.name,
        "verdict_source": judge.verdict_source.value,
        "voters": judge.voters,
        "votes": judge.votes,
        "without_details": judge.without_details,
        "family": list(item.options.family),
    }


def _report_stored(shown: Shown, inputs: list[AuditInput], root: str) -> None:
    """One audit per stored judge (model and verdict mode): never mixed."""
    if shown.as_json:
        audits = [
            _stored_row(item) | report_json(item.pairs, item.options, item.judge.voters)
            for item in inputs
        ]
        echo_json({"workspace": root, "judges": audits})
        return
    table = Table(title=f"Judges stored in {root}")
    for header in ("judge", "verdicts", "voters (templates)", "votes", "without details"):
        table.add_column(header, justify="right" if header.endswith("s") else "left")
    for item in inputs:
        judge = item.judge
        table.add_row(
            judge.name,
            judge.verdict_source.value,
            "\n".join(voter.rpartition("@")[2] for voter in judge.voters),
            str(judge.votes),
            str(judge.without_details),
        )
    shown.console.print(table)
    for item in inputs:
        judge = item.judge
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
        if item.options.family:
            shown.console.print(
                f"family (by name, against people's votes): {', '.join(item.options.family)}",
                highlight=False,
                markup=False,
            )
        print_report(shown.console, item.pairs, item.options, judge.voters, stored=True)


__all__ = ["judge_app"]  # with every judge command on it

# The judge commands kept in modules of their own.
judge_app.command("mt-bench")(mt_bench_command)
judge_app.command("arena-hard")(arena_hard_command)
judge_app.command("ratings")(ratings_command)
