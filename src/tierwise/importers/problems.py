"""Problems found in a platform payload: each names the file, the record and the field.

An import reads every record before deciding, so a platform engineer fixes a payload in
one round; any problem refuses the whole import and nothing is written or stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tierwise.core.errors import DataError
from tierwise.store.issues import DEFAULT_LIMIT, visible

_VALUE_WIDTH = 80


@dataclass(frozen=True)
class Problem:
    """`file: record: field: what is wrong (value)`; absent parts are left out."""

    file: str
    record: str | None
    field: str | None
    message: str
    value: str | None = None

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.record, self.field) if p]
        text = ": ".join([*parts, self.message])
        if self.value is not None:
            shown = self.value if len(self.value) <= _VALUE_WIDTH else self.value[:77] + "..."
            text += f" ({visible(shown)})"
        return text


@dataclass
class Problems:
    """The first `limit` problems of an import and how many there are in all."""

    limit: int = DEFAULT_LIMIT
    shown: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.shown) < self.limit:
            self.shown.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        for p in problems:
            self.add(p)

    def lines(self) -> list[str]:
        out = [str(p) for p in self.shown]
        more = self.total - len(self.shown)
        if more:
            out.append(f"and {more} more problem{'s' if more != 1 else ''}")
        return out

    def refuse_if_any(self, source: str) -> None:
        if self.total:
            raise ImportRefused(source, self)


class ImportRefused(DataError):
    """A platform payload refused whole; nothing of it was written or stored."""

    def __init__(self, source: str, problems: Problems) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: import refused, nothing written", *problems.lines()]
        super().__init__("\n".join(lines))


def record_label(
    index: int, raw: object, keys: tuple[str, ...] = ("id", "order_id"), noun: str = "record"
) -> str:
    """`record 3 (id 5770…)`: the 1-based position in its file and, when the record has
    one, its platform id, so the record can be found either way."""
    label = f"{noun} {index}"
    if isinstance(raw, dict):
        for key in keys:
            value = raw.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return f"{label} ({key} {value})"
    return label
