"""The partner directory: basic information, the level each program published last, its
badge and the awards in force — what a seller or creator sees before working with a
partner. Never a score, a metric or an explanation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, islice
from typing import Any

from sqlalchemy.orm import Session

from tierwise.db.models import RunAward
from tierwise.definitions.model import Audience, Program
from tierwise.partners.catalog import Catalog, PartnerInfo
from tierwise.partners.repository import PublishedResults


@dataclass(frozen=True)
class PublicLevel:
    program_id: str
    period: str
    level: str | None
    title: dict[str, str] | None
    badge: str | None
    status: str
    #: Awards in force today (TSP certifications), with their validity.
    awards: tuple[dict[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "period": self.period,
            "level": self.level,
            "title": self.title,
            "badge": self.badge,
            "status": self.status,
            "awards": list(self.awards),
        }


@dataclass(frozen=True)
class DirectoryEntry:
    info: PartnerInfo
    levels: tuple[PublicLevel, ...] = ()

    @property
    def partner_id(self) -> str:
        return self.info.partner_id

    def level_in(self, program_id: str) -> PublicLevel | None:
        return next((lv for lv in self.levels if lv.program_id == program_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {**self.info.to_dict(), "levels": [lv.to_dict() for lv in self.levels]}


@dataclass(frozen=True)
class DirectoryQuery:
    program: str | None = None
    level: str | None = None
    market: str | None = None
    kind: str | None = None
    #: Matches the partner id or name, case-insensitively.
    text: str | None = None
    offset: int = 0
    limit: int = 50

    def matches(self, entry: DirectoryEntry) -> bool:
        info = entry.info
        if self.market and info.market != self.market:
            return False
        if self.kind and info.kind != self.kind:
            return False
        if self.text:
            needle = self.text.casefold()
            if needle not in info.partner_id.casefold() and needle not in info.name.casefold():
                return False
        if self.program or self.level:
            return any(
                (not self.program or lv.program_id == self.program)
                and (not self.level or lv.level == self.level)
                for lv in entry.levels
            )
        return True


@dataclass(frozen=True)
class Viewer:
    """What of the directory one reader is shown, as `access.directory_viewer` decides:
    which partners (`sees`; `everyone` when it is every partner of the catalog), whose
    levels of which programs (`audience`: None for operators, who see every program's; else
    the programs whose visibility names it), and its own partner's levels all."""

    sees: Callable[[str], bool]
    audience: Audience | None
    everyone: bool = False
    own: str | None = None


#: A query's filters without its page: (audience, program, level, market, kind).
_Filters = tuple[str | None, str | None, str | None, str | None, str | None]
#: How many filter combinations a snapshot remembers the matches of.
_MAX_REMEMBERED = 512


@dataclass
class _Snapshot:
    key: tuple[Any, ...]
    entries: dict[str, DirectoryEntry] = field(default_factory=dict)
    #: The entries as an audience is shown them (only the programs shown to it).
    views: dict[Audience, dict[str, DirectoryEntry]] = field(default_factory=dict)
    #: The entries matching each filter combination asked so far, in directory order, with
    #: their partner ids (so a page is a cut of a short list, not a scan of every entry).
    matches: dict[_Filters, tuple[tuple[str, ...], tuple[DirectoryEntry, ...]]] = field(
        default_factory=dict
    )


def applies(program: Program, info: PartnerInfo) -> bool:
    """Whether `program` grades a partner like `info` (its kind, in one of its markets)."""
    return program.subject_kind == info.kind and info.market in program.markets


def _awards_held(in_force: Sequence[RunAward]) -> dict[str, list[dict[str, str]]]:
    """Each partner's awards in force, one of each award (the earliest valid first)."""
    awards: dict[str, list[dict[str, str]]] = {}
    for a in in_force:
        held = awards.setdefault(a.partner_id, [])
        if all(h["award"] != a.award for h in held):
            held.append(
                {
                    "award": a.award,
                    "valid_from": a.valid_from.isoformat(),
                    "valid_to": a.valid_to.isoformat(),
                }
            )
    return awards


