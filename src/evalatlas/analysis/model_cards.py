"""Model cards: what a leaderboard knows about a model, read from the store.

The runner records each model's card metadata when it saves a run (see
``evalatlas.runner.model_cards`` for the keys and how ``model_type`` is inferred); models
stored before it did get a card of unknowns. An admin's overrides (``CardOverrides``,
stored apart from the runner's metadata) win over what the runner read, field by field,
and the model's active moderation flags are on its card.

Two rules hold for every view (board, discovery, arena, judges, CLI):

- **Display name** (``display_name``): an admin's name, else the name the runner recorded
  from the catalog (``display_name`` in the metadata), else for a bundled model its catalog
  name (``bundled:NAME`` -> ``NAME``; cards stored before the runner recorded it), else
  the name the backend reported (a GGUF's internal ``general.name``, a hub id; "random
  baseline" for the measured random baseline).
- **Type** (``stored_model_type``): quantisation is a property, not a type. Cards stored
  when "quantised" was a type are read anew from their recorded facts: merge when the
  backend named two or more base models, instruction-tuned with a chat template,
  pretrained with a known architecture, else unknown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalatlas.store import ModelFlag, StoredModel

MODEL_TYPES = ("pretrained", "instruction-tuned", "merge", "unknown")
LEGACY_QUANTISED = "quantised"  # a type older runners recorded; see ``stored_model_type``
BUNDLED_PREFIX = "bundled:"
_NOT_URL_SAFE = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 60
_LOCAL_SCHEMES = ("llamacpp", "hf")


@dataclass(frozen=True)
class CardFlag:
    """An active moderation flag, as a card shows it (who set it is in the admin log)."""

    id: int
    kind: str  # contaminated | merged-without-tag | other
    reason: str
    evidence_url: str
    flagged_at: datetime


class CardOverrides(BaseModel):
    """Card fields an admin sets by hand where the model's own metadata is missing or
    wrong; a field left out (None) keeps what the runner read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, min_length=1, max_length=512)
    parameters: int | None = Field(default=None, ge=1, le=10**15)
    architecture: str | None = Field(default=None, min_length=1, max_length=128)
    quantisation: str | None = Field(default=None, min_length=1, max_length=64)
    licence: str | None = Field(default=None, min_length=1, max_length=128)
    model_type: Literal["pretrained", "instruction-tuned", "merge", "unknown"] | None = None
    base_model: str | None = Field(default=None, min_length=1, max_length=512)
    source: str | None = Field(default=None, min_length=1, max_length=1024)

    def fields(self) -> dict[str, Any]:
        """The fields set, as stored."""
        return self.model_dump(exclude_none=True)


@dataclass(frozen=True)
class ModelCard:
    """What a leaderboard knows about a model (metadata)."""

    key: str  # stable URL-safe id: slug of the reference + a hash of reference and weights
    reference: str  # model reference as evaluated, e.g. "bundled:smollm2-135m-instruct"
    name: str
    parameters: int | None = None  # from GGUF metadata / HF config when known
    architecture: str | None = None
    quantisation: str | None = None  # e.g. "Q4_1", "F32"; None when unknown
    licence: str | None = None
    model_type: str = "unknown"  # pretrained | instruction-tuned | merge | unknown
    base_model: str | None = None
    source: str | None = None  # where it came from (file path, hub id@revision, URL)
    flags: tuple[CardFlag, ...] = ()  # active moderation flags, oldest first
    fingerprint: str = ""  # the weights' fingerprint the results were computed with
    backend: str = ""
    overridden: tuple[str, ...] = ()  # fields an admin set (see ``CardOverrides``)


def public_reference(reference: str) -> str:
    """A reference as public pages show it: a local file or folder by its name only
    (``llamacpp:/srv/models/x.gguf`` is ``llamacpp:x.gguf``); its hash says which file."""
    scheme, sep, rest = reference.partition(":")
    target, mark, options = rest.partition("?")
    if not sep or scheme not in _LOCAL_SCHEMES or not target.startswith(("/", "~", ".")):
        return reference
    name = target.rstrip("/").rsplit("/", 1)[-1]
    return f"{scheme}:{name}{mark}{options}"


