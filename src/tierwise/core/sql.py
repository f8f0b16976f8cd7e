"""Quoting names and values into DuckDB SQL text.

Table functions such as `read_csv` take their file names and options as literals, so the
loader builds SQL text; every name and value goes through these two functions.
"""

from __future__ import annotations

from collections.abc import Iterable


def ident(name: str) -> str:
    """A quoted identifier: `"name"`."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A quoted string literal: `'value'`."""
    return "'" + value.replace("'", "''") + "'"


def idents(names: Iterable[str]) -> str:
    return ", ".join(ident(n) for n in names)
