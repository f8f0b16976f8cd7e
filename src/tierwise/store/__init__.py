"""The event store: canonical platform data loaded into an embedded DuckDB file.

Public surface (everything else in `tierwise.store` is internal)::

    EventStore.open(path, read_only=False) -> EventStore   # .con: a DuckDB connection, UTC
    EventStore.for_folder(folder) -> EventStore            # cached, read-only
    EventStore.load(folder) -> LoadReport                  # validate + upsert by key

Exceptions::

    Exception
    ├── StoreError     a store that cannot be opened or was made for another contract
    └── LoadRefused    a bad folder; `.report.errors` lists every problem, nothing stored
"""

from tierwise.store.events import EventStore, StoreSummary, TableSummary, default_db_path
from tierwise.store.issues import Issue, IssueList
from tierwise.store.load import LoadProgress, LoadRefused, LoadReport, TableCounts, load_folder
from tierwise.store.schema import StoreError

__all__ = [
    "EventStore",
    "Issue",
    "IssueList",
    "LoadProgress",
    "LoadRefused",
    "LoadReport",
    "StoreError",
    "StoreSummary",
    "TableCounts",
    "TableSummary",
    "default_db_path",
    "load_folder",
]
