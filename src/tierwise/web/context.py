"""What every request shares: the state store, the catalog read from the event store, the
directory over both, and the programs."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from tierwise.db.engine import StateStore
from tierwise.definitions.model import Program
from tierwise.definitions.registry import all_programs
from tierwise.partners.catalog import Catalog
from tierwise.partners.directory import Directory

if TYPE_CHECKING:
    from tierwise.store import EventStore

#: How long the event store stays open after the last request that read it (seconds).
EVENTS_LINGER_S = 1.0


class EventReaders:
    """The worker's read-only connections to the event store, reused across requests.

    Opening the store for each request costs more than many answers (DuckDB reads the
    file's catalog and starts with a cold cache each time). A request takes an idle
    connection (or opens one: one per concurrent request, all sharing DuckDB's one
    database instance and cache in the process) and gives it back. The file stays open
    only while requests come: once none has used it for `linger` seconds, every
    connection is closed and no lock is held, so `tierwise data load` can write the file
    — exactly as when each request opened its own, except that a load must now find a
    quiet `linger` seconds instead of a quiet instant. A file replaced on disk (another
    inode or device) is never read through an old connection: the idle ones are
    dropped and the request opens the new file."""

    def __init__(self, path: Path, linger: float = EVENTS_LINGER_S) -> None:
        self.path = path
        self.linger = linger
        self._lock = threading.Lock()
        self._idle: list[EventStore] = []
        self._busy = 0
        self._file: tuple[int, int] | None = None
        self._last_used = 0.0
        self._reaper: threading.Timer | None = None

    def _identity(self) -> tuple[int, int]:
        st = os.stat(self.path)
        return (st.st_dev, st.st_ino)

    def _acquire(self) -> tuple[EventStore, tuple[int, int]]:
        """An idle connection or a new one, and the identity of the file it reads."""
        from tierwise.store import EventStore

        identity = self._identity()
        with self._lock:
            if identity != self._file:
                stale, self._idle = self._idle, []
                self._file = identity
            else:
                stale = []
            store = self._idle.pop() if self._idle else None
            self._busy += 1
        for old in stale:
            old.close()
        if store is not None:
            return store, identity
        try:
            return EventStore.open(self.path, read_only=True), identity
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise

    def _release(self, store: EventStore, identity: tuple[int, int]) -> None:
        with self._lock:
            self._busy -= 1
            self._last_used = time.monotonic()
            keep = identity == self._file
            if keep:
                self._idle.append(store)
            if self._reaper is None:
                self._reaper = threading.Timer(self.linger, self._reap)
                self._reaper.daemon = True
                self._reaper.start()
        if not keep:
            store.close()

    def _reap(self) -> None:
        """Close every connection once none was used for `linger` seconds (else look
        again when that will be so)."""
        with self._lock:
            self._reaper = None
            quiet = time.monotonic() - self._last_used
            if self._busy or quiet < self.linger:
                self._reaper = threading.Timer(max(self.linger - quiet, 0.01), self._reap)
                self._reaper.daemon = True
                self._reaper.start()
                return
            idle, self._idle = self._idle, []
        for store in idle:
            store.close()

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one request, given back after it."""
        store, identity = self._acquire()
        try:
            yield store.con
        finally:
            self._release(store, identity)

    def close(self) -> None:
        """Close every idle connection now (the portal stops)."""
        with self._lock:
            idle, self._idle = self._idle, []
            if self._reaper is not None:
                self._reaper.cancel()
                self._reaper = None
        for store in idle:
            store.close()


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
    readers: EventReaders | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.directory = Directory(self.catalog, list(self.programs.values()), self.today)
        if self.db_path is not None:
            self.readers = EventReaders(self.db_path)

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
        """A read-only connection to the event store for one request, reused across
        requests while they come (`EventReaders`: no lock is held once the portal has
        been quiet for a second, so loads can run while the portal serves)."""
        from tierwise.web.problems import Problem

        if self.readers is None or self.db_path is None or not self.db_path.exists():
            raise Problem(409, "the portal was started without an event store (--db)")
        with self.readers.connection() as con:
            yield con

    def close(self) -> None:
        if self.readers is not None:
            self.readers.close()
        self.state.close()


def program_of(portal: Portal, program_id: str) -> Program:
    """The program a route names, or 404."""
    from tierwise.web.problems import Problem

    program = portal.programs.get(program_id)
    if program is None:
        raise Problem(404, f"no program {program_id!r}")
    return program
