"""Data Compass's errors: one branch of the project's tree, so that the CLI (exit 1 and a
message on standard error) and the web layer (a problem document) treat them like every
other refusal.

::

    TierwiseError, ValueError (tierwise.core.errors)
    └── CompassError          input the authorization rules cannot use: an unknown market,
        │                     an authorization row that breaks compass.md §2, rows of
        │                     another pair
        ├── RangeRefused      a query range compass.md refuses: `to` before `from`, more
        │                     than 30 days, older than 6 months
        ├── RequestRefused    a partner may not ask this creator now; `.reasons` lists why
        ├── ConsentRefused    a move of the consent workflow the request's status does not
        │   │                 allow (approving a declined request, revoking twice, …)
        │   └── RequestExpired    an answer at or after 168 h: it has no effect
        └── RequestNotFound   no such request for this principal (also a LookupError)
"""

from __future__ import annotations

from collections.abc import Sequence

from tierwise.core.errors import TierwiseError


class CompassError(TierwiseError, ValueError):
    """Input Data Compass's rules cannot use; the message says what and why."""


class RangeRefused(CompassError):
    """A query range that compass.md refuses; never cut silently."""


class RequestRefused(CompassError):
    """An access request the partner may not make now, with every reason why."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("access request refused: " + "; ".join(self.reasons))


class ConsentRefused(CompassError):
    """A move of the consent workflow that the request's status does not allow; nothing
    was recorded. The message names the request, its status and why."""


class RequestExpired(ConsentRefused):
    """An answer given at or after `requested_at` + 168 h: it has no effect, and nothing
    was recorded."""


class RequestNotFound(CompassError, LookupError):
    """No request with that id for this principal: another partner's or creator's request
    is answered exactly as one that does not exist."""


__all__ = [
    "CompassError",
    "ConsentRefused",
    "RangeRefused",
    "RequestExpired",
    "RequestNotFound",
    "RequestRefused",
]
