"""The arena of ``evalatlas serve``: contestants, pairing, voter limits and a prompt set,
checked before the server starts so a mistake is one line, not a failure on first battle;
and which proxies' forwarded addresses the server believes.

A prompt set is JSON Lines, one object a line with ``prompt`` and optional ``category``
(other fields are ignored), or a ``.txt`` file with one prompt per line.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from evalatlas.arena import ArenaConfig, BattleLimits, PairingMode, PromptItem
from evalatlas.arena.answers import ModelAnswerer
from evalatlas.arena.service import MAX_PROMPT_CHARS
from evalatlas.errors import ConfigError, DataError
from evalatlas.models import parse_model_ref
from evalatlas.models.catalog import bundled_model
from evalatlas.store import VoteLimits

MAX_CATEGORY_CHARS = 128
_VOTES = VoteLimits()
_BATTLES = BattleLimits()
_NEW_VOTERS = ArenaConfig().new_voters_per_hour or 0

AddressRateLimit = Annotated[
    int,
    typer.Option(
        min=0, help="Votes per minute per client address, whatever its voters (0: no limit)."
    ),
]
AddressDailyCap = Annotated[
    int, typer.Option(min=0, help="Votes per UTC day per client address (0: no limit).")
]
BattleLimit = Annotated[
    int, typer.Option(min=0, help="Battles a voter may start in any hour (0: no limit).")
]
AddressBattleLimit = Annotated[
    int, typer.Option(min=0, help="Battles a client address may start in any hour (0: none).")
]
MaxAnswering = Annotated[
    int, typer.Option(min=1, help="Battles answered at once (each runs two models).")
]
MaxWaiting = Annotated[
    int,
    typer.Option(min=0, help="Battles waiting for a turn; beyond them a start is refused (503)."),
]
NewVoters = Annotated[
    int,
    typer.Option(
        min=0, help="New voter identities issued to one client address per hour (0: no limit)."
    ),
]
TrustedProxies = Annotated[
    list[str] | None,
    typer.Option(
        "--trusted-proxy",
        help="Address or network of a reverse proxy whose X-Forwarded-For is believed "
        "(repeat for each; default none: the peer address is the client's).",
    ),
]
# Backends that cannot write an answer to a free-form prompt.
NON_GENERATING = {"random": "only guesses among choices", "responses": "replays stored answers"}


@dataclass(frozen=True)
class ArenaServeOptions:
    """The ``--arena-*`` options of ``evalatlas serve``; 0 turns a limit off."""

    models: Sequence[str]
    pairing: PairingMode
    prompts: Path | None
    rate_limit: int
    daily_cap: int
    max_tokens: int
    address_rate_limit: int = _VOTES.client_per_minute or 0
    address_daily_cap: int = _VOTES.client_per_day or 0
    battle_limit: int = _BATTLES.per_hour or 0
    address_battle_limit: int = _BATTLES.client_per_hour or 0
    max_answering: int = _BATTLES.answering
    max_waiting: int = _BATTLES.waiting
    new_voters_per_hour: int = _NEW_VOTERS


def arena_setup(options: ArenaServeOptions) -> tuple[ArenaConfig, ModelAnswerer | None]:
    """The arena's configuration and, when contestants are named, their answerer (models
    load on their first battle; the caller closes it)."""
    contestants = _checked_contestants(options.models)
    prompt_set = read_prompt_set(options.prompts) if options.prompts is not None else ()
    config = ArenaConfig(
        contestants=contestants,
        pairing=options.pairing,
        limits=VoteLimits(
            per_minute=options.rate_limit or None,
            per_day=options.daily_cap or None,
            client_per_minute=options.address_rate_limit or None,
            client_per_day=options.address_daily_cap or None,
        ),
        prompt_set=prompt_set,
        battle_limits=BattleLimits(
            per_hour=options.battle_limit or None,
            client_per_hour=options.address_battle_limit or None,
            answering=options.max_answering,
            waiting=options.max_waiting,
        ),
        new_voters_per_hour=options.new_voters_per_hour or None,
    )
    if not contestants:
        return config, None
    return config, ModelAnswerer(contestants, max_tokens=options.max_tokens)


def trusted_proxies(addresses: Sequence[str]) -> tuple[str, ...]:
    """The ``--trusted-proxy`` values, each an IP address or network; ConfigError naming
    the first that is neither."""
    checked = []
    for address in addresses:
        try:
            network = ipaddress.ip_network(address.strip(), strict=False)
        except ValueError as exc:
            raise ConfigError(
                f"--trusted-proxy {address!r}: not an IP address or network "
                "(e.g. 127.0.0.1, 10.0.0.0/8, ::1)"
            ) from exc
        # A single address stays an address: every uvicorn reads those, not all networks.
        single = network.prefixlen == network.max_prefixlen
        checked.append(str(network.network_address) if single else str(network))
    return tuple(dict.fromkeys(checked))


def _checked_contestants(models: Sequence[str]) -> tuple[str, ...]:
    contestants = tuple(dict.fromkeys(model.strip() for model in models))
    for reference in contestants:
        ref = parse_model_ref(reference)
        if ref.scheme in NON_GENERATING:
            raise ConfigError(
                f"--arena-model {reference!r}: the {ref.scheme!r} backend "
                f"{NON_GENERATING[ref.scheme]} and cannot answer arena prompts; name a model"
            )
        if ref.scheme == "bundled":
            bundled_model(ref.target)
    if len(contestants) == 1:
        raise ConfigError(
            f"--arena-model names one model ({contestants[0]}); a battle needs two or more "
            "different models: repeat --arena-model"
        )
    return contestants


def read_prompt_set(path: Path) -> tuple[PromptItem, ...]:
    """The prompts of a ``.jsonl`` or ``.txt`` file; DataError naming the line of a bad one."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".txt"):
        raise ConfigError(
            f"{path}: a prompt set must be a .jsonl file (prompt, category) or a .txt file "
            "(one prompt per line)"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the prompt set ({exc}); check the path") from exc
    items = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            item = _json_item(path, number, raw) if suffix == ".jsonl" else PromptItem(raw.strip())
            _check_length(path, number, item.prompt)
            items.append(item)
    if not items:
        raise DataError(f"{path}: the prompt set holds no prompts")
    return tuple(items)


def _json_item(path: Path, line: int, raw: str) -> PromptItem:
    try:
        row: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} line {line}: not valid JSON ({exc.msg})") from exc
    if not isinstance(row, dict):
        raise DataError(f"{path} line {line}: each line must be a JSON object with 'prompt'")
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise DataError(f"{path} line {line}: field 'prompt' is missing or empty")
    category = row.get("category")
    if category is not None and (
        not isinstance(category, str) or not 0 < len(category) <= MAX_CATEGORY_CHARS
    ):
        raise DataError(
            f"{path} line {line}: field 'category' must be text of 1 to "
            f"{MAX_CATEGORY_CHARS} characters"
        )
    return PromptItem(prompt.strip(), category)


def _check_length(path: Path, line: int, prompt: str) -> None:
    if len(prompt) > MAX_PROMPT_CHARS:
        raise DataError(
            f"{path} line {line}: the prompt has {len(prompt)} characters, more than "
            f"{MAX_PROMPT_CHARS}; shorten it"
        )
