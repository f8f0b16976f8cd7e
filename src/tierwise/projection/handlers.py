"""What the API and the pages do alike: one partner's projection, from the projection of
its program cached per data and state (see `ProjectionCache`)."""

from __future__ import annotations

from tierwise.definitions.model import Program
from tierwise.projection.service import (
    ProjectedPeriod,
    Projection,
    ProjectionCache,
    project,
    state_version,
)
from tierwise.web.context import Portal
from tierwise.web.problems import Problem

CACHE = ProjectionCache()


def projection_of(
    portal: Portal, program: Program, partner_id: str, *, by_partner: bool
) -> Projection:
    """`by_partner`: as the partner is shown it (see `Projection.as_shown_to_partner`)."""
    path = portal.db_path
    if path is None or not path.exists():
        raise Problem(409, "the portal was started without an event store (--db)")
    stat = path.stat()
    key = (
        program.id,
        program.version,
        str(path),
        stat.st_dev,
        stat.st_ino,
        stat.st_mtime_ns,
        stat.st_size,
        state_version(portal.state),
    )

    def make() -> ProjectedPeriod | None:
        with portal.events() as con:
            return project(con, portal.state, program)

    projected = CACHE.get(key, make)
    found = None if projected is None else projected.of(partner_id)
    if found is None:
        raise Problem(404, f"{program.id} has no projection for {partner_id!r} (no data yet)")
    return found.as_shown_to_partner(program) if by_partner else found
