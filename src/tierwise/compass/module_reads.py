"""How the API routes and the pages run one livestream, video or product module for a
signed-in partner user: through `service.read` (the one path that counts the workflow's
approvals and logs what was read), with the module's refusals as the portal answers them —
content the partner may not see is 404 exactly like content that does not exist, a module's
refusal 422."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tierwise.compass import service
from tierwise.compass.authorizations import Authorization
from tierwise.compass.errors import CompassError
from tierwise.compass.modules import ContentNotFound
from tierwise.compass.ranges import QueryRange
from tierwise.core.errors import DataError
from tierwise.web.context import Portal
from tierwise.web.problems import Problem

R = TypeVar("R", bound=service.Reads)
#: A module's run: (event store connection, partner, range, workflow rows) → its result.
ModuleRun = Callable[[Any, str, QueryRange, Sequence[Authorization]], R]


def read_module(
    portal: Portal, reader: service.Reader, query: QueryRange, what: str, run: ModuleRun[R]
) -> R:
    """One module over the reader's partner and `query`, its read logged as `what`."""
    with portal.events() as con:
        try:
            return service.read(
                portal.state,
                reader,
                f"{what} {query.first}..{query.last}",
                lambda rows: run(con, reader.partner_id, query, rows),
            )
        except ContentNotFound as exc:
            raise Problem(404, str(exc)) from None
        except (CompassError, DataError) as exc:
            raise Problem(422, str(exc)) from None


__all__ = ["ModuleRun", "read_module"]
