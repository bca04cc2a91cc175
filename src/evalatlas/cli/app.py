"""Entry point: builds the Typer app and turns every ``AtlasError`` into one line."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.text import Text

from evalatlas.cli import (
    arena_cmd,
    card_cmd,
    eval_cmd,
    judge_cmd,
    models_cmd,
    pick_cmd,
    queue_cmd,
    ranks_cmd,
    replay_cmd,
    results_cmd,
    serve_cmd,
    tasks_cmd,
)
from evalatlas.cli.usage_errors import is_help_shown, usage_error_line
from evalatlas.errors import AtlasError

app = typer.Typer(
    name="evalatlas",
    help="Evaluate open language models; every number with its uncertainty.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("eval")(eval_cmd.eval_command)
app.add_typer(tasks_cmd.app, name="tasks")
app.add_typer(models_cmd.app, name="models")
results_cmd.app.command("card")(card_cmd.card_command)
app.add_typer(results_cmd.app, name="results")
app.command("replay")(replay_cmd.replay_command)
app.add_typer(arena_cmd.app, name="arena")
app.add_typer(judge_cmd.judge_app, name="judge")
app.add_typer(ranks_cmd.app, name="ranks")
app.command("pick")(pick_cmd.pick_command)
app.command("serve")(serve_cmd.serve_command)
app.command("submit")(queue_cmd.submit_command)
app.command("queue")(queue_cmd.queue_command)
app.command("worker")(queue_cmd.worker_command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user mistakes end in one line on stderr and a non-zero exit code.

    An ``AtlasError`` raised by a command, and Click's own usage errors (an option value
    that does not parse, a missing or unknown option), propagate to here and become one line.
    """
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        code = app(args=argv, standalone_mode=False)
    except AtlasError as error:
        errors.print(Text.assemble(("error: ", "bold red"), str(error)))
        sys.exit(error.exit_code)
    except typer.TyperException as error:
        if not is_help_shown(error):
            errors.print(Text.assemble(("error: ", "bold red"), usage_error_line(error)))
        sys.exit(error.exit_code)
    except typer.Abort:
        sys.exit(1)  # end of input at a prompt
    except KeyboardInterrupt:
        errors.print("interrupted: nothing partial was stored")
        sys.exit(130)
    if isinstance(code, int) and code != 0:
        sys.exit(code)  # a command's typer.Exit(code)
