"""Command-line interface: thin Typer commands over the services."""

from __future__ import annotations

from tierwise.cli.app import COMMANDS, app

#: Modules that register commands on `app`, each imported when one of its commands runs
#: (`cli/lazy.py`); importing them all registers every command at once.
_COMMAND_MODULES = tuple(dict.fromkeys(m for entry in COMMANDS.values() for m in entry.modules))


def main() -> None:
    app()
