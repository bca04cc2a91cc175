"""What the store persists: eval cards (``EvalSpec``), results and per-sample records.

These are pydantic models because they are serialised (SQL rows, Parquet, JSON exports);
every field name here is the column name in tables and the key in JSON.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EvalSpec(BaseModel):
    """Everything that determines a result; identical specs give identical results."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_reference: str
    model_name: str
    model_fingerprint: str
    backend: str
    task: str
    task_version: str
    task_hash: str
    data_fingerprint: str
    num_fewshot: int
    fewshot_seed: int
    limit: int | None = None
    apply_chat_template: bool = False
    chat_template_hash: str | None = None
    system_prompt_hash: str | None = None
    fewshot_as_multiturn: bool = False
    generation_kwargs: dict[str, Any] = Field(default_factory=dict)
    backend_settings: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    # The scorer that graded the task: {"name": ..., "settings": {...}}. None on results
    # stored before it was recorded.
    scorer: dict[str, Any] | None = None
    # A result brought in from another tool, not run here: {"tool": "lm-eval", "version":
    # ..., "source": hash of the files read}. It cannot be replayed here until its card is
    # completed. Hashed only when set, so results run here keep their hashes, and an
    # import's hash tells a second import of the same files.
    imported_from: dict[str, str] | None = None
    # --- the complete eval card (``CARD_FIELDS``): full texts and where things came from,
    # so a result can be replayed elsewhere. Recorded only: each is already covered by a
    # hash above (system prompt, chat template, task content, data) or does not change the
    # numbers (the data folder's path, the model's described details). Results stored
    # before the card was complete read the defaults.
    system_prompt: str | None = None
    chat_template: str | None = None
    # Every task file read (the file and what it includes): path -> text.
    task_files: dict[str, str] = Field(default_factory=dict)
    # The task definition after includes, from which the task is rebuilt on replay.
    task_config: dict[str, Any] | None = None
    task_origin: str | None = None
    data_source: str | None = None
    data_dir: str | None = None
    # sha256 of each part of the data actually used: "evaluated" rows, "few-shot pool".
    split_fingerprints: dict[str, str] = Field(default_factory=dict)
    # What the backend says of the loaded model: file path, dtype, device, prefix sharing.
    model_details: dict[str, str] = Field(default_factory=dict)
    # Requests per batch when the run fixed it (--batch-size); None: paced by time.
    batch_size: int | None = None

    def spec_hash(self) -> str:
        """Hash of the fields that change the numbers.

        Package versions are recorded only. The scorer is recorded only, too: it follows
        from the task's content, which ``task_hash`` already covers, and leaving it out
        keeps the hashes of results stored before it was recorded, so they are reused.
        The card's texts (``CARD_FIELDS``) are left out for the same reason.
        """
        recorded_only = {"versions", "scorer", *CARD_FIELDS}
        if self.imported_from is None:
            recorded_only.add("imported_from")
        payload = self.model_dump(exclude=recorded_only)
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


CARD_FIELDS: frozenset[str] = frozenset(
    {
        "system_prompt",
        "chat_template",
        "task_files",
        "task_config",
        "task_origin",
        "data_source",
        "data_dir",
        "split_fingerprints",
        "model_details",
        "batch_size",
    }
)
"""The fields of ``EvalSpec`` that complete the eval card and stay out of ``spec_hash``."""


class MetricRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    value: float
    stderr: float
    ci_low: float
    ci_high: float
    n: int
    n_unscored: int = 0
    higher_is_better: bool = True


class SampleRecord(BaseModel):
    """One sample's full trail: prompt, what was asked, what came back, how it scored."""

    model_config = ConfigDict(extra="forbid")

    sample_id: str
    prompt: str
    choices: list[str] = Field(default_factory=list)
    target: str
    requests: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    extracted: str | None = None
    scores: dict[str, float]
    metadata: dict[str, Any] = Field(default_factory=dict)

    def score(self, metric: str) -> float:
        return self.scores.get(metric, math.nan)


class EvalResult(BaseModel):
    """One model x one task: its spec, metrics and (optionally loaded) per-sample records."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    spec: EvalSpec
    spec_hash: str
    metrics: list[MetricRecord]
    created_at: datetime
    n_samples: int
    usage: dict[str, float] = Field(default_factory=dict)
    group: str | None = None
    details_path: str | None = None
    # Samples with at least one request whose context was cut from the left to fit the
    # model's context window of ``context_length`` tokens (None: the backend did not say).
    truncated_samples: int = 0
    context_length: int | None = None
    # What uniform guessing scores on the task's metrics: 1 / n_choices for multiple choice,
    # 0 for free generation; None when unknown (and for every run stored before it was kept).
    random_baseline: float | None = None
    samples: list[SampleRecord] | None = None

    def metric(self, name: str) -> MetricRecord | None:
        return next((m for m in self.metrics if m.name == name), None)
