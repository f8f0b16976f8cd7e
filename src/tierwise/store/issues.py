"""Problems found while loading: each names its file, row, column and offending value.

A load collects every problem before deciding, so a platform engineer fixes a file in one
round instead of one error per attempt. Errors refuse the load; warnings are printed and the
load goes on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]

#: How many problems of each level are listed before "and N more".
DEFAULT_LIMIT = 50
_VALUE_WIDTH = 80


@dataclass(frozen=True)
class Issue:
    """One problem at `file:row: column: what is wrong (value)`; absent parts are left out.

    `row` is the line number in CSV and JSON Lines (the CSV header is line 1) and the
    1-based row index within a Parquet file.
    """

    level: Level
    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        parts = [where]
        if self.column is not None:
            parts.append(self.column)
        text = ": ".join([*parts, self.message])
        if self.value is not None:
            shown = self.value if len(self.value) <= _VALUE_WIDTH else self.value[:77] + "..."
            text += f" ({visible(shown)})"
        return text


def visible(value: str) -> str:
    """`value` with control and other invisible characters (a NUL, a line break, a bidi
    override) written as `\\x00`, `\\u202e`: a problem stays one readable line."""
    if value.isprintable():
        return value
    return "".join(
        ch
        if ch == " " or unicodedata.category(ch)[0] not in "CZ"
        else ch.encode("unicode_escape").decode("ascii")
        for ch in value
    )


@dataclass(frozen=True)
class IssueList:
    """The first issues of one level, in file and row order, and how many there are in all."""

    level: Level
    shown: tuple[Issue, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)

    def lines(self) -> list[str]:
        prefix = "" if self.level == "error" else "warning: "
        out = [prefix + str(i) for i in self.shown]
        if self.more:
            noun = "error" if self.level == "error" else "warning"
            out.append(f"and {self.more} more {noun}{'s' if self.more != 1 else ''}")
        return out


def issue_list(level: Level, issues: Iterable[Issue], extra_total: int = 0) -> IssueList:
    """Keep the issues of `level` (already in file and row order); `extra_total` counts
    issues that were counted but not fetched."""
    chosen = [i for i in issues if i.level == level]
    return IssueList(level, tuple(chosen), len(chosen) + extra_total)


def merge(
    level: Level,
    lists: Sequence[IssueList],
    limit: int,
    key: Callable[[Issue], tuple[int, ...]],
) -> IssueList:
    """Join issue lists of one level in `key` order under one overall limit.

    Each list holds the first issues of its part in the same order, so the first `limit`
    of the joined lists are the first `limit` overall.
    """
    every = sorted((i for lst in lists if lst.level == level for i in lst.shown), key=key)
    total = sum(lst.total for lst in lists if lst.level == level)
    return IssueList(level, tuple(every[:limit]), total)
