"""lm-eval samples lines to ``SampleRecord``s and back.

lm-eval logs one line per (document, filter). The lines of one document share its
arguments and raw responses and differ in filtered responses and metric values, so they
become one record: requests and responses once, scores named ``metric`` for the ``none``
filter and ``metric,filter`` for any other (lm-eval's own key in its results). What has no
place in a record (the document, the recorded target and hashes, filtered responses that
do not follow from the raw ones, metric values that are not numbers) is kept under
``metadata["lm_eval"]``, so an export writes the lines back as they were.

Log-probabilities are logged as text (``str(float)``), which reads back to the very same
float; an export writes them the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from evalatlas.errors import DataError
from evalatlas.store.records import SampleRecord

METADATA_KEY = "lm_eval"
NO_FILTER = "none"
# lm-eval output types, and the kind of request each one logs.
REQUEST_KINDS = {
    "multiple_choice": "loglikelihood",
    "loglikelihood": "loglikelihood",
    "loglikelihood_rolling": "loglikelihood_rolling",
    "generate_until": "generate_until",
}


def score_name(metric: str, filter_name: str) -> str:
    return metric if filter_name == NO_FILTER else f"{metric},{filter_name}"


def records_from_lines(
    lines: Sequence[dict[str, Any]], output_type: str, where: str
) -> list[SampleRecord]:
    """One record per document, in the order documents first appear."""
    kind = REQUEST_KINDS.get(output_type)
    if kind is None:
        raise DataError(
            f"{where}: output_type {output_type!r} is not one EvalAtlas reads "
            f"({', '.join(sorted(REQUEST_KINDS))})"
        )
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_doc.setdefault(str(_field(line, "doc_id", where)), []).append(line)
    return [_record(doc_lines, kind, f"{where}, doc_id {doc}") for doc, doc_lines in by_doc.items()]


def _record(lines: list[dict[str, Any]], kind: str, where: str) -> SampleRecord:
    first = lines[0]
    filters = [str(_field(line, "filter", where)) for line in lines]
    if len(set(filters)) != len(filters):
        raise DataError(f"{where}: logged twice for one filter; the file mixes two runs")
    arguments = _arguments(_field(first, "arguments", where), where)
    requests = [_request(kind, i, str(first["doc_id"]), args) for i, args in enumerate(arguments)]
    raw = _field(first, "resps", where)
    if not isinstance(raw, list) or len(raw) != len(requests):
        raise DataError(f"{where}: 'resps' must hold one list per argument")
    responses = [_response(kind, r, where) for r in raw]
    choices = [r["continuation"] for r in requests] if kind == "loglikelihood" else []
    scores: dict[str, float] = {}
    kept: list[dict[str, Any]] = []
    for line, name in zip(lines, filters, strict=True):
        kept.append(_filter_entry(line, name, raw, scores, where))
    target = first.get("target")
    return SampleRecord(
        sample_id=str(first["doc_id"]),
        prompt=str(arguments[0].get("arg_0", "")) if arguments else "",
        choices=choices,
        target=_target_text(target, choices),
        requests=requests,
        responses=responses,
        extracted=_extracted(kind, responses, choices, kept),
        scores=scores,
        metadata={METADATA_KEY: _kept_fields(first, kept)},
    )


def _field(line: dict[str, Any], key: str, where: str) -> Any:
    if key not in line:
        raise DataError(f"{where}: field {key!r} is missing; give the file lm-eval wrote")
    return line[key]


def _arguments(value: Any, where: str) -> list[dict[str, Any]]:
    # 0.4.13 logs {"gen_args_0": {"arg_0": ..., "arg_1": ...}, ...}; older releases a list
    # of argument lists.
    if isinstance(value, dict):
        ordered = sorted(value.items(), key=lambda item: int(str(item[0]).rsplit("_", 1)[-1]))
        return [dict(args) for _, args in ordered]
    if isinstance(value, list):
        return [{f"arg_{i}": a for i, a in enumerate(args)} for args in value]
    raise DataError(f"{where}: 'arguments' must be an object or a list")


def _request(kind: str, index: int, sample_id: str, args: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"kind": kind, "sample_id": sample_id, "index": index}
    if kind == "loglikelihood":
        request.update(context=str(args.get("arg_0", "")), continuation=str(args.get("arg_1", "")))
    elif kind == "loglikelihood_rolling":
        request["text"] = str(args.get("arg_0", ""))
    else:
        request.update(prompt=str(args.get("arg_0", "")), generation_kwargs=args.get("arg_1"))
    return request


def _response(kind: str, repeats: Any, where: str) -> dict[str, Any]:
    if not isinstance(repeats, list) or not repeats:
        raise DataError(f"{where}: each entry of 'resps' must be a non-empty list")
    if kind == "generate_until":
        texts = [str(text) for text in repeats]
        return {"text": texts[0]} if len(texts) == 1 else {"text": texts[0], "texts": texts}
    if len(repeats) != 1:
        raise DataError(f"{where}: a log-likelihood request logged {len(repeats)} responses")
    value = repeats[0]
    if kind == "loglikelihood_rolling":
        return {"logprob": _number(value, where)}
    if not isinstance(value, list) or len(value) != 2:
        raise DataError(f"{where}: a log-likelihood response must be [logprob, is_greedy]")
    return {"logprob": _number(value[0], where), "is_greedy": _flag(value[1], where)}


def _number(value: Any, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {value!r} is not a log-probability") from None


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("True", "False"):
        return bool(value == "True")
    raise DataError(f"{where}: is_greedy {value!r} is neither True nor False")


def _filter_entry(
    line: dict[str, Any], name: str, raw: list[Any], scores: dict[str, float], where: str
) -> dict[str, Any]:
    """One filter's metrics into ``scores``; returns what the record must keep of it."""
    metrics = _field(line, "metrics", where)
    entry: dict[str, Any] = {"filter": name, "metrics": list(metrics)}
    other: dict[str, Any] = {}
    for metric in metrics:
        value = _field(line, metric, where)
        if isinstance(value, int | float):  # a bool too: a 0/1 score
            scores[score_name(metric, name)] = float(value)
        if not isinstance(value, float):
            # Kept as logged (an int, a bool, a list for corpus metrics) to write back as is.
            other[metric] = value
    if other:
        entry["values"] = other
    filtered = line.get("filtered_resps")
    if filtered != [repeats[0] for repeats in raw]:
        entry["filtered_resps"] = filtered
    return entry


def _kept_fields(first: dict[str, Any], filters: list[dict[str, Any]]) -> dict[str, Any]:
    names = ("doc_id", "doc", "target", "doc_hash", "prompt_hash", "target_hash")
    kept: dict[str, Any] = {key: first[key] for key in names if key in first}
    kept["filters"] = filters
    return kept


def _target_text(target: Any, choices: list[str]) -> str:
    index = _as_index(target)
    if choices and index is not None and 0 <= index < len(choices):
        return choices[index]
    return str(target)


def _as_index(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _extracted(
    kind: str, responses: list[dict[str, Any]], choices: list[str], filters: list[dict[str, Any]]
) -> str | None:
    if kind == "loglikelihood" and choices:
        # The choice acc counts: the continuation with the highest log-probability.
        logprobs = [r["logprob"] for r in responses]
        best = max(range(len(logprobs)), key=lambda i: _comparable(logprobs[i]))
        return choices[best]
    if kind == "generate_until" and responses:
        filtered = filters[0].get("filtered_resps")
        if isinstance(filtered, list) and filtered and isinstance(filtered[0], str):
            return filtered[0]
        return str(responses[0]["text"])
    return None


def _comparable(logprob: float) -> float:
    return -math.inf if math.isnan(logprob) else logprob
