"""Program definitions: versioned YAML files read into validated, frozen `Program`s.

Errors (the `DefinitionError` branch of `tierwise.core.errors`)::

    DefinitionError (a ValueError)
    ├── YamlSyntaxError     not YAML, or a repeated key (with its line)
    ├── ProgramError        a definition (or the programs configuration) does not
    │                       validate; `.issues` holds every problem with its file:line
    └── ProgramNotFound     no program with that id, and no such file (also a LookupError)

`ProgramShadowWarning` (a `UserWarning`) is issued when a user program replaces a
built-in (or earlier user) program of the same id.
"""

from __future__ import annotations

from tierwise.definitions.checking import (
    CheckResult,
    Issue,
    ProgramError,
    check_file,
    check_text,
)
from tierwise.definitions.model import (
    Evaluation,
    Level,
    Program,
    ProgramMetric,
    Text,
    TextList,
)
from tierwise.definitions.registry import (
    BUILTIN_IDS,
    ProgramNotFound,
    ProgramShadowWarning,
    all_programs,
    load_program,
)
from tierwise.definitions.rules import RULES, Rule

__all__ = [
    "BUILTIN_IDS",
    "RULES",
    "CheckResult",
    "Evaluation",
    "Issue",
    "Level",
    "Program",
    "ProgramError",
    "ProgramMetric",
    "ProgramNotFound",
    "ProgramShadowWarning",
    "Rule",
    "Text",
    "TextList",
    "all_programs",
    "check_file",
    "check_text",
    "load_program",
]
