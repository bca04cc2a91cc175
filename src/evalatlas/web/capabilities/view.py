"""What the capability map and discovery pages show, and their JSON twins.

A heatmap cell is coloured by its category score in ten bins of 10 points (CSS classes
``heat-0`` .. ``heat-9``: the CSP forbids inline styles); its text is the score and its
95% CI. A score over only some of the category's tasks is marked partial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from evalatlas.analysis.capability import (
    Candidate,
    CapabilityMap,
    CapabilityRow,
    Category,
    CategoryScore,
    Discovery,
    DiscoveryQuery,
)
from evalatlas.analysis.leaderboard import LeaderboardRow, ModelCard
from evalatlas.analysis.random_baseline import random_sentence
from evalatlas.web.board_export import card_json, model_url
from evalatlas.web.board_query import MAX_PAGE, MODEL_TYPES, SIZE_PRESETS, BoardQuery
from evalatlas.web.cells import (
    MISSING,
    NORMALISED,
    WHISKER_WIDTH,
    CellView,
    Whisker,
    finite,
    format_parameters,
    random_json,
)
from evalatlas.web.errors import InvalidParameter
from evalatlas.web.model_filters import FILTER_PARAMETERS
from evalatlas.web.params import MAX_TEXT_LENGTH, ParamReader, check_page

CAPABILITY_PARAMETERS = {
    **FILTER_PARAMETERS,
    "sort": "average (leaderboard order, default), name, or a category id to sort by its score.",
    "page": "Page number, from 1.",
    "per_page": "Rows per page, 1-500 (default 100).",
}
DISCOVER_PARAMETERS = {
    "category": "Category id: knowledge, reasoning, math, instruction_following, "
    "truthfulness or other (default: the first category the board has).",
    "params_max": "Largest parameter count, inclusive (e.g. 8B); unknown sizes never match.",
    "licence": "Licence, repeatable (case-insensitive).",
    "type": "Model type, repeatable: pretrained, instruction-tuned, merge, unknown "
    "(quantisation is a property of its own: see quantisation).",
    "show_flagged": FILTER_PARAMETERS["show_flagged"],
    "protocol": FILTER_PARAMETERS["protocol"],
}
HEAT_BINS = 10
DEFAULT_HEATMAP_ROWS = 100
MAX_HEATMAP_ROWS = 500
CAPABILITY_PATH = "/capabilities"
FIXED_SORTS = ("average", "name")
CATEGORY_IDS = tuple(category.value for category in Category)


@dataclass(frozen=True)
class HeatCell:
    text: str
    interval: str
    title: str
    heat: str  # CSS class: heat-0 .. heat-9, or heat-none
    partial: bool
    random_note: str = ""  # set when the score is not distinguishable from random guessing


@dataclass(frozen=True)
class HeatRow:
    card: ModelCard
    url: str
    parameters: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class CategoryHeader:
    category: Category
    tasks: tuple[str, ...]
    url: str  # sorts the map by this category
    current: bool


def heat_class(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "heat-none"
    return f"heat-{min(HEAT_BINS - 1, max(0, int(value // (100 / HEAT_BINS))))}"


def _interval_text(score: CategoryScore) -> str:
    low, high = finite(score.ci_low), finite(score.ci_high)
    return "" if low is None or high is None else f"{low:.1f}–{high:.1f}"


def score_title(score: CategoryScore) -> str:
    """The tooltip: category, score, interval, n and which tasks it averages."""
    interval = _interval_text(score) or MISSING
    coverage = f"{len(score.tasks)} of {score.of_tasks} tasks: {', '.join(score.tasks)}"
    note = category_random_note(score)
    return (
        f"{score.category.label} = {_number(score.value)}; 95% CI {interval}; "
        f"n = {score.n}; {coverage}" + (f"; {note}" if note else "")
    )


def category_random_note(score: CategoryScore) -> str:
    """Words for a score whose interval includes (or lies below) random guessing."""
    return random_sentence(score.versus_random, "on this category's tasks")


def _number(value: float) -> str:
    shown = finite(value)
    return MISSING if shown is None else f"{shown:.1f}"


def heat_cell(score: CategoryScore | None) -> HeatCell:
    if score is None:
        return HeatCell(MISSING, "", "no task of this category", "heat-none", False)
    return HeatCell(
        text=_number(score.value),
        interval=_interval_text(score),
        title=score_title(score),
        heat=heat_class(finite(score.value)),
        partial=not score.complete,
        random_note=category_random_note(score),
    )


@dataclass(frozen=True)
class HeatmapQuery:
    filters: BoardQuery  # the leaderboard's model filters
    sort: str = "average"
    page: int = 1
    per_page: int = DEFAULT_HEATMAP_ROWS

    def url(self, path: str, **changes: str | int | None) -> str:
        """This query's URL (defaults left out) with ``changes`` applied."""
        own: dict[str, str | int | None] = {
            "sort": None if self.sort == "average" else self.sort,
            "page": None if self.page == 1 else self.page,
            "per_page": None if self.per_page == DEFAULT_HEATMAP_ROWS else self.per_page,
        }
        return self.filters.url(path, **(own | changes))