def model_key(reference: str, fingerprint: str) -> str:
    """``<slug of reference>-<10 hex digits>``: readable in a URL, and distinct for the
    same reference evaluated with different weights. A local file's slug is made of its
    name only (``public_reference``): a URL does not spell the server's folders."""
    public = public_reference(reference).lower()
    slug = _NOT_URL_SAFE.sub("-", public).strip("-")[:_MAX_SLUG].strip("-")
    digest = hashlib.sha256(f"{reference}\n{fingerprint}".encode()).hexdigest()[:10]
    return f"{slug or 'model'}-{digest}"


def card_from_stored(
    model: StoredModel,
    overrides: Mapping[str, Any] | None = None,
    flags: Sequence[ModelFlag] = (),
) -> ModelCard:
    """The card of a stored model; facts the metadata lacks (or garbles) are None.
    ``overrides`` (stored ``CardOverrides`` fields) win; ``flags`` are its active flags."""
    card = _runner_card(model)
    moderated = replace(card, flags=tuple(_card_flag(flag) for flag in flags if flag.active))
    return _overridden(moderated, overrides or {})


def is_random_baseline(card: ModelCard) -> bool:
    """True for the measured random baseline (reference ``random``, backend ``random``)."""
    return card.backend == "random" or card.reference.split(":", 1)[0] == "random"


def display_name(reference: str, reported_name: str, metadata: Mapping[str, Any]) -> str:
    """The name every view shows for a model (rule in the module docstring); an admin's
    override is applied on top by ``card_from_stored``."""
    recorded = _text(metadata.get("display_name"))
    if recorded is not None and recorded.strip():
        return recorded
    if reference.startswith(BUNDLED_PREFIX):
        catalog_name = reference.removeprefix(BUNDLED_PREFIX).split("?", 1)[0]
        if catalog_name:
            return catalog_name
    return reported_name.strip() or reference


def contestant_display_name(contestant: str, stored: Mapping[str, str]) -> str:
    """An arena contestant's display name: the stored model's of that reference (``stored``,
    reference -> display name), else the rule applied to the reference alone (a bundled
    model's catalog name), else the contestant as named (an imported log's model names)."""
    return stored.get(contestant) or display_name(contestant, contestant, {})


def stored_model_type(metadata: Mapping[str, Any]) -> str:
    """The card's type from stored metadata (rule in the module docstring)."""
    recorded = metadata.get("model_type")
    if recorded in MODEL_TYPES:
        return str(recorded)
    if recorded != LEGACY_QUANTISED:
        return "unknown"
    backend = metadata.get("backend_metadata")
    reported = backend if isinstance(backend, Mapping) else {}
    if (_integer(reported.get("base_models")) or 0) >= 2:
        return "merge"
    if metadata.get("has_chat_template") is True:
        return "instruction-tuned"
    return "pretrained" if _text(metadata.get("architecture")) else "unknown"


def _runner_card(model: StoredModel) -> ModelCard:
    facts = model.metadata
    return ModelCard(
        key=model_key(model.reference, model.fingerprint),
        reference=model.reference,
        name=display_name(model.reference, model.name, facts),
        parameters=_integer(facts.get("parameters")),
        architecture=_text(facts.get("architecture")),
        quantisation=_text(facts.get("quantisation")),
        licence=_text(facts.get("licence")),
        model_type=stored_model_type(facts),
        base_model=_text(facts.get("base_model")),
        source=_text(facts.get("source")),
        fingerprint=model.fingerprint,
        backend=model.backend,
    )


def _overridden(card: ModelCard, overrides: Mapping[str, Any]) -> ModelCard:
    """``card`` with the stored overrides applied; a stored value that no longer
    validates (a field renamed since) is ignored rather than breaking the board."""
    wanted = {name: overrides[name] for name in CardOverrides.model_fields if name in overrides}
    valid = {}
    for name, value in wanted.items():
        try:
            valid.update(CardOverrides.model_validate({name: value}).fields())
        except ValueError:
            continue
    if not valid:
        return card
    return replace(card, **valid, overridden=tuple(sorted(valid)))


def _card_flag(flag: ModelFlag) -> CardFlag:
    return CardFlag(
        id=flag.id,
        kind=flag.kind.value,
        reason=flag.reason,
        evidence_url=flag.evidence_url,
        flagged_at=flag.created_at,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
