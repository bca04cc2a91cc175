"""The error tree: drawn in full in ``evalatlas.errors``, and each class's HTTP status."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import evalatlas
from evalatlas import errors
from evalatlas.errors import AtlasError

TREE_LINE = re.compile(r"^    (?P<indent>[│├└ ─]*)(?P<name>[A-Z]\w*)\b")


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def _import_every_module() -> None:
    # A subclass defined anywhere in the package counts, so load every module first.
    for module in pkgutil.walk_packages(evalatlas.__path__, "evalatlas."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def _drawn_parents() -> dict[str, str | None]:
    """Each class named in the docstring's tree, with the class drawn above it."""
    parents: dict[str, str | None] = {}
    stack: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = TREE_LINE.match(line)
        if match is None:
            continue
        depth = len(match["indent"]) // 4
        del stack[depth:]
        parents[match["name"]] = stack[-1] if stack else None
        stack.append(match["name"])
    return parents


def test_the_docstring_draws_every_error_class_under_its_base() -> None:
    _import_every_module()
    classes = {cls.__name__: cls for cls in _all_subclasses(AtlasError)}
    drawn = _drawn_parents()
    assert set(drawn) == set(classes) | {"AtlasError"}
    for name, cls in classes.items():
        assert drawn[name] == cls.__bases__[0].__name__, name


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ConfigError("x"), 500),
        (errors.SubmissionRefused("tasks", "x"), 422),
        (errors.StoreError("x"), 503),
        (errors.ArenaError("x"), 422),
        (errors.UnknownBattle("x"), 404),
        (errors.BattleDecided("x"), 409),
        (errors.RetryLater("x"), 422),
        (errors.VoteLimited("x"), 429),
        (errors.BattleLimited("x"), 429),
        (errors.ArenaBusy("x"), 503),
    ],
)
def test_each_error_declares_the_status_the_web_app_answers(error: AtlasError, status: int) -> None:
    from evalatlas.web.errors import status_for

    assert status_for(error) == status


@pytest.mark.parametrize(
    ("name", "status"),
    [("InvalidParameter", 422), ("NotFound", 404), ("Forbidden", 403), ("Unavailable", 503)],
)
def test_web_errors_declare_their_status(name: str, status: int) -> None:
    from evalatlas.web import errors as web_errors

    assert getattr(web_errors, name).http_status == status
