"""``evalatlas serve``: the web app (leaderboard, model pages, per-sample browser, the
submission form and queue, admin moderation, and the arena)."""

from __future__ import annotations

import socket
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from evalatlas.arena import PairingMode
from evalatlas.arena.answers import DEFAULT_MAX_TOKENS
from evalatlas.cli.arena_serve import (
    AddressBattleLimit,
    AddressDailyCap,
    AddressRateLimit,
    ArenaServeOptions,
    BattleLimit,
    MaxAnswering,
    MaxWaiting,
    NewVoters,
    TrustedProxies,
    arena_setup,
    trusted_proxies,
)
from evalatlas.cli.options import WorkspaceOption
from evalatlas.cli.queue_cmd import AllowEndpoints, AllowHubs, AllowModelRoots, queue_limits
from evalatlas.errors import ConfigError
from evalatlas.queue import check_submission
from evalatlas.store import VoteLimits
from evalatlas.store.workspace import default_workspace

_LIMITS = VoteLimits()
ArenaModels = Annotated[
    list[str] | None,
    typer.Option(
        "--arena-model",
        help="A contestant of the arena (model reference; repeat for each, two or more).",
    ),
]
ArenaPairing = Annotated[
    PairingMode,
    typer.Option(help="How battles pair contestants: uniform, or uncertain (close pairs)."),
]
ArenaPrompts = Annotated[
    Path | None,
    typer.Option(
        help="Prompts voters may draw: JSONL with prompt and optional category, or .txt "
        "with one prompt per line."
    ),
]
ArenaRateLimit = Annotated[
    int, typer.Option(min=0, help="Votes per minute per voter (0: no limit).")
]
ArenaDailyCap = Annotated[int, typer.Option(min=0, help="Votes per UTC day per voter (0: none).")]
ArenaMaxTokens = Annotated[
    int, typer.Option(min=1, help="Longest answer of a contestant, in tokens.")
]


def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 makes it reachable from others).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workspace: WorkspaceOption = None,
    arena_model: ArenaModels = None,
    arena_pairing: ArenaPairing = PairingMode.UNIFORM,
    arena_prompts: ArenaPrompts = None,
    arena_rate_limit: ArenaRateLimit = _LIMITS.per_minute or 0,
    arena_daily_cap: ArenaDailyCap = _LIMITS.per_day or 0,
    arena_max_tokens: ArenaMaxTokens = DEFAULT_MAX_TOKENS,
    arena_address_rate_limit: AddressRateLimit = ArenaServeOptions.address_rate_limit,
    arena_address_daily_cap: AddressDailyCap = ArenaServeOptions.address_daily_cap,
    arena_battle_limit: BattleLimit = ArenaServeOptions.battle_limit,
    arena_address_battle_limit: AddressBattleLimit = ArenaServeOptions.address_battle_limit,
    arena_max_answering: MaxAnswering = ArenaServeOptions.max_answering,
    arena_max_waiting: MaxWaiting = ArenaServeOptions.max_waiting,
    arena_new_voters_per_hour: NewVoters = ArenaServeOptions.new_voters_per_hour,
    trusted_proxy: TrustedProxies = None,
    allow_model_root: AllowModelRoots = None,
    allow_hub: AllowHubs = None,
    allow_endpoint: AllowEndpoints = None,
) -> None:
    """Serve the leaderboard, model pages, per-sample records and arena of a workspace."""
    import uvicorn

    from evalatlas.web import create_app

    arena_config, answerer = arena_setup(
        ArenaServeOptions(
            models=arena_model or [],
            pairing=arena_pairing,
            prompts=arena_prompts,
            rate_limit=arena_rate_limit,
            daily_cap=arena_daily_cap,
            max_tokens=arena_max_tokens,
            address_rate_limit=arena_address_rate_limit,
            address_daily_cap=arena_address_daily_cap,
            battle_limit=arena_battle_limit,
            address_battle_limit=arena_address_battle_limit,
            max_answering=arena_max_answering,
            max_waiting=arena_max_waiting,
            new_voters_per_hour=arena_new_voters_per_hour,
        )
    )
    proxies = trusted_proxies(trusted_proxy or [])
    check_address(host, port)
    root = workspace or default_workspace()
    limits = queue_limits(allow_model_root, allow_hub, allow_endpoint)
    app = create_app(
        root,
        submission_check=partial(check_submission, limits=limits),
        arena_config=arena_config,
        answerer=answerer,
    )
    contestants = ", ".join(arena_config.contestants) or "none (ratings of stored votes only)"
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"serving {root} at http://{host}:{port}/ (JSON under /api, schema at /openapi.json; "
        f"arena contestants: {contestants}; Ctrl+C stops)",
        markup=False,
    )
    try:
        # Access lines are info-level, below the level shown: skip building them at all.
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            **proxy_settings(proxies),
        )
    finally:
        if answerer is not None:
            answerer.close()


def proxy_settings(proxies: tuple[str, ...]) -> dict[str, Any]:
    """uvicorn's proxy settings: believe X-Forwarded-For only from ``proxies`` (uvicorn
    otherwise believes it from 127.0.0.1, so any local client could name its address)."""
    if not proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": list(proxies)}


def check_address(host: str, port: int) -> None:
    """Fail in one line, before anything is printed, when the address cannot be served."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "choose another --port (or --host)"
        ) from exc