def parse_heatmap_query(filters: BoardQuery, reader: ParamReader) -> HeatmapQuery:
    return HeatmapQuery(
        filters=filters,
        sort=reader.choice("sort", (*FIXED_SORTS, *CATEGORY_IDS), "average") or "average",
        page=reader.integer("page", 1, 1, MAX_PAGE),
        per_page=reader.integer("per_page", DEFAULT_HEATMAP_ROWS, 1, MAX_HEATMAP_ROWS),
    )


@dataclass(frozen=True)
class HeatmapPage:
    rows: list[CapabilityRow]  # this page's rows
    matching: int  # rows matching the filters, over all pages
    pages: int


def heatmap_page(
    capabilities: CapabilityMap, rows: tuple[LeaderboardRow, ...], query: HeatmapQuery
) -> HeatmapPage:
    """The map's rows for the filtered ``rows``, sorted (leaderboard order, by name, or by
    one category's score, best first, models without one last), one page of them."""
    keys = {row.card.key for row in rows}
    chosen = [row for row in capabilities.rows if row.card.key in keys]
    if query.sort == "name":
        chosen.sort(key=lambda row: (row.card.name.casefold(), row.card.key))
    elif query.sort in CATEGORY_IDS:
        category = Category(query.sort)

        def by_score(row: CapabilityRow) -> tuple[bool, float]:
            score = row.scores.get(category)
            value = finite(score.value) if score is not None else None
            return (value is None, -(value or 0.0))

        chosen.sort(key=by_score)  # stable: ties keep the leaderboard order
    start = (query.page - 1) * query.per_page
    pages = max(1, math.ceil(len(chosen) / query.per_page))
    check_page(query.page, pages)
    return HeatmapPage(chosen[start : start + query.per_page], len(chosen), pages)


def heatmap_context(
    capabilities: CapabilityMap, query: HeatmapQuery, shown: HeatmapPage, hidden_flagged: int
) -> dict[str, Any]:
    categories = capabilities.categories
    headers = [
        CategoryHeader(
            category,
            capabilities.tasks[category],
            query.url(CAPABILITY_PATH, sort=category.value, page=None),
            query.sort == category.value,
        )
        for category in categories
    ]
    heat_rows = [
        HeatRow(
            row.card,
            model_url(row.card),
            format_parameters(row.card.parameters),
            tuple(heat_cell(row.scores.get(category)) for category in categories),
        )
        for row in shown.rows
    ]
    page = query.page
    return {
        "title": "Capability map",
        "capabilities": capabilities,
        "query": query.filters,
        "heatmap": query,
        "default_per_page": DEFAULT_HEATMAP_ROWS,
        "sort": query.sort,
        "headers": headers,
        "rows": heat_rows,
        "shown": shown,
        "total": len(capabilities.rows),
        "previous_page": query.url(CAPABILITY_PATH, page=page - 1) if page > 1 else None,
        "next_page": query.url(CAPABILITY_PATH, page=page + 1) if page < shown.pages else None,
        "name_url": query.url(CAPABILITY_PATH, sort="name", page=None),
        "average_url": query.url(CAPABILITY_PATH, sort=None, page=None),
        "api_url": query.url("/api/capabilities"),
        "heat_bins": [f"heat-{k}" for k in range(HEAT_BINS)],
        "hidden_flagged": hidden_flagged,
        "show_flagged_url": query.url(CAPABILITY_PATH, show_flagged=1, page=None),
        "model_types": MODEL_TYPES,
        "size_presets": tuple(SIZE_PRESETS),
        "licences": sorted(
            {row.card.licence for row in capabilities.rows if row.card.licence}, key=str.casefold
        ),
    }