class Directory:
    """Directory entries over a catalog, rebuilt when a publication changes (one cheap
    query per request tells) and shared by every request in between."""

    def __init__(
        self,
        catalog: Catalog,
        programs: Sequence[Program],
        today: Callable[[], date] = date.today,
    ) -> None:
        self.catalog = catalog
        self.programs = {p.id: p for p in programs}
        self.today = today
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def _key(self, session: Session) -> tuple[Any, ...]:
        count, last = PublishedResults(session).publication_state()
        return (count, last, self.today())

    def entries(self, session: Session) -> dict[str, DirectoryEntry]:
        """Every entry with every program's levels (operators; the start-up warm-up)."""
        return self._current(session).entries

    def programs_shown(self, viewer: Viewer) -> list[Program]:
        """The programs whose levels `viewer` is shown (the directory's program and level
        filters offer these only): all for operators; else those whose visibility names
        its audience, and those grading its own partner."""
        own = self.catalog.partners.get(viewer.own or "")
        return [
            p
            for p in self.programs.values()
            if viewer.audience is None
            or p.visibility.shows_level_to(viewer.audience)
            or (own is not None and applies(p, own))
        ]

    def _view(self, snapshot: _Snapshot, audience: Audience | None) -> dict[str, DirectoryEntry]:
        """The entries with the levels of the programs shown to `audience` only."""
        if audience is None:
            return snapshot.entries
        view = snapshot.views.get(audience)
        if view is None:
            shown = {p.id for p in self.programs.values() if p.visibility.shows_level_to(audience)}
            view = {
                pid: DirectoryEntry(e.info, tuple(lv for lv in e.levels if lv.program_id in shown))
                for pid, e in snapshot.entries.items()
            }
            snapshot.views[audience] = view
        return view

    def _current(self, session: Session) -> _Snapshot:
        key = self._key(session)
        snapshot = self._snapshot
        if snapshot is None or snapshot.key != key:
            with self._lock:
                snapshot = self._snapshot
                if snapshot is None or snapshot.key != key:
                    snapshot = _Snapshot(key, self._build(session))
                    self._snapshot = snapshot
        return snapshot

    def _build(self, session: Session) -> dict[str, DirectoryEntry]:
        today = self.today()
        published = PublishedResults(session)
        levels: dict[str, list[PublicLevel]] = {}
        for program in self.programs.values():
            run = published.latest_run(program.id)
            if run is None:
                continue
            run_id, period = run
            awards = _awards_held(published.awards_in_force(program.id, today))
            for partner_id, level, status in published.levels(run_id):
                title = badge = None
                if level is not None and level in program.level_ids:
                    lv = program.level(level)
                    title = {"en": lv.title.en, "zh": lv.title.zh}
                    shown = program.badge_of(level, status)  # none while ineligible
                    badge = shown.name if shown else None
                levels.setdefault(partner_id, []).append(
                    PublicLevel(
                        program.id,
                        period,
                        level,
                        title,
                        badge,
                        status,
                        tuple(awards.get(partner_id, ())),
                    )
                )
        return {
            pid: DirectoryEntry(info, tuple(levels.get(pid, ())))
            for pid, info in self.catalog.partners.items()
        }

    def entry(self, session: Session, partner_id: str, viewer: Viewer) -> DirectoryEntry | None:
        """One partner's entry as `viewer` is shown it (None: not there for it)."""
        if not viewer.sees(partner_id):
            return None
        snapshot = self._current(session)
        audience = None if partner_id == viewer.own else viewer.audience
        return self._view(snapshot, audience).get(partner_id)

    def search(
        self, session: Session, query: DirectoryQuery, viewer: Viewer
    ) -> tuple[int, list[DirectoryEntry]]:
        """Entries `viewer` sees that match `query` on the levels it is shown, in
        partner-id order: (total, page)."""
        snapshot = self._current(session)
        view = self._view(snapshot, viewer.audience)
        if query.text:
            # Free text is not remembered (unbounded): scan.
            found = [e for e in view.values() if query.matches(e)]
            ids, entries = tuple(e.partner_id for e in found), tuple(found)
        else:
            filters = (viewer.audience, query.program, query.level, query.market, query.kind)
            remembered = snapshot.matches.get(filters)
            if remembered is None:
                found = [e for e in view.values() if query.matches(e)]
                remembered = (tuple(e.partner_id for e in found), tuple(found))
                if len(snapshot.matches) >= _MAX_REMEMBERED:
                    snapshot.matches.clear()
                snapshot.matches[filters] = remembered
            ids, entries = remembered
        own = snapshot.entries.get(viewer.own or "")
        if (
            own is not None
            and viewer.audience is not None
            and (query.matches(own) != (own.partner_id in ids))
        ):
            # Its own entry is found by every level it holds, shown or not (a 百应 agency
            # filtering by its own level finds itself): rare, so scanned, not remembered.
            found = [
                e
                for e in view.values()
                if query.matches(own if e.partner_id == own.partner_id else e)
            ]
            ids, entries = tuple(e.partner_id for e in found), tuple(found)
        if viewer.everyone:
            # Every entry is one of the catalog's partners, so the answer is a slice.
            total, page = len(entries), list(entries[query.offset : query.offset + query.limit])
        else:
            admitted = list(map(viewer.sees, ids))
            cut = islice(compress(entries, admitted), query.offset, query.offset + query.limit)
            total, page = sum(map(bool, admitted)), list(cut)
        if viewer.own is not None and viewer.audience is not None:
            # Its own entry with every level it holds.
            page = [
                snapshot.entries[e.partner_id] if e.partner_id == viewer.own else e for e in page
            ]
        return total, page
