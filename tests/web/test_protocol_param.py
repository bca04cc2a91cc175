"""The ``protocol`` query parameter: ``TASK:HASH`` values, refused with the parameter named."""

from __future__ import annotations

import pytest

from evalatlas.web.board_protocols import PROTOCOL, read_protocols
from evalatlas.web.errors import InvalidParameter
from evalatlas.web.params import ParamReader


def read(*values: str) -> dict[str, str]:
    return read_protocols(ParamReader([(PROTOCOL, v) for v in values], (PROTOCOL,)))


def test_values_are_task_and_hash_prefix() -> None:
    assert read("arc_easy:3fa2c1", "mmlu:ab,hellaswag:CD") == {
        "arc_easy": "3fa2c1",
        "mmlu": "ab",
        "hellaswag": "CD",
    }
    assert read() == {}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("arc_easy", "is not TASK:HASH"),
        (":abc", "is not TASK:HASH"),
        ("arc_easy:", "is not TASK:HASH"),
        ("arc_easy:ab;cd", "is not TASK:HASH"),
    ],
)
def test_a_malformed_value_names_the_parameter(value: str, fragment: str) -> None:
    with pytest.raises(InvalidParameter, match=fragment) as raised:
        read(value)
    assert raised.value.parameter == PROTOCOL


def test_two_protocols_for_one_column_are_refused() -> None:
    with pytest.raises(InvalidParameter, match="arc_easy is given two protocols"):
        read("arc_easy:ab", "arc_easy:cd")
    assert read("arc_easy:ab", "arc_easy:ab") == {"arc_easy": "ab"}
