"""`tierwise project`: "if the period ended today" for one partner of one program."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from tierwise.cli.app import app
from tierwise.cli.source import DataOption, DbOption, events, fail
from tierwise.cli.state import StateOption, open_state
from tierwise.core.errors import DefinitionError, TierwiseError
from tierwise.definitions.registry import load_program
from tierwise.projection import project
from tierwise.projection.schemas import ProjectionOut


@app.command("project")
def project_command(
    program: Annotated[str, typer.Argument(help="A program id.")],
    partner: Annotated[str, typer.Argument(help="The partner's id.")],
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """If the running period ended on the data's last day: a partner's projected score,
    level and lifecycle outcome, and what each metric needs per day left."""
    # The lifecycle continues from the partner's published standing; nothing is stored.
    if output not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    try:
        definition = load_program(program)
    except DefinitionError as exc:
        fail(str(exc))
    try:
        with events(data, db) as con, open_state(state) as st:
            projected = project(con, st, definition)
    except TierwiseError as exc:
        fail(str(exc))
    found = None if projected is None else projected.of(partner)
    if found is None:
        fail(f"{definition.id} has no projection for {partner!r}: no data, or not graded by it")
    doc = ProjectionOut.of(found)
    if output == "json":
        json.dump(doc.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    lines = [
        f"{definition.id} · {partner} · projection of {doc.period} on the data through "
        f"{doc.data_through} ({doc.days_elapsed} days in, {doc.days_left} left) — not a result",
        f"status {doc.status} · score {doc.score if doc.score is not None else '—'} · "
        f"level {doc.level or '—'} (computed {doc.computed_level or '—'}) · {doc.change} from "
        f"{doc.previous_level or '—'}",
    ]
    if doc.next_level:
        lines.append(f"What {doc.next_level} needs by the end of the period:")
        for n in doc.needs:
            per_day = "" if n.per_day is None else f", {_number(n.per_day)} per day left"
            now = "—" if n.current is None else _number(n.current)
            lines.append(
                f"  {n.metric}: now {now}, needs {n.relation} {_number(n.target)}{per_day}"
            )
    typer.echo("\n".join(lines))


def _number(value: float) -> str:
    """Grouped, at most four decimals, never in scientific notation."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")
