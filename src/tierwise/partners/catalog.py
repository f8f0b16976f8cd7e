"""Partners and their bindings, read once from the event store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from tierwise.store import queries


@dataclass(frozen=True)
class PartnerInfo:
    partner_id: str
    name: str
    kind: str
    market: str
    joined_on: date | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "partner_id": self.partner_id,
            "name": self.name,
            "kind": self.kind,
            "market": self.market,
            "joined_on": None if self.joined_on is None else self.joined_on.isoformat(),
        }


@dataclass(frozen=True)
class Catalog:
    """The directory's basic information and the creator → partner bindings in force on
    `on` (a creator sees the partners it is bound to)."""

    partners: Mapping[str, PartnerInfo]
    creator_partners: Mapping[str, frozenset[str]] = field(default_factory=dict)
    on: date | None = None

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, on: date | None = None) -> Catalog:
        on = on or date.today()
        partners = {
            pid: PartnerInfo(pid, name, kind, market, joined)
            for pid, name, kind, market, joined in queries.partners(con)
        }
        bound: dict[str, set[str]] = {}
        for creator_id, partner_id in queries.creator_bindings(con, on):
            bound.setdefault(creator_id, set()).add(partner_id)
        return cls(partners, {c: frozenset(p) for c, p in bound.items()}, on)

    @classmethod
    def from_file(cls, path: Path, on: date | None = None) -> Catalog:
        """Read the store file and let it go: the portal holds no lock on the event store,
        so `tierwise data load` can run beside it."""
        con = duckdb.connect(str(path), read_only=True)
        try:
            return cls.load(con, on)
        finally:
            con.close()

    def bound_to(self, creator_id: str) -> frozenset[str]:
        return self.creator_partners.get(creator_id, frozenset())
