"""Command-line interface: thin Typer commands over the services."""

from __future__ import annotations

import importlib

from tierwise.cli.app import app

#: Modules that register commands on `app`; each owns one group of commands.
_COMMAND_MODULES = (
    "tierwise.cli.data_load",
    "tierwise.cli.data_generate",
    "tierwise.cli.programs",
    "tierwise.cli.evaluate",
    "tierwise.cli.overview",
    "tierwise.cli.runs",
    "tierwise.cli.operate",
    "tierwise.cli.users",
    "tierwise.cli.serve",
    "tierwise.cli.compass",
    "tierwise.cli.compass_analytics",
    "tierwise.cli.compass_modules",
)


def main() -> None:
    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command group not built yet
            if exc.name != name:
                raise
    app()
