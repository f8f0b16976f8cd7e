"""The annual selection of excellent partners for the REST API and the operator's page
alike: computed from the published quarters, published with a reason (audited)."""

from __future__ import annotations

from tierwise.core.errors import DefinitionError, StateError
from tierwise.programs.excellence import (
    annual_excellence,
    publish_excellence,
    published_excellence,
)
from tierwise.programs.schemas import ExcellenceOut
from tierwise.web.context import Portal, program_of
from tierwise.web.problems import Problem


def excellence(portal: Portal, program_id: str, year: int) -> ExcellenceOut:
    """The year's selection as computed now, with the published one (if any)."""
    program = program_of(portal, program_id)
    try:
        with portal.state.reading() as session:
            doc = annual_excellence(session, program, year)
            published = published_excellence(session, program.id, year)
    except DefinitionError as exc:
        raise Problem(404, str(exc)) from None
    return ExcellenceOut(**doc, published=published)


def publish(portal: Portal, program_id: str, year: int, actor: str, reason: str) -> ExcellenceOut:
    """Publish the year's selection (the trophies), audited; refusals as 404 or 409."""
    program = program_of(portal, program_id)
    if "\x00" in reason:
        raise Problem.field("reason", "must not contain NUL characters")
    try:
        with portal.state.session() as session:
            publish_excellence(session, program, year, actor, reason)
    except DefinitionError as exc:
        raise Problem(404, str(exc)) from None
    except StateError as exc:
        raise Problem(409, str(exc)) from None
    return excellence(portal, program_id, year)
