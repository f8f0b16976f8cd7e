"""Every error tierwise raises on purpose, under one root, so a caller can catch
`TierwiseError` (or one branch of it) and never `ValueError` wholesale.

    TierwiseError
    ├── PeriodError            a period text that is not 2024-09, 2024Q1, 2024H1 or 2024
    ├── DefinitionError        a program definition
    │   ├── YamlSyntaxError        not YAML, or a repeated key (with its line)
    │   ├── ProgramError           does not validate (carries every issue, with lines)
    │   └── ProgramNotFound        no program with that id, and no such file
    ├── DataError              the event store (DuckDB)
    │   ├── StoreError             missing, or made with another contract
    │   ├── LoadRefused            a load refused whole (file:row: column: what)
    │   └── ImportRefused          a platform payload refused whole (file: record: field: what)
    │       └── ImportOptionError      an option the import source needs is missing
    ├── EvaluationError        data an evaluation cannot use
    │   ├── PlanError              a metric request the plan cannot compile
    │   └── ScoringError           a scoring input that cannot be scored
    ├── LifecycleError         input the level lifecycle cannot apply
    │   ├── DecisionError          a decision the program's policy does not allow
    │   └── IllegalTransition      a move not in the policy's transitions table
    ├── StateError             the state database (SQLite or PostgreSQL)
    │   ├── StateStoreError        cannot be opened or migrated
    │   ├── RunNotFound            no such run
    │   ├── ImmutableRun           a stored run cannot change
    │   ├── PublishRefused         a run that may not be published
    │   └── AppendOnly             the audit log and restatements only grow
    ├── ReportError            a report of what is not published (no run, no result)
    ├── AccountError           users and credentials
    │   ├── BadCredentials         wrong login or password
    │   └── Throttled              too many failures: wait
    └── NotGenuine             a badge link this service did not sign (`badges.claims`)

Not errors: `ProgramShadowWarning` (a `UserWarning`, `definitions.registry`) when a user
program replaces another of the same id; `_NotPlain` (`definitions.yaml_source`), which
never leaves its module: it hands a definition the fast libyaml reading does not cover
to ruamel, which reads it (and words its errors) as always.

The branches keep the built-in base they always had (`ValueError`, `LookupError`) as a
second base, so code written against those still works while callers move to this tree.
The web layer turns these into problem documents (`web/problems.py`); the CLI into a
message on standard error and exit 1.
"""

from __future__ import annotations


class TierwiseError(Exception):
    """The root of every error tierwise raises on purpose."""


class DefinitionError(TierwiseError, ValueError):
    """A program definition that cannot be used."""


class DataError(TierwiseError):
    """The event store refuses data, or cannot be used."""


class EvaluationError(TierwiseError, ValueError):
    """Input the evaluation cannot use; the message says what and where."""


class LifecycleError(TierwiseError, ValueError):
    """Input the lifecycle cannot apply."""


class StateError(TierwiseError):
    """Anything the state store refuses."""


class ReportError(TierwiseError, LookupError):
    """A report asked for a period, program or partner with no published result."""


class AccountError(TierwiseError):
    """A user that cannot be added, or a credential that cannot be issued."""


__all__ = [
    "AccountError",
    "DataError",
    "DefinitionError",
    "EvaluationError",
    "LifecycleError",
    "ReportError",
    "StateError",
    "TierwiseError",
]
