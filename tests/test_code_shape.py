"""The shape every function in ``src/evalatlas`` keeps: at most 60 lines, and at most 8
parameters (``self`` and ``cls`` not counted). A CLI command (a function under
``evalatlas/cli`` that a Typer app registers with ``.command`` or ``.callback``) declares
one parameter per option, so its signature is neither counted in its length nor held to
the parameter limit; its body is."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import evalatlas

MAX_LINES = 60
MAX_PARAMETERS = 8
SOURCE = Path(evalatlas.__file__).parent
_REGISTERS = frozenset({"command", "callback"})

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _registered_name(call: ast.Call) -> str | None:
    """``app.command("x")`` or ``app.callback()``: a registration, else None."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _REGISTERS:
        return func.attr
    return None


def command_names(tree: ast.Module) -> set[str]:
    """Functions this module registers as commands: decorated with ``app.command(...)``,
    or passed to it (``app.command("x")(module.function)``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            decorators = [d for d in node.decorator_list if isinstance(d, ast.Call)]
            if any(_registered_name(d) for d in decorators):
                names.add(node.name)
        if isinstance(node, ast.Call):
            names |= _passed_to_registration(node)
    return names


def _passed_to_registration(call: ast.Call) -> set[str]:
    """The function named in ``app.command("x")(function)``; empty for any other call."""
    if not isinstance(call.func, ast.Call) or not _registered_name(call.func) or not call.args:
        return set()
    target = call.args[0]
    if isinstance(target, ast.Name):
        return {target.id}
    return {target.attr} if isinstance(target, ast.Attribute) else set()


def parameter_count(function: Function) -> int:
    arguments = function.args
    named = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    starred = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return sum(argument.arg not in ("self", "cls") for argument in [*named, *starred])


def findings(tree: ast.Module, where: str, commands: set[str]) -> list[Finding]:
    """Functions of ``tree`` over the limits; ``commands`` names the CLI commands."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        end = node.end_lineno or node.lineno
        command = node.name in commands
        start = node.body[0].lineno if command else node.lineno
        place = f"{where}:{node.lineno} {node.name}"
        if end - start + 1 > MAX_LINES:
            what = "body" if command else "function"
            found.append(Finding(place, f"{what} of {end - start + 1} lines (max {MAX_LINES})"))
        if not command and parameter_count(node) > MAX_PARAMETERS:
            count = parameter_count(node)
            found.append(Finding(place, f"{count} parameters (max {MAX_PARAMETERS})"))
    return found


def tree_findings(source: Path) -> list[Finding]:
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in source.rglob("*.py")}
    commands: set[str] = set()
    for path, tree in trees.items():
        if "cli" in path.relative_to(source).parts:
            commands |= command_names(tree)
    found = []
    for path, tree in sorted(trees.items()):
        relative = path.relative_to(source)
        in_cli = "cli" in relative.parts
        found += findings(tree, str(relative), commands if in_cli else set())
    return found


def test_every_function_keeps_to_the_length_and_parameter_limits() -> None:
    found = tree_findings(SOURCE)
    assert not found, "\n".join(str(finding) for finding in found)


def _lines(count: int) -> str:
    return "".join(f"    x{i} = {i}\n" for i in range(count))


def test_the_check_finds_a_long_function_and_a_long_parameter_list(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "cli").mkdir(parents=True)
    # 1 def line + 60 body lines: 61 lines; nine parameters besides self.
    (package / "long.py").write_text("def long():\n" + _lines(60), encoding="utf-8")
    (package / "fits.py").write_text("def fits():\n" + _lines(59), encoding="utf-8")
    many = ", ".join(f"p{i}" for i in range(9))
    (package / "wide.py").write_text(
        f"class C:\n    def wide(self, {many}):\n        pass\n"
        f"    def narrow(self, {', '.join(f'p{i}' for i in range(8))}):\n        pass\n",
        encoding="utf-8",
    )
    # A command's signature spans many lines and options; its 60-line body fits.
    options = "".join(f"    o{i}: int = {i},\n" for i in range(20))
    (package / "cli" / "cmd.py").write_text(
        '@app.command("run")\ndef run(\n'
        + options
        + "):\n"
        + _lines(60)
        + "def helper(\n"
        + options
        + "):\n    pass\n",
        encoding="utf-8",
    )
    found = [str(finding) for finding in tree_findings(package)]
    assert any("long.py:1 long: function of 61 lines" in text for text in found)
    assert any("wide.py:2 wide: 9 parameters" in text for text in found)
    assert any("cli/cmd.py" in text and "helper: 20 parameters" in text for text in found)
    assert not any(" fits:" in text or " narrow:" in text or " run:" in text for text in found)
    assert len(found) == 3
