"""One judge's stored verdicts pair by pair: the prompt, both orders' verdicts in terms of
the two models, how they were reconciled, the answers' lengths and people's vote on the
same prompt and pair when there is one. Paged; optionally the inconsistent pairs only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from evalatlas.judge.evidence import PairEvidence
from evalatlas.judge.store_audit import StoredAudit, people_on_judged_pairs
from evalatlas.judge.verdicts import PairOutcome, Verdict
from evalatlas.outcomes import Outcome
from evalatlas.store import ArenaRecords
from evalatlas.web.arena_column import ShownNames, shown_name
from evalatlas.web.arena_state import ArenaSnapshot
from evalatlas.web.params import ParamReader, check_page

PAGE_SIZE = 50
PROMPT_SHOWN = 300  # characters of a prompt in the table; the JSON has it whole
PAIR_PARAMETERS = {
    "judge": "The judge: its source name as /api/judges lists it, e.g. "
    "'judge:bundled:smollm2-135m-instruct (text)' (default: the first).",
    "page": "Page of 50 pairs, from 1.",
    "inconsistent_only": "1: only pairs whose two orders disagree.",
}
PeopleKey = tuple[str, int, str, str]


@dataclass(frozen=True)
class PairsQuery:
    judge: str
    page: int
    inconsistent_only: bool

    def url(self, path: str = "/judges/pairs", page: int | None = None) -> str:
        query = {"judge": self.judge, "page": str(page or self.page)}
        if self.inconsistent_only:
            query["inconsistent_only"] = "1"
        return f"{path}?{urlencode(query)}"


def read_pairs_query(reader: ParamReader, judges: list[str]) -> PairsQuery:
    return PairsQuery(
        judge=reader.choice("judge", judges, judges[0] if judges else "") or "",
        page=reader.integer("page", 1, 1, 1_000_000),
        inconsistent_only=reader.choice("inconsistent_only", ("0", "1"), "0") == "1",
    )


def in_model_terms(verdict: Verdict | None, a_first: bool) -> str | None:
    """A verdict as written (first-shown answer = "A") restated with A = model A."""
    if verdict is None:
        return None
    return (verdict if a_first else verdict.swapped()).value


def people_votes(snapshot: ArenaSnapshot, records: ArenaRecords) -> dict[PeopleKey, Outcome]:
    """People's votes by (prompt, turn, model A, model B) in that order (kept per state)."""

    def compute() -> dict[PeopleKey, Outcome]:
        people = people_on_judged_pairs(snapshot.counted)
        prompts = records.battle_prompts([b.battle_id for b in people])
        votes: dict[PeopleKey, Outcome] = {}
        for battle in people:
            prompt, turn = prompts[battle.battle_id]
            votes[(prompt, turn or 1, battle.model_a, battle.model_b)] = battle.outcome
        return votes

    return snapshot.derived("people-votes-by-prompt", compute)


def _people_vote(
    votes: dict[PeopleKey, Outcome], prompt: str, turn: int, pair: PairEvidence
) -> Outcome | None:
    """People's vote on this prompt and pair, in this pair's model order."""
    direct = votes.get((prompt, turn, pair.model_a, pair.model_b))
    if direct is not None:
        return direct
    mirrored = votes.get((prompt, turn, pair.model_b, pair.model_a))
    if mirrored is None:
        return None
    return {Outcome.A: Outcome.B, Outcome.B: Outcome.A}.get(mirrored, mirrored)


def pairs_page(
    report: StoredAudit,
    query: PairsQuery,
    records: ArenaRecords,
    people: dict[PeopleKey, Outcome],
    names: ShownNames | None = None,
) -> dict[str, Any]:
    """The query's page of the judge's pairs, as JSON-ready rows; ``name_a``/``name_b``
    are the models' display names (``names``: stored models' by reference)."""
    chosen = [
        (battle_id, pair)
        for battle_id, pair in zip(report.judge.battle_ids, report.judge.pairs, strict=True)
        if not query.inconsistent_only or pair.outcome is PairOutcome.INCONSISTENT
    ]
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    check_page(query.page, pages)
    start = (query.page - 1) * PAGE_SIZE
    shown = chosen[start : start + PAGE_SIZE]
    prompts = records.battle_prompts([battle_id for battle_id, _ in shown])
    rows = []
    for battle_id, pair in shown:
        prompt, turn = prompts.get(battle_id, ("", None))
        rows.append(
            {
                "battle_id": battle_id,
                "prompt": prompt,
                "turn": turn or 1,
                "model_a": pair.model_a,
                "model_b": pair.model_b,
                "name_a": shown_name(pair.model_a, names),
                "name_b": shown_name(pair.model_b, names),
                "a_first": in_model_terms(pair.forward, a_first=True),
                "b_first": in_model_terms(pair.backward, a_first=False),
                "outcome": pair.outcome.value,
                "length_a": pair.length_a,
                "length_b": pair.length_b,
                "people": _people_vote(people, prompt, turn or 1, pair),
            }
        )
    return {"total": len(chosen), "page": query.page, "pages": pages, "rows": rows}
