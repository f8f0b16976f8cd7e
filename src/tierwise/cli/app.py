"""The `tierwise` command: the Typer application and its command groups."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="tierwise",
    help="Grade platform partners into levels from raw platform data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Generate, load and inspect platform data.", no_args_is_help=True)
programs_app = typer.Typer(help="List and check program definitions.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(programs_app, name="programs")
compass_app = typer.Typer(
    help="Data Compass: creators' numbers a partner may see, and the creators' consent.",
    no_args_is_help=True,
)
app.add_typer(compass_app, name="compass")