def score_json(score: CategoryScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "category": score.category.value,
        "value": finite(score.value),
        "ci_low": finite(score.ci_low),
        "ci_high": finite(score.ci_high),
        "stderr": finite(score.stderr),
        "n": score.n,
        "tasks": list(score.tasks),
        "of_tasks": score.of_tasks,
        "complete": score.complete,
        **random_json(score.versus_random),
    }


def categories_json(capabilities: CapabilityMap) -> list[dict[str, Any]]:
    return [
        {"id": c.value, "label": c.label, "tasks": list(capabilities.tasks[c])}
        for c in capabilities.categories
    ]


def capabilities_json(
    capabilities: CapabilityMap, query: HeatmapQuery, shown: HeatmapPage
) -> dict[str, Any]:
    return {
        "version": capabilities.version,
        "fingerprint": capabilities.fingerprint,
        "categories": categories_json(capabilities),
        "sort": query.sort,
        "total": len(capabilities.rows),
        "matching": shown.matching,
        "page": query.page,
        "per_page": query.per_page,
        "pages": shown.pages,
        "rows": [
            {
                "model": card_json(row.card),
                "leaderboard_rank": row.leaderboard_rank,
                "scores": {c.value: score_json(row.scores.get(c)) for c in capabilities.categories},
            }
            for row in shown.rows
        ],
    }


def parse_discovery(reader: ParamReader, capabilities: CapabilityMap) -> DiscoveryQuery:
    """The query; the category defaults to the first one the board has."""
    default = capabilities.categories[0].value if capabilities.categories else CATEGORY_IDS[0]
    return DiscoveryQuery(
        category=Category(reader.choice("category", CATEGORY_IDS, default) or default),
        params_max=reader.size("params_max"),
        licences=reader.many("licence"),
        types=reader.choices("type", MODEL_TYPES),
    )


@dataclass(frozen=True)
class CandidateView:
    card: ModelCard
    url: str
    rank: str
    parameters: str
    score: CellView
    coverage: str
    tied: bool  # tied with the leader (or the leader of a tie)

    @property
    def near_random(self) -> bool:
        return self.score.near_random


def candidate_view(candidate: Candidate, tied: frozenset[str]) -> CandidateView:
    score = candidate.score
    return CandidateView(
        card=candidate.card,
        url=model_url(candidate.card),
        rank=MISSING if candidate.rank is None else str(candidate.rank),
        parameters=format_parameters(candidate.card.parameters),
        score=CellView(
            _number(score.value),
            score_title(score),
            NORMALISED,
            _whisker(score),
            category_random_note(score),
        ),
        coverage=f"{len(score.tasks)} of {score.of_tasks}",
        tied=candidate.card.key in tied,
    )


def _whisker(score: CategoryScore) -> Whisker | None:
    value, low, high = finite(score.value), finite(score.ci_low), finite(score.ci_high)
    if value is None or low is None or high is None or not 0.0 <= low <= high <= 100.0:
        return None

    def position(number: float) -> float:
        return round(min(max(number / 100.0, 0.0), 1.0) * WHISKER_WIDTH, 1)

    return Whisker(position(low), position(high), position(value))


