"""The one JSON policy: every JSON EvalAtlas writes is strict, a non-finite number null."""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import evalatlas
from evalatlas.arena.voters import VoterReport
from evalatlas.cli.arena_display import voters_json
from evalatlas.cli.display import results_json
from evalatlas.cli.judge_shared import echo_json
from evalatlas.jsonio import dumps, json_ready
from evalatlas.runner.records import sample_record
from evalatlas.store import EvalResult, EvalSpec, MetricRecord
from evalatlas.web.jsonable import AtlasJSONResponse, SerialisedJSONResponse, json_text

SOURCE = Path(evalatlas.__file__).parent

# json.dumps elsewhere writes no output: it makes hash and cache keys, a chat template's
# ``tojson``, a copy of a schema, or messages between the scorer and its sandbox.
NOT_OUTPUT = {
    "arena/importer.py",
    "judge/run/battle_items.py",
    "judge/templates.py",
    "judge/votes.py",
    "models/cache.py",
    "prompts/chat.py",
    "requests/types.py",
    "runner/cache.py",
    "scoring/identity.py",  # a scorer identity's canonical settings text
    "scoring/math_answers.py",
    "scoring/math_latex.py",
    "store/protocol.py",  # the protocol hash's canonical text
    "store/records.py",
    "tasks/pick_examples.py",  # the examples' canonical text, hashed
    "tasks/config.py",
    "tasks/configured.py",
    "web/bodies.py",
}


def _strict_loads(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


NON_FINITE = {"nan": math.nan, "up": math.inf, "down": [-math.inf, (1.5, math.nan)]}
AS_NULLS = {"nan": None, "up": None, "down": [None, [1.5, None]]}


def test_every_non_finite_number_becomes_null_at_any_depth() -> None:
    assert json_ready(NON_FINITE) == AS_NULLS
    assert _strict_loads(dumps(NON_FINITE, indent=2)) == AS_NULLS


def _echoed(payload: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> str:
    echo_json(payload)
    return capsys.readouterr().out


WRITERS: dict[str, Callable[[dict[str, Any], Any, Path], str]] = {
    "web response": lambda p, _, __: bytes(AtlasJSONResponse(p).body).decode(),
    "web download": lambda p, _, __: bytes(SerialisedJSONResponse(p).body).decode(),
    "web text": lambda p, _, __: json_text(p),
    "cli --json (judges)": lambda p, capsys, _: _echoed(p, capsys),
}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_every_writer_turns_non_finite_numbers_into_null(
    writer: Callable[[dict[str, Any], Any, Path], str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    assert _strict_loads(writer(NON_FINITE, capsys, tmp_path)) == AS_NULLS


def test_results_json_writes_an_unscored_metric_as_null() -> None:
    spec = EvalSpec(
        model_reference="gguf:m",
        model_name="m",
        model_fingerprint="sha256:" + "ab" * 32,
        backend="llamacpp",
        task="t",
        task_version="1",
        task_hash="h",
        data_fingerprint="d",
        num_fewshot=0,
        fewshot_seed=0,
    )
    metric = MetricRecord(
        name="acc", value=math.nan, stderr=math.nan, ci_low=-math.inf, ci_high=math.inf, n=0
    )
    result = EvalResult(
        run_id="r" * 32,
        spec=spec,
        spec_hash=spec.spec_hash(),
        metrics=[metric],
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        n_samples=0,
        usage={"cost": math.nan},
    )
    [written] = _strict_loads(results_json([result]))
    assert written["usage"] == {"cost": None}
    assert written["metrics"][0] | {"n": 0} == {
        "name": "acc",
        "value": None,
        "stderr": None,
        "ci_low": None,
        "ci_high": None,
        "n": 0,
        "n_unscored": 0,
        "higher_is_better": True,
    }


def test_arena_voters_json_writes_an_untested_voter_as_null() -> None:
    report = VoterReport("v", 0, math.nan, math.nan, math.inf, math.nan, math.nan, False)
    [voter] = _strict_loads(voters_json([report], min_votes=1, alpha=0.05))["voters"]
    assert voter["agreement"] is None and voter["z"] is None


def test_a_sample_record_keeps_an_impossible_continuation_as_null() -> None:
    from evalatlas.data import Sample
    from evalatlas.requests import LoglikelihoodRequest, LoglikelihoodResult
    from evalatlas.tasks.task import PreparedSample, SampleOutcome

    request = LoglikelihoodRequest("s", 0, "context", " x")
    prepared = PreparedSample(Sample(id="s", input="q", choices=("x",), target=0), "q", (request,))
    outcome = SampleOutcome(scores={"acc": 0.0}, extracted=None)
    record = sample_record(prepared, [LoglikelihoodResult(-math.inf, False, 1)], outcome)
    assert record.responses[0]["logprob"] is None
    _strict_loads(dumps(record.model_dump(mode="json")))


def _json_dumps_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "json"
        and node.attr in {"dumps", "dump"}
    ]


def test_json_is_written_only_through_the_policy() -> None:
    """A new JSON writer that calls ``json.dumps`` itself fails here: use ``jsonio.dumps``."""
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative != "jsonio.py" and relative not in NOT_OUTPUT:
            offenders += [f"{relative}:{line}" for line in _json_dumps_calls(path)]
    assert offenders == []


def test_the_web_app_builds_json_responses_only_through_the_policy() -> None:
    offenders = []
    for path in sorted((SOURCE / "web").rglob("*.py")):
        if path.name == "jsonable.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if "import" in line and "JSONResponse" in line and "AtlasJSONResponse" not in line:
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []
