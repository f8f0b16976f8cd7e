"""What an import produced: canonical rows and how many records each rule left out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tierwise.importers.canonical import OrderRow


@dataclass
class ImportResult:
    """The canonical rows of one import and, per reason, the records left out of them
    (samples, replacements, duplicates…), so the operator sees what was not imported."""

    source: str
    rows: list[OrderRow] = field(default_factory=list)
    #: Where each row came from (file, record), for a problem the loader finds in it.
    origins: list[tuple[str, str]] = field(default_factory=list)
    records: int = 0
    left_out: Counter[str] = field(default_factory=Counter)

    def add(self, row: OrderRow, file: str, record: str) -> None:
        self.rows.append(row)
        self.origins.append((file, record))

    def leave_out(self, reason: str, n: int = 1) -> None:
        self.left_out[reason] += n
