"""What ``--executor`` names: ``local``, or ``ray[://HOST[:PORT]][?actors=N&cpus=C&gpus=G]``.

    local                       this process (the default)
    ray                         a Ray instance: the one $RAY_ADDRESS names, else a new local one
    ray://HOST[:PORT]           a running Ray cluster through Ray Client (port 10001 unless given)

Options after ``?``: ``actors`` (how many; default one per GPU, else one per CPU),
``cpus`` and ``gpus`` (what each actor reserves; default 1 CPU, and 1 GPU when the
cluster has GPUs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from evalatlas.errors import ConfigError, did_you_mean

RAY_CLIENT_PORT = 10001
OPTION_NAMES = ("actors", "cpus", "gpus")
Number = TypeVar("Number", int, float)
EXAMPLE = "try 'local', 'ray', 'ray?actors=2' or 'ray://head-node:10001'"


class ExecutorKind(StrEnum):
    LOCAL = "local"
    RAY = "ray"


@dataclass(frozen=True)
class ExecutorSpec:
    kind: ExecutorKind = ExecutorKind.LOCAL
    address: str | None = None  # ray://HOST:PORT; None: $RAY_ADDRESS or a new local instance
    actors: int | None = None
    cpus: float | None = None
    gpus: float | None = None
    raw: str = "local"

    @property
    def host_port(self) -> tuple[str, int] | None:
        """Where a Ray Client address should answer."""
        if self.address is None:
            return None
        parts = urlsplit(self.address)
        return parts.hostname or "", parts.port or RAY_CLIENT_PORT


def parse_executor(text: str) -> ExecutorSpec:
    """The executor ``text`` names; a ConfigError says what is wrong and what to type."""
    raw = text.strip()
    body, _, query = raw.partition("?")
    if body == ExecutorKind.LOCAL:
        if query:
            raise ConfigError(f"--executor {raw!r}: the local executor takes no options")
        return ExecutorSpec(raw=raw)
    if body != ExecutorKind.RAY and not body.startswith("ray://"):
        raise ConfigError(f"--executor {raw!r} is not an executor; {EXAMPLE}")
    address = None if body == ExecutorKind.RAY else _client_address(raw, body)
    options = _options(raw, query)
    return ExecutorSpec(
        ExecutorKind.RAY,
        address,
        actors=_number(raw, options, "actors", int),
        cpus=_number(raw, options, "cpus", float),
        gpus=_number(raw, options, "gpus", float, zero_ok=True),
        raw=raw,
    )


def _client_address(raw: str, body: str) -> str:
    try:
        parts = urlsplit(body)
        parts.port  # noqa: B018 - reading it checks it is a number
    except ValueError:
        raise ConfigError(f"--executor {raw!r}: the port must be a number; {EXAMPLE}") from None
    if not parts.hostname or parts.path or parts.query:
        raise ConfigError(f"--executor {raw!r}: give ray://HOST or ray://HOST:PORT; {EXAMPLE}")
    return body


def _options(raw: str, query: str) -> dict[str, str]:
    if not query:
        return {}
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        raise ConfigError(f"--executor {raw!r}: options look like ?actors=2&cpus=1")
    for name, _ in pairs:
        if name not in OPTION_NAMES:
            raise ConfigError(
                f"--executor {raw!r}: unknown option {name!r}.{did_you_mean(name, OPTION_NAMES)}"
                f" Known: {', '.join(OPTION_NAMES)}"
            )
    return dict(pairs)


def _number(
    raw: str, options: dict[str, str], name: str, kind: type[Number], *, zero_ok: bool = False
) -> Number | None:
    text = options.get(name)
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"--executor {raw!r}: {name}={text!r} must be a number") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        least = "0 or more" if zero_ok else "more than 0"
        raise ConfigError(f"--executor {raw!r}: {name}={text!r} must be {least}")
    return value
