"""What every request shares: the state store, the catalog read from the event store, the
directory over both, and the programs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from tierwise.db.engine import StateStore
from tierwise.definitions.model import Program
from tierwise.definitions.registry import all_programs
from tierwise.partners.catalog import Catalog
from tierwise.partners.directory import Directory


@dataclass
class Portal:
    state: StateStore
    catalog: Catalog
    programs: dict[str, Program]
    #: The event store file (None: operator previews are unavailable).
    db_path: Path | None = None
    today: Callable[[], date] = date.today
    #: Set `Secure` on cookies (behind HTTPS).
    secure_cookies: bool = False
    directory: Directory = field(init=False)

    def __post_init__(self) -> None:
        self.directory = Directory(self.catalog, list(self.programs.values()), self.today)

    @classmethod
    def open(
        cls,
        state_url: str | None,
        db_path: Path | None,
        *,
        secure_cookies: bool = False,
    ) -> Portal:
        state = StateStore.open(state_url)
        catalog = (
            Catalog.from_file(db_path)
            if db_path is not None and db_path.exists()
            else Catalog(partners={})
        )
        programs = {p.id: p for p in all_programs()}
        return cls(state, catalog, programs, db_path, secure_cookies=secure_cookies)

    def reload_catalog(self) -> None:
        """Read partners and bindings again (after `tierwise data load`)."""
        if self.db_path is not None and self.db_path.exists():
            self.catalog = Catalog.from_file(self.db_path)
            self.directory = Directory(self.catalog, list(self.programs.values()), self.today)

    @contextmanager
    def events(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short read-only connection to the event store (no lock is held between
        requests, so loads can run while the portal serves)."""
        from tierwise.store import EventStore
        from tierwise.web.problems import Problem

        if self.db_path is None or not self.db_path.exists():
            raise Problem(409, "the portal was started without an event store (--db)")
        store = EventStore.open(self.db_path, read_only=True)
        try:
            yield store.con
        finally:
            store.close()

    def close(self) -> None:
        self.state.close()


def program_of(portal: Portal, program_id: str) -> Program:
    """The program a route names, or 404."""
    from tierwise.web.problems import Problem

    program = portal.programs.get(program_id)
    if program is None:
        raise Problem(404, f"no program {program_id!r}")
    return program
