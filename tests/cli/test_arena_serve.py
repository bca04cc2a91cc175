"""The arena options of ``evalatlas serve`` turned into the arena's configuration: prompt
sets, contestants and voter limits, checked before anything is served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalatlas.arena import PairingMode, PromptItem
from evalatlas.cli.arena_serve import (
    ArenaServeOptions,
    arena_setup,
    read_prompt_set,
    trusted_proxies,
)
from evalatlas.errors import ConfigError, DataError

SMOL = "bundled:smollm2-135m-instruct"
GEMMA = "bundled:gemma3-270m"


def options(**changes: object) -> ArenaServeOptions:
    base: dict[str, object] = {
        "models": [SMOL, GEMMA],
        "pairing": PairingMode.UNCERTAIN,
        "prompts": None,
        "rate_limit": 30,
        "daily_cap": 1000,
        "max_tokens": 64,
    }
    return ArenaServeOptions(**{**base, **changes})  # type: ignore[arg-type]


def test_a_jsonl_prompt_set(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    rows = [
        {"prompt": "  Why is the sky blue? ", "category": "science", "id": 7},
        {"prompt": "Write a haiku."},
        {"prompt": "Sum 2 and 2.", "category": None},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    assert read_prompt_set(path) == (
        PromptItem("Why is the sky blue?", "science"),
        PromptItem("Write a haiku."),
        PromptItem("Sum 2 and 2."),
    )


def test_a_text_prompt_set(tmp_path: Path) -> None:
    path = tmp_path / "prompts.txt"
    path.write_text("First question?\n\n  Second one  \n", encoding="utf-8")
    assert read_prompt_set(path) == (PromptItem("First question?"), PromptItem("Second one"))


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('{"prompt": "ok"}\nnot json\n', 2, "not valid JSON"),
        ('{"prompt": "ok"}\n\n["a list"]\n', 3, "JSON object"),
        ('{"prompt": ""}\n', 1, "'prompt' is missing or empty"),
        ('{"prompt": 3}\n', 1, "'prompt' is missing or empty"),
        ('{"prompt": "ok", "category": 5}\n', 1, "'category' must be text"),
        ('{"prompt": "ok", "category": "' + "c" * 129 + '"}\n', 1, "'category'"),
        (json.dumps({"prompt": "x" * 8001}) + "\n", 1, "more than 8000"),
    ],
)
def test_a_bad_jsonl_line_is_named(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_prompt_set(path)
    assert str(raised.value).startswith(f"{path} line {line}:") and fragment in str(raised.value)


def test_empty_missing_and_unknown_prompt_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(DataError, match="holds no prompts"):
        read_prompt_set(empty)
    with pytest.raises(DataError, match="cannot read the prompt set"):
        read_prompt_set(tmp_path / "absent.jsonl")
    with pytest.raises(ConfigError, match=r"must be a \.jsonl file .* or a \.txt file"):
        read_prompt_set(tmp_path / "prompts.csv")


def test_setup_builds_the_config_and_an_answerer_that_loads_nothing_yet(tmp_path: Path) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("Hello?\n", encoding="utf-8")
    config, answerer = arena_setup(
        options(models=[SMOL, GEMMA, SMOL], prompts=prompts, rate_limit=0, daily_cap=5)
    )
    assert config.contestants == (SMOL, GEMMA)
    assert config.pairing == PairingMode.UNCERTAIN
    assert (config.limits.per_minute, config.limits.per_day) == (None, 5)
    assert config.prompt_set == (PromptItem("Hello?"),)
    assert answerer is not None
    answerer.close()  # nothing was loaded: closing is immediate
    no_arena, none = arena_setup(options(models=[]))
    assert no_arena.contestants == () and none is None
    assert (no_arena.limits.per_minute, no_arena.limits.per_day) == (30, 1000)


@pytest.mark.parametrize(
    ("models", "fragment"),
    [
        ([SMOL, SMOL], "names one model"),
        (["random", SMOL], "cannot answer arena prompts"),
        (["responses:/tmp/x.jsonl", SMOL], "cannot answer arena prompts"),
        (["bundle:smollm2-135m-instruct", GEMMA], "unknown model reference scheme"),
        (["bundled:smolm2", GEMMA], "unknown bundled model"),
    ],
)
def test_bad_contestants_are_refused(models: list[str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        arena_setup(options(models=models))


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert trusted_proxies([" 127.0.0.1", "10.0.0.0/8", "::1", "127.0.0.1", "192.168.1.7/32"]) == (
        "127.0.0.1",
        "10.0.0.0/8",
        "::1",
        "192.168.1.7",
    )
    with pytest.raises(ConfigError, match=r"--trusted-proxy 'proxy\.local': not an IP address"):
        trusted_proxies(["proxy.local"])


def test_battle_and_address_limits_reach_the_config() -> None:
    config, answerer = arena_setup(
        options(
            address_rate_limit=0,
            address_daily_cap=9,
            battle_limit=3,
            address_battle_limit=0,
            max_answering=1,
            max_waiting=0,
            new_voters_per_hour=0,
        )
    )
    assert (config.limits.client_per_minute, config.limits.client_per_day) == (None, 9)
    limits = config.battle_limits
    assert (limits.per_hour, limits.client_per_hour, limits.answering, limits.waiting) == (
        3,
        None,
        1,
        0,
    )
    assert config.new_voters_per_hour is None
    assert answerer is not None
    answerer.close()
