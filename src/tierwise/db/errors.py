"""What the state store refuses, as one tree::

TierwiseError (tierwise.core.errors)
└── StateError
    ├── StateStoreError   the store cannot be opened or migrated (bad URL, no server)
    ├── RunNotFound       no run with that id (also a LookupError)
    ├── ImmutableRun      an edit of a stored run, or the same inputs with other results
    ├── PublishRefused    a run that may not be published (failed gate, what-if, …)
    └── AppendOnly        an edit or deletion of an audit entry
"""

from __future__ import annotations

from tierwise.core.errors import StateError


class StateStoreError(StateError):
    """The store cannot be opened or migrated."""


class RunNotFound(StateError, LookupError):
    """No run with that id."""


class ImmutableRun(StateError):
    """Runs are immutable once stored: a changed input gives a new run."""


class PublishRefused(StateError):
    """A run that may not be published; the message says why."""


class AppendOnly(StateError):
    """The audit log is append-only."""


__all__ = [
    "AppendOnly",
    "ImmutableRun",
    "PublishRefused",
    "RunNotFound",
    "StateError",
    "StateStoreError",
]
