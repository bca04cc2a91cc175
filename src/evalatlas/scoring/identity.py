"""Which scorer graded a result: a name and the settings that change its numbers.

An identity is hashable (its settings are kept as canonical JSON text), so two tasks that
score alike compare equal, and it is recorded on the eval card as
``{"name": ..., "settings": {...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ScorerIdentity:
    name: str
    settings_json: str = "{}"

    @classmethod
    def of(cls, name: str, settings: Mapping[str, Any] | None = None) -> ScorerIdentity:
        """An identity from JSON-representable settings (key order does not matter)."""
        text = json.dumps(dict(settings or {}), sort_keys=True, ensure_ascii=False)
        return cls(name, text)

    @property
    def settings(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.settings_json)
        return loaded

    def as_record(self) -> dict[str, Any]:
        """The form stored on the eval card."""
        return {"name": self.name, "settings": self.settings}
