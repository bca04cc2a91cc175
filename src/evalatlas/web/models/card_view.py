"""A run's complete eval card as the web shows it, and its last replay's verdict."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from evalatlas.store import EvalResult
from evalatlas.store.cards import card_json, card_of
from evalatlas.store.replays import ReplayVerdict
from evalatlas.web.public_paths import public_reference, public_text

# A local data file as a data source names it ("local:/srv/data/x/test.jsonl"); after the
# colon ``public_text`` would take it for a URL's path and leave it whole.
_LOCAL_FILE = re.compile(r"local:(~?/(?:[^\s/;\"]+/)*)([^\s/;\"]*)")


def card_url(key: str, run_id: str) -> str:
    return f"/api/models/{quote(key, safe='')}/runs/{quote(run_id, safe='')}/card"


def public_card(result: EvalResult) -> dict[str, Any]:
    """The run's card (``evalatlas results card``) without the server's paths: every
    absolute path cut to its last part; the hashes that identify files stay."""
    text = _LOCAL_FILE.sub(lambda found: f"local:…/{found.group(2)}", card_json(card_of(result)))
    card: dict[str, Any] = json.loads(public_text(text))
    card["spec"]["model_reference"] = public_reference(result.spec.model_reference)
    return card


def replay_json(verdict: ReplayVerdict | None) -> dict[str, Any] | None:
    """The last replay's verdict, reason and time (None: never replayed)."""
    if verdict is None:
        return None
    return {
        "verdict": verdict.verdict,
        "reason": public_text(verdict.reason),
        "replayed_at": verdict.replayed_at.isoformat(),
    }
