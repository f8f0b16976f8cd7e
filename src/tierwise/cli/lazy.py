"""Commands imported only when one runs.

Importing every command module costs a second and a thousand modules (pandas, SQLAlchemy,
FastAPI, the synthetic generator…) that `tierwise --help` or `tierwise evaluate` never
use. The top-level group knows each command by a table (name → modules, one-line help),
lists the commands from it, and imports a command's modules only when that command is
resolved; its options, output and exit codes are then those of the command itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command as build_command


@dataclass(frozen=True)
class Lazy:
    """Where a command (or command group) lives, and what `tierwise --help` says of it:
    the first paragraph of its help, as the command itself would show it (tested)."""

    modules: tuple[str, ...]
    help: str


class LazyGroup(TyperGroup):
    """A Typer group whose commands of `table` are imported when resolved.

    A subclass sets the table and the Typer application the modules register their
    commands on (`cli/app.py`); Typer builds this group from that application.
    """

    table: ClassVar[Mapping[str, Lazy]] = {}
    application: ClassVar[typer.Typer]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        eager = dict(self.commands)
        # every name of the table, in its order (so that listings and "did you mean"
        # suggestions know them), then any command registered outside the table
        self.commands = {name: eager.get(name) or self._entry(name) for name in self.table}
        self.commands.update((n, c) for n, c in eager.items() if n not in self.table)
        self._registered = frozenset(eager)
        self._resolved: set[str] = set()
        self._listing = False

    def _entry(self, name: str) -> TyperCommand:
        """What the listing shows of a command not imported yet."""
        return TyperCommand(name, help=self.table[name].help)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The help lists the commands from the table, importing none."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = self.table.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return self._entry(cmd_name)
        if cmd_name not in self._resolved:
            for module in entry.modules:
                importlib.import_module(module)
            # the modules registered their commands on the application: build it again
            # and take the command, complete with every module's part of a group
            built = build_command(self.application)
            if not isinstance(built, LazyGroup) or cmd_name not in built._registered:
                return None  # the modules register no such command
            self.commands[cmd_name] = built.commands[cmd_name]
            self._resolved.add(cmd_name)
        return self.commands[cmd_name]
