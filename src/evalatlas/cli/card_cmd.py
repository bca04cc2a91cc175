"""``evalatlas results card RUN``: a stored result's complete eval card, as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from evalatlas.cli.files import write_text_atomic
from evalatlas.cli.options import WorkspaceOption, open_store
from evalatlas.store.cards import card_json, card_of


def card_command(
    run_id: Annotated[str, typer.Argument(help="A run id (or unique prefix).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the card to this file instead of printing it."),
    ] = None,
    with_samples: Annotated[
        bool,
        typer.Option(
            "--with-samples",
            help="Embed every per-sample record, so a replay elsewhere can compare with them.",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Print (or export) the eval card of RUN: everything needed to replay it anywhere."""
    with open_store(workspace) as store:
        result = store.get_result(run_id)
        samples = store.load_samples(result.run_id) if with_samples else None
    text = card_json(card_of(result, samples)) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    write_text_atomic(output, text)
    shown = f" with {len(samples)} samples" if samples is not None else ""
    Console().print(f"card of run {result.run_id}{shown} written to {output}", highlight=False)
