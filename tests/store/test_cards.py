"""The complete eval card: its texts stay out of the spec hash, it reads back from JSON,
and a card from a newer format or an edited one is refused in one line."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evalatlas.errors import ConfigError
from evalatlas.store import EvalResult, EvalSpec, SampleRecord, Store
from evalatlas.store.cards import CARD_FORMAT_VERSION, card_json, card_of, parse_card
from evalatlas.store.records import CARD_FIELDS
from evalatlas.store.replays import ReplayVerdict

SpecFactory = Callable[..., EvalSpec]
ResultFactory = Callable[..., EvalResult]


CARD_TEXTS = {
    "system_prompt": "You are a careful expert.",
    "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}",
    "task_files": {"/tasks/t.yaml": "task: t\ninclude: base.yaml\n", "/tasks/base.yaml": "a: 1"},
    "task_config": {"task": "t", "a": 1},
    "task_origin": "/tasks/t.yaml",
    "data_source": "local:/data/t/test.jsonl",
    "data_dir": "/data",
    "split_fingerprints": {"evaluated": "e" * 64, "few-shot pool": "f" * 64},
    "model_details": {"path": "/models/m.gguf", "prefix_reuse": "on"},
    "batch_size": 8,
}


def test_card_texts_do_not_change_the_spec_hash(make_spec: SpecFactory) -> None:
    plain = make_spec()
    complete = plain.model_copy(update=CARD_TEXTS)
    assert set(CARD_TEXTS) == set(CARD_FIELDS)
    assert complete.system_prompt == "You are a careful expert."
    assert complete.spec_hash() == plain.spec_hash()
    # A field that changes the numbers still changes it.
    assert plain.model_copy(update={"num_fewshot": 0}).spec_hash() != plain.spec_hash()


def test_a_spec_stored_before_the_card_was_complete_still_loads(make_spec: SpecFactory) -> None:
    stored = make_spec().model_dump(mode="json")
    for name in CARD_FIELDS:
        stored.pop(name)
    loaded = EvalSpec.model_validate(stored)
    assert loaded.task_files == {} and loaded.system_prompt is None
    assert loaded.spec_hash() == make_spec().spec_hash()


def test_card_round_trips_through_json_with_samples_and_nan(
    make_spec: SpecFactory, make_result: ResultFactory, samples: list[SampleRecord]
) -> None:
    result = make_result(spec=make_spec().model_copy(update=CARD_TEXTS))
    text = card_json(card_of(result, samples))
    assert "NaN" not in text  # the JSON policy: not finite is null
    card = parse_card(text, "card.json")
    assert card.format_version == CARD_FORMAT_VERSION
    assert card.spec == result.spec and card.spec_hash == result.spec_hash
    assert card.samples is not None and len(card.samples) == len(samples)
    assert math.isnan(card.samples[0].scores["acc_norm"])
    assert math.isnan(card.metrics[1].value)
    assert card.samples[0].responses == samples[0].responses


def test_a_card_from_a_newer_format_is_refused(make_result: ResultFactory) -> None:
    data = json.loads(card_json(card_of(make_result())))
    data["format_version"] = CARD_FORMAT_VERSION + 1
    data["a_field_of_the_future"] = True
    with pytest.raises(ConfigError, match=r"new\.json: card format version 2 is newer") as error:
        parse_card(json.dumps(data), "new.json")
    assert "upgrade evalatlas" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"x\.json: not JSON \(line 1"),
        ("[1, 2]", r"x\.json: not an eval card \(no format_version\)"),
        ('{"format_version": "one"}', r"format_version must be a whole number"),
        ('{"format_version": 1, "run_id": "r"}', r"x\.json: field created_at: Field required"),
    ],
)
def test_malformed_cards_are_refused_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_card(text, "x.json")


def test_a_card_whose_spec_was_edited_is_refused(make_result: ResultFactory) -> None:
    data = json.loads(card_json(card_of(make_result())))
    data["spec"]["num_fewshot"] = 0
    with pytest.raises(ConfigError, match="spec_hash does not match"):
        parse_card(json.dumps(data), "edited.json")


def test_the_newest_replay_verdict_of_each_run(workspace: Path) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with Store.open(workspace) as store:
        records = store.replays()
        assert records.latest(["a" * 32]) == {}
        for minutes, verdict in ((0, "drifted"), (5, "identical")):
            records.add(
                ReplayVerdict(
                    run_id="a" * 32,
                    replayed_at=start + timedelta(minutes=minutes),
                    verdict=verdict,
                    reason=verdict,
                    details={"max_abs_delta": math.nan, "n_compared": 3},
                )
            )
        records.add(
            ReplayVerdict(run_id="b" * 32, replayed_at=start, verdict="data_changed", reason="r")
        )
        latest = records.latest(["a" * 32, "b" * 32, "c" * 32])
    assert {run: v.verdict for run, v in latest.items()} == {
        "a" * 32: "identical",
        "b" * 32: "data_changed",
    }
    assert latest["a" * 32].details["n_compared"] == 3
