"""Which protocol each board column ranks, and why the other results of its task are not
ranked there.

A column ranks the results of one protocol (``evalatlas.store.protocol``): numbers taken
under different settings, or on a subset, are not comparable. By default a column's
protocol is the one most models have; a tie goes to the whole split over a subset, then
to the smaller protocol hash (any fixed rule would do; this one never depends on the order
results were stored). A user picks another with a selection ``{task: hash or prefix}``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError
from evalatlas.store import LatestRun
from evalatlas.store.protocol import Protocol, short_hash

ProtocolSelection = Mapping[str, str]  # task or group name -> protocol hash (or a prefix)


@dataclass(frozen=True)
class ProtocolChoice:
    """One protocol of a column's task: its hash, label, and how many models have it."""

    protocol_hash: str
    label: str
    is_full_split: bool
    models: int

    @property
    def short_hash(self) -> str:
        return short_hash(self.protocol_hash)

    def as_record(self) -> dict[str, object]:
        """The choice as JSON exports show it."""
        return {
            "protocol_hash": self.protocol_hash,
            "label": self.label,
            "is_full_split": self.is_full_split,
            "models": self.models,
        }


@dataclass(frozen=True)
class UnrankedResult:
    """A stored result the board does not rank in its task's column, and why."""

    model_reference: str
    model_fingerprint: str
    task: str
    run_id: str
    protocol: ProtocolChoice
    n_samples: int
    reason: str
    model_name: str = ""  # the model's display name, as on the board
    model_key: str = ""  # the model's key (``ModelCard.key``)


def parse_selection(values: Sequence[str]) -> dict[str, str]:
    """``{task: hash prefix}`` from ``TASK:HASH`` values (the web's ``protocol`` parameter,
    the CLI's ``--protocol``); ConfigError for a malformed value or a task given twice."""
    chosen: dict[str, str] = {}
    for value in values:
        task, colon, wanted = value.rpartition(":")
        if not colon or not task or not wanted.isalnum():
            raise ConfigError(f"{value!r} is not TASK:HASH (e.g. arc_easy:3fa2c1)")
        if chosen.get(task, wanted) != wanted:
            raise ConfigError(f"{task} is given two protocols; choose one")
        chosen[task] = wanted
    return chosen


def protocol_choices(
    task_runs: Sequence[LatestRun], protocols: Mapping[str, Protocol]
) -> list[ProtocolChoice]:
    """The task's protocols, default first (see the module docstring), then the rest by
    the same order. ``protocols``: the protocol of each run, by protocol hash."""
    models: dict[str, set[tuple[str, str]]] = defaultdict(set)
    full: dict[str, bool] = {}
    for run in task_runs:
        models[run.protocol_hash].add((run.model_reference, run.model_fingerprint))
        full[run.protocol_hash] = run.is_full_split
    choices = [
        ProtocolChoice(
            protocol_hash=hash_,
            label=protocols[hash_].label() if hash_ in protocols else short_hash(hash_),
            is_full_split=full[hash_],
            models=len(found),
        )
        for hash_, found in models.items()
    ]
    return sorted(choices, key=lambda c: (-c.models, not c.is_full_split, c.protocol_hash))


def chosen_protocol(
    task: str, choices: Sequence[ProtocolChoice], selection: ProtocolSelection
) -> ProtocolChoice:
    """The protocol the column of ``task`` ranks: the selected one, else the default.
    ConfigError when the selection names no protocol of the task, or more than one."""
    wanted = selection.get(task)
    if wanted is None:
        return choices[0]
    matching = [c for c in choices if c.protocol_hash.startswith(wanted.lower())]
    if len(matching) != 1:
        known = ", ".join(f"{c.short_hash} ({c.label})" for c in choices)
        problem = "matches no protocol" if not matching else "matches several protocols"
        raise ConfigError(f"protocol {wanted!r} of {task} {problem}; its protocols are: {known}")
    return matching[0]


def unranked_reason(
    run: LatestRun, run_protocol: ProtocolChoice, column: ProtocolChoice, full_size: int | None
) -> str:
    """Why ``run`` is not ranked in a column of ``column``'s protocol, in one sentence."""
    if not run.is_full_split:
        of_total = f"{run.n_samples:,} of {full_size:,}" if full_size else f"{run.n_samples:,}"
        where = "full runs" if column.is_full_split else f"the column's {column.label}"
        return f"evaluated on {of_total} samples: not ranked against {where}"
    return (
        f"measured under another protocol ({run_protocol.label}, {run_protocol.short_hash}) "
        f"than the column's ({column.label}, {column.short_hash}): not ranked against it"
    )


def full_split_size(task_runs: Sequence[LatestRun]) -> int | None:
    """The number of samples of the task's whole split, as its full runs saw it; None
    when no result covers the whole split."""
    sizes = [run.n_samples for run in task_runs if run.is_full_split]
    return max(sizes) if sizes else None