def _tied_keys(discovery: Discovery) -> frozenset[str]:
    tie = discovery.tie
    if tie is None:
        return frozenset()
    return frozenset({tie.leader.key, *(card.key for card in tie.tied_with)})


def discovery_context(
    capabilities: CapabilityMap,
    discovery: Discovery,
    licences: list[str],
    show_flagged: bool,
    hidden_flagged: int,
) -> dict[str, Any]:
    tied = _tied_keys(discovery)
    query = discovery.query
    return {
        "title": f"Best models for {query.category.label}",
        "discovery": discovery,
        "query": query,
        "categories": list(Category),
        "present": set(capabilities.categories),
        "ranked": [candidate_view(c, tied) for c in discovery.ranked],
        "partial": [candidate_view(c, tied) for c in discovery.partial],
        "licences": licences,
        "model_types": MODEL_TYPES,
        "params_max": "" if query.params_max is None else size_text(query.params_max),
        "show_flagged": show_flagged,
        "hidden_flagged": hidden_flagged,
        "error": None,
    }


@dataclass(frozen=True)
class FormError:
    parameter: str
    message: str


def discovery_form_context(
    capabilities: CapabilityMap,
    values: list[tuple[str, str]],
    licences: list[str],
    error: InvalidParameter,
) -> dict[str, Any]:
    """The discovery form refilled with the user's own ``values`` (valid choices kept,
    the bad text as typed) and ``error`` shown in place; no ranking is shown."""
    given: dict[str, list[str]] = {}
    for name, value in values:
        given.setdefault(name, []).append(value)
    default = capabilities.categories[0] if capabilities.categories else Category.KNOWLEDGE
    chosen = next(iter(given.get("category", [])), default.value)
    category = Category(chosen) if chosen in CATEGORY_IDS else default
    query = DiscoveryQuery(
        category=category,
        licences=tuple(given.get("licence", [])),
        types=tuple(t for t in given.get("type", []) if t in MODEL_TYPES),
    )
    return {
        "title": f"Best models for {category.label}",
        "discovery": None,
        "query": query,
        "categories": list(Category),
        "present": set(capabilities.categories),
        "ranked": [],
        "partial": [],
        "licences": licences,
        "model_types": MODEL_TYPES,
        "params_max": next(iter(given.get("params_max", [])), "")[:MAX_TEXT_LENGTH],
        "show_flagged": ("show_flagged", "1") in values,
        "hidden_flagged": 0,
        "error": FormError(error.parameter, str(error)),
    }


def size_text(count: int) -> str:
    """A parameter count as the form writes it back (``7B``, ``1.5B``, ``135M``), exact."""
    for unit, size in (("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= size and (count * 10) % size == 0:
            return f"{count / size:.1f}".removesuffix(".0") + unit
    return str(count)


def discovery_json(discovery: Discovery) -> dict[str, Any]:
    query, tie, near = discovery.query, discovery.tie, discovery.random_note

    def candidate(item: Candidate) -> dict[str, Any]:
        return {"rank": item.rank, "model": card_json(item.card), "score": score_json(item.score)}

    return {
        "query": {
            "category": query.category.value,
            "params_max": query.params_max,
            "licence": list(query.licences),
            "type": list(query.types),
        },
        "category": {"id": query.category.value, "label": query.category.label},
        "tasks": list(discovery.tasks),
        "ranked": [candidate(item) for item in discovery.ranked],
        "partial": [candidate(item) for item in discovery.partial],
        "tie": None
        if tie is None
        else {
            "leader": card_json(tie.leader),
            "tied_with": [card_json(card) for card in tie.tied_with],
            "text": tie.text,
        },
        "lead_note": discovery.lead,
        "random_note": None
        if near is None
        else {"models": [card_json(card) for card in near.models], "text": near.text},
    }
