"""The ``Card``: a stored result's complete, exportable eval card.

A card is the ``EvalSpec`` with its full texts (system prompt, chat template, task files,
data fingerprints per part, the model's file hash or hub revision, backend details and
package versions), the headline metrics it gave, and optionally every per-sample record,
so another installation can replay it and compare sample by sample.

``format_version`` says how a card is written. A reader refuses a card from a newer
format instead of guessing what its new fields mean.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from evalatlas.errors import ConfigError
from evalatlas.jsonio import dumps
from evalatlas.store.records import EvalResult, EvalSpec, MetricRecord, SampleRecord

CARD_FORMAT_VERSION = 1
_METRIC_NUMBERS = ("value", "stderr", "ci_low", "ci_high")


class Card(BaseModel):
    """Everything needed to replay a result anywhere, and what it gave."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: int = CARD_FORMAT_VERSION
    run_id: str
    created_at: datetime
    spec: EvalSpec
    spec_hash: str
    metrics: list[MetricRecord]
    n_samples: int
    # Every per-sample record of the run (``results card --with-samples``): what a replay
    # elsewhere compares with. None: compare with the run in the replaying workspace.
    samples: list[SampleRecord] | None = None

    @model_validator(mode="before")
    @classmethod
    def _null_is_nan(cls, data: Any) -> Any:
        """JSON writes a NaN ("could not compute", "unscored") as null: read it back."""
        if not isinstance(data, dict):
            return data
        restored = dict(data)
        if isinstance(restored.get("metrics"), list):
            restored["metrics"] = [_nan_fields(m, _METRIC_NUMBERS) for m in restored["metrics"]]
        if isinstance(restored.get("samples"), list):
            restored["samples"] = [_nan_scores(s) for s in restored["samples"]]
        return restored


def card_of(result: EvalResult, samples: list[SampleRecord] | None = None) -> Card:
    """The card of a stored result; ``samples`` embeds its per-sample records."""
    return Card(
        run_id=result.run_id,
        created_at=result.created_at,
        spec=result.spec,
        spec_hash=result.spec_hash,
        metrics=list(result.metrics),
        n_samples=result.n_samples,
        samples=samples,
    )


def card_json(card: Card) -> str:
    """The card as JSON text, through the project's JSON policy."""
    return dumps(card.model_dump(mode="json"), indent=2)


def parse_card(text: str, where: str) -> Card:
    """A card from its JSON text; ``where`` (the file) starts every error's one line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{where}: not JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise ConfigError(
            f"{where}: not an eval card (no format_version); write one with "
            "'evalatlas results card RUN --output FILE'"
        )
    version = data["format_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(f"{where}: format_version must be a whole number >= 1, got {version!r}")
    if version > CARD_FORMAT_VERSION:
        raise ConfigError(
            f"{where}: card format version {version} is newer than this EvalAtlas reads "
            f"(up to {CARD_FORMAT_VERSION}); upgrade evalatlas to replay it"
        )
    try:
        card = Card.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{where}: {_first_problem(error)}") from None
    if card.spec.spec_hash() != card.spec_hash:
        raise ConfigError(
            f"{where}: spec_hash does not match the card's spec (was the card edited?); "
            "export it again with 'evalatlas results card RUN --output FILE'"
        )
    return card


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    field = ".".join(str(part) for part in problem["loc"]) or "card"
    return f"field {field}: {problem['msg']}"


def _nan_fields(item: Any, names: tuple[str, ...]) -> Any:
    if not isinstance(item, dict):
        return item
    return {
        key: math.nan if key in names and value is None else value for key, value in item.items()
    }


def _nan_scores(sample: Any) -> Any:
    if not isinstance(sample, dict) or not isinstance(sample.get("scores"), dict):
        return sample
    scores = {
        name: math.nan if value is None else value for name, value in sample["scores"].items()
    }
    return {**sample, "scores": scores}
