"""``SampleRecord``s to lm-eval samples lines: the reverse of ``lm_eval_samples``.

A record imported from lm-eval is written back from what it kept (the document, target,
hashes, filters); a record of a run made here gets the same shape, with its sample as the
document and the hashes computed as lm-eval computes them (SHA-256 of the text).
"""

from __future__ import annotations

import hashlib
from typing import Any

from evalatlas.interop.lm_eval_samples import METADATA_KEY, NO_FILTER, score_name
from evalatlas.jsonio import dumps
from evalatlas.store.records import SampleRecord


def hash_text(text: str) -> str:
    """lm-eval's ``hash_string``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def doc_hash(doc: Any) -> str:
    """lm-eval's hash of a logged document: its JSON with indent 2, non-ASCII kept."""
    return hash_text(dumps(doc, indent=2, default=str))


def lines_from_record(record: SampleRecord, position: int) -> list[dict[str, Any]]:
    """The samples lines of one record, one per filter (``position``: its doc_id if the
    record does not carry lm-eval's own)."""
    found = record.metadata.get(METADATA_KEY)
    kept: dict[str, Any] = found if isinstance(found, dict) else {}
    arguments = {f"gen_args_{i}": _arguments(r, record) for i, r in enumerate(record.requests)}
    resps = [_resps(response, request) for response, request in _pairs(record)]
    doc = kept["doc"] if "doc" in kept else _native_doc(record)
    target = kept["target"] if "target" in kept else _native_target(record)
    first_argument = next(iter(arguments.values()), {}).get("arg_0", "")
    hashes = {
        "doc_hash": kept.get("doc_hash") or doc_hash(doc),
        "prompt_hash": kept.get("prompt_hash") or hash_text(str(first_argument)),
        "target_hash": kept.get("target_hash") or hash_text(str(target)),
    }
    filters = kept.get("filters") or [{"filter": NO_FILTER, "metrics": list(record.scores)}]
    lines = []
    for entry in filters:
        name = str(entry["filter"])
        line: dict[str, Any] = {
            "doc_id": kept.get("doc_id", position),
            "doc": doc,
            "target": target,
            "arguments": arguments,
            "resps": resps,
            "filtered_resps": entry.get("filtered_resps", [r[0] for r in resps]),
            "filter": name,
            "metrics": list(entry["metrics"]),
            **hashes,
        }
        values = entry.get("values", {})
        for metric in entry["metrics"]:
            line[metric] = values[metric] if metric in values else _score(record, metric, name)
        lines.append(line)
    return lines


def jsonl_text(lines: list[dict[str, Any]]) -> str:
    """The lines as lm-eval writes them: one JSON object per line, non-ASCII kept."""
    return "".join(dumps(line) + "\n" for line in lines)


def _pairs(record: SampleRecord) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return list(zip(record.responses, record.requests, strict=False))


def _score(record: SampleRecord, metric: str, filter_name: str) -> float | None:
    value = record.scores.get(score_name(metric, filter_name))
    return value if value is not None and value == value else None  # NaN: unscored


def _arguments(request: dict[str, Any], record: SampleRecord) -> dict[str, Any]:
    kind = request.get("kind")
    if kind == "loglikelihood":
        return {"arg_0": request.get("context", ""), "arg_1": request.get("continuation", "")}
    if kind == "loglikelihood_rolling":
        return {"arg_0": request.get("text", "")}
    if "generation_kwargs" in request:  # imported: the settings exactly as lm-eval logged
        return {"arg_0": request.get("prompt", ""), "arg_1": request["generation_kwargs"]}
    settings = {
        "until": list(request.get("until") or []),
        "max_gen_toks": request.get("max_tokens"),
        "temperature": request.get("temperature"),
        "do_sample": bool(request.get("temperature")),
    }
    prompt = request.get("prompt")
    return {"arg_0": prompt if isinstance(prompt, str) else record.prompt, "arg_1": settings}


def _resps(response: dict[str, Any], request: dict[str, Any]) -> list[Any]:
    kind = request.get("kind")
    if kind == "loglikelihood":
        return [[str(float(response["logprob"])), str(bool(response.get("is_greedy")))]]
    if kind == "loglikelihood_rolling":
        return [str(float(response["logprob"]))]
    texts = response.get("texts")
    return list(texts) if isinstance(texts, list) else [str(response.get("text", ""))]


def _native_doc(record: SampleRecord) -> dict[str, Any]:
    return {
        "id": record.sample_id,
        "prompt": record.prompt,
        "choices": list(record.choices),
        "target": record.target,
    }


def _native_target(record: SampleRecord) -> Any:
    # lm-eval's multiple-choice target is the gold choice's index.
    if record.target in record.choices:
        return record.choices.index(record.target)
    return record.target
