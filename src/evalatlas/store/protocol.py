"""A result's ``Protocol``: the part of its ``EvalSpec`` that must match for two numbers
to be comparable.

Two results of the same task are comparable when they asked the same questions the same
way and graded them the same way. That is:

- the task: name, version and content hash (the hash covers the prompt format, the
  scorer and its metrics, the generation settings the task declares);
- the few-shot policy: how many examples, and the seed that drew them (the seed only
  when there are examples: a 0-shot run draws nothing);
- the chat template on or off, the few-shot examples as turns or as one text, and the
  system prompt's hash. The template itself is the model's own (read from its weights'
  metadata), so it belongs to the model's identity, not to the protocol: with it, no two
  models using a chat template could ever be compared;
- the generation settings;
- which samples: the whole split, or a subset. ``--limit N`` keeps the first N rows, so
  the subset is identified by N together with ``data_fingerprint``, the hash of the rows
  actually used (the evaluated samples and the few-shot pool): two "first 20" runs over
  different data versions hash differently, and a full run's fingerprint names the data
  version of the whole split. A limit that cut nothing (fewer samples than the limit)
  is the whole split. A limit equal to the split's size cannot be told apart from one
  that cut and is taken as a subset: a label never claims more than the data shows.

The metric is not a field: a board column ranks one headline metric among the results of
one protocol, and the scorer follows from the task's content hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalatlas.errors import StoreError
from evalatlas.store.records import EvalSpec

GROUP_VERSION = "group"  # the task_version of a group's pooled result (``runner.groups``)
SHORT_HASH = 12  # characters of a protocol hash shown and accepted as a prefix


class Protocol(BaseModel):
    """What must match for two results to be ranked against each other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    task_version: str
    task_hash: str
    num_fewshot: int
    fewshot_seed: int | None  # None: 0-shot, nothing was drawn
    apply_chat_template: bool
    fewshot_as_multiturn: bool
    system_prompt_hash: str | None
    generation_kwargs: dict[str, Any] = Field(default_factory=dict)
    data_fingerprint: str
    subset_limit: int | None  # None: the whole split; N: the first N samples

    @classmethod
    def of(cls, spec: EvalSpec, n_samples: int) -> Protocol:
        """The protocol of a result with ``spec`` that evaluated ``n_samples`` samples."""
        limit = spec.limit
        cut = limit is not None and n_samples >= limit
        shots = spec.num_fewshot
        return cls(
            task=spec.task,
            task_version=spec.task_version,
            task_hash=spec.task_hash,
            num_fewshot=shots,
            fewshot_seed=spec.fewshot_seed if shots > 0 else None,
            apply_chat_template=spec.apply_chat_template,
            fewshot_as_multiturn=spec.fewshot_as_multiturn and shots > 0,
            system_prompt_hash=spec.system_prompt_hash,
            generation_kwargs=dict(spec.generation_kwargs),
            data_fingerprint=spec.data_fingerprint,
            subset_limit=limit if cut else None,
        )

    @classmethod
    def of_stored(cls, spec: Mapping[str, Any], n_samples: int, where: str) -> Protocol:
        """The protocol of a stored run from its spec JSON; StoreError naming ``where``
        (the run) when the stored spec is not a valid one."""
        try:
            parsed = EvalSpec.model_validate(dict(spec))
        except ValidationError as exc:
            raise StoreError(
                f"the stored spec of {where} is not a valid eval card "
                f"({exc.error_count()} problems); the workspace was changed by hand"
            ) from exc
        return cls.of(parsed, n_samples)

    @property
    def is_full_split(self) -> bool:
        return self.subset_limit is None

    def protocol_hash(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def label(self) -> str:
        """A short readable name for pages and the CLI, such as "5-shot · chat · full"."""
        parts = [f"{self.num_fewshot}-shot"]
        if self.apply_chat_template:
            parts.append("chat, multi-turn" if self.fewshot_as_multiturn else "chat")
        if self.system_prompt_hash is not None:
            parts.append(f"system prompt {self.system_prompt_hash[:8]}")
        if self.subset_limit is None:
            parts.append("full")
        else:
            # A group's limit applies to each member task, not to the pooled samples.
            each = " of each member" if self.task_version == GROUP_VERSION else ""
            parts.append(f"first {self.subset_limit:,}{each}")
        return " · ".join(parts)


def shared_settings(spec: EvalSpec) -> tuple[object, ...]:
    """The settings a group's result shares with the member results it pools (a group's
    spec is its first member's with the task identity replaced): a member measured under
    other settings belongs to another result of the group."""
    return (
        spec.num_fewshot,
        spec.fewshot_seed if spec.num_fewshot > 0 else None,
        spec.apply_chat_template,
        spec.fewshot_as_multiturn,
        spec.system_prompt_hash,
        spec.limit,
    )


def short_hash(protocol_hash: str) -> str:
    return protocol_hash[:SHORT_HASH]
