"""The one exception tree of EvalAtlas.

Each class declares the exit code the CLI ends with and the HTTP status the web app
answers with, so neither shell keeps its own table of error kinds.

    AtlasError                 every error a user can cause or fix; one line, an exit code
    ├── ConfigError            a task file, model reference or option is wrong
    │   └── SubmissionRefused  a queued evaluation cannot run (``field`` names the input)
    ├── DataError              a data set is missing, malformed, or lacks a field
    ├── ModelError             a model failed to load or answer (``retryable`` says if
    │   │                      trying again may help: timeouts, 5xx, connection resets)
    │   └── UnsupportedRequestError
    │                          a backend cannot serve a request kind (raised at plan time)
    ├── StoreError             the workspace database or detail files are unusable
    ├── ArenaError             a battle or vote cannot be made or counted
    │   ├── UnknownBattle      no battle has that id
    │   ├── BattleDecided      the battle already has a different vote
    │   └── RetryLater         refused for now (``retry_after_s`` says when to try again)
    │       ├── VoteLimited    the voter (or its address) reached a vote limit
    │       ├── BattleLimited  the voter (or its address) started too many battles
    │       └── ArenaBusy      as many answers are being written as the server allows
    ├── InvalidParameter       web: a query parameter has a value the page cannot use
    ├── NotFound               web: no model, run or page by that name
    ├── Forbidden              web: an admin call without the right token
    └── Unavailable            web: a feature the app was started without

The four ``web:`` errors live in ``evalatlas.web.errors``: only a web request raises them.

The CLI prints ``str(error)`` and exits with ``error.exit_code``; the web app answers
``error.http_status``. Nothing catches an ``AtlasError`` only to hide it.
"""

from __future__ import annotations


class AtlasError(Exception):
    """Base of every error that carries a user-facing, one-line message."""

    exit_code = 1
    code = "atlas_error"
    # What the web app answers; 500 unless the error is the request's fault (4xx) or a
    # service the app cannot reach right now (503).
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(AtlasError):
    exit_code = 2
    code = "config_error"


class SubmissionRefused(ConfigError):
    """A submission to the queue that cannot run; ``field`` is the input to change
    (``model_reference``, ``tasks`` or ``options``)."""

    code = "invalid_submission"
    http_status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DataError(AtlasError):
    exit_code = 3
    code = "data_error"


class ModelError(AtlasError):
    exit_code = 4
    code = "model_error"

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class UnsupportedRequestError(ModelError):
    code = "unsupported_request"


class StoreError(AtlasError):
    exit_code = 5
    code = "store_error"
    http_status = 503


class ArenaError(AtlasError):
    exit_code = 6
    code = "arena_error"
    http_status = 422


class UnknownBattle(ArenaError):
    code = "unknown_battle"
    http_status = 404


class BattleDecided(ArenaError):
    code = "battle_decided"
    http_status = 409


class RetryLater(ArenaError):
    """A refusal that lifts with time; ``retry_after_s`` (whole seconds, at least 1) is
    when trying again may succeed, None when unknown."""

    code = "retry_later"

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class VoteLimited(RetryLater):
    code = "vote_limited"
    http_status = 429


class BattleLimited(RetryLater):
    code = "battle_limited"
    http_status = 429


class ArenaBusy(RetryLater):
    code = "arena_busy"
    http_status = 503


def did_you_mean(name: str, known: list[str] | tuple[str, ...]) -> str:
    """Return ' Did you mean X?' for the closest known name, or '' when none is close."""
    import difflib

    matches = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"
