"""Typer's own refusals (an option value that does not parse, a missing or unknown option)
in the CLI's one-line error style, like every other mistake a user can make.

Typer raises them as ``typer.TyperException`` (its Click exceptions derive from it) when the
app runs with ``standalone_mode=False``, instead of drawing its own error box.
"""

from __future__ import annotations

import typer


def is_help_shown(error: typer.TyperException) -> bool:
    """True when Typer refused by showing the help (a command group run without a command):
    the help is on the screen already and is the whole answer. Typer names no public class
    for it, and tells it apart by name too."""
    return type(error).__name__ == "NoArgsIsHelpError"


def usage_error_line(error: typer.TyperException) -> str:
    """``error`` as one line, pointing at the help of the command it concerns."""
    message = " ".join(error.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    context = getattr(error, "ctx", None)
    path = getattr(context, "command_path", None)
    return f"{message}; see '{path} --help'" if path else message
