"""Judge templates of one's own, from a JSON file: a prompt written for a judge model
(Prometheus, JudgeLM, an in-house one) with EvalAtlas's placeholders and verdict format.

The file holds one template object or a list of them::

    {"name": "my-pairwise", "version": "2", "system_prompt": "...",
     "user_template": "{question}\\n\\n{answer_a}\\n\\n{answer_b}",
     "multi_turn": false, "with_reference": false}

Each replaces the built-in template of its shape (multi-turn or not, with a reference
answer or not); shapes the file leaves out keep the built-in ones. The verdict is still
read in the declared format (``[[A>B]]`` ..., ``Rating: [[7]]``): the prompt must ask for
it. A template's sha256 is part of the judge's identity, so its votes are told apart from
the built-in template's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalatlas.errors import ConfigError, DataError
from evalatlas.judge.templates import JudgeTemplate, TemplateKind, TemplateSet

SHAPES = {
    (False, False): "plain",
    (True, False): "multi_turn",
    (False, True): "reference",
    (True, True): "reference_multi_turn",
}


def read_templates(path: Path, base: TemplateSet, kind: TemplateKind) -> TemplateSet:
    """``base`` with the shapes ``path`` gives replaced by its templates of ``kind``."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: template file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not a readable JSON template file ({error})") from None
    objects = loaded if isinstance(loaded, list) else [loaded]
    if not objects:
        raise DataError(f"{path}: the file holds no template")
    chosen: dict[str, JudgeTemplate] = {}
    for number, raw in enumerate(objects, start=1):
        template = _template(raw, kind, f"{path}: template {number}")
        shape = SHAPES[(template.multi_turn, template.with_reference)]
        if shape in chosen:
            raise DataError(
                f"{path}: template {number} has the same shape ({shape}) as "
                f"{chosen[shape].name!r}; give one template per shape"
            )
        chosen[shape] = template
    replaced = {shape: chosen.get(shape, getattr(base, shape)) for shape in SHAPES.values()}
    return TemplateSet(**replaced)


def _template(raw: Any, kind: TemplateKind, where: str) -> JudgeTemplate:
    if not isinstance(raw, dict):
        raise DataError(f"{where}: expected a JSON object with name, version, system_prompt…")
    given = raw.get("kind", kind.value)
    if given != kind.value:
        raise DataError(f"{where}: a {given!r} template where a {kind.value} one is needed")
    try:
        return JudgeTemplate.model_validate(raw | {"kind": kind.value})
    except ConfigError as error:
        raise DataError(f"{where}: {error}") from None
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "template"
        raise DataError(f"{where}: {field}: {problem['msg']}") from None
