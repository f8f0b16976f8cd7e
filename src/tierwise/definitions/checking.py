"""Checking a definition file: YAML → thresholds → schema → rules, every problem with its line.

The passes never stop at the first problem: each collects issues, and the rules run on
the validated program whenever the schema passes. A rule that crashes becomes an issue.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from tierwise.core.errors import DefinitionError
from tierwise.definitions.model import LIFECYCLE_POLICIES, Program
from tierwise.definitions.rules import RULES, Finding, Rule
from tierwise.definitions.scoring import SCORING_METHODS
from tierwise.definitions.thresholds import ThresholdNormaliser
from tierwise.definitions.yaml_source import SourceMap, YamlSyntaxError, load_yaml
from tierwise.metrics.catalog import LIBRARY

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Issue:
    """One problem of a definition file, at a 1-based line."""

    file: str
    line: int
    code: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        warn = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {self.code} {warn}{self.message}"


class ProgramError(DefinitionError):
    """A program definition that does not validate; carries every issue found."""

    def __init__(self, issues: Sequence[Issue], what: str = "program definition") -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"invalid {what} ({len(self.issues)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class CheckResult:
    """A checked file: the program when it validates, and every issue found."""

    file: str
    program: Program | None
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def ok(self) -> bool:
        return self.program is not None and not self.errors

    def raise_for_errors(self) -> Program:
        """The program, or a `ProgramError` with all errors."""
        if self.program is None or self.errors:
            raise ProgramError(self.errors or self.issues)
        return self.program


def check_file(path: str | os.PathLike[str]) -> CheckResult:
    """Check one definition file (issues name the file as given)."""
    file = os.fspath(path)
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return CheckResult(file, None, (Issue(file, 1, "TW000", f"cannot read file: {reason}"),))
    return check_text(text, file)


def check_text(text: str, file: str = "<string>") -> CheckResult:
    """Check one definition's text."""
    try:
        data, lines = load_yaml(text)
    except YamlSyntaxError as exc:
        return CheckResult(file, None, (Issue(file, exc.line, "TW001", exc.message),))
    source = SourceMap(file, lines)
    if not isinstance(data, dict):
        msg = "a program definition is a mapping of keys (id, title, metrics, scoring, …)"
        return CheckResult(file, None, (Issue(file, 1, "TW101", msg),))

    issues: list[Issue] = []
    for problem in ThresholdNormaliser(data).run():
        issues.append(Issue(file, source.line(problem.path), "TW301", problem.message))

    try:
        program: Program | None = Program.model_validate(data)
    except ValidationError as exc:
        program = None
        issues += _schema_issues(exc.errors(), data, source)
    if program is not None:
        for rule in RULES:
            if rule.stage == "program":
                issues += _run(rule(), program, source)
    return CheckResult(file, program, tuple(sorted(set(issues), key=_order)))


def _order(issue: Issue) -> tuple[int, str, str]:
    return (issue.line, issue.code, issue.message)


def _run(rule: Rule, program: Program, source: SourceMap) -> list[Issue]:
    try:
        findings: list[Finding] = list(rule.check(program))
    except Exception as exc:  # a crashing rule is a finding, never a crash of the check
        msg = f"rule {rule.name} crashed: {type(exc).__name__}: {exc}"
        return [Issue(source.file, 1, rule.code, msg)]
    return [
        Issue(source.file, source.line(f.path), rule.code, f.message, rule.severity)
        for f in findings
    ]


# -- pydantic errors → issues -------------------------------------------------------------


def _schema_issues(errors: list[ErrorDetails], data: Any, source: SourceMap) -> list[Issue]:
    out: list[Issue] = []
    for err in errors:
        path = source.resolve(err["loc"], data)
        if err["type"] == "union_tag_invalid":
            # point at the `method:` / `metric:` / `policy:` line, not the section's
            path = (*path, str((err.get("ctx") or {}).get("discriminator", "")).strip("'"))
        code, message = _describe(err, path, data)
        out.append(Issue(source.file, source.line(path), code, message))
    return out


def _describe(err: ErrorDetails, path: tuple[str | int, ...], data: Any) -> tuple[str, str]:
    """The code and the message of one pydantic error: a wrong tag (metric, method, policy),
    a metric's parameters, or a key of the document."""
    kind = err["type"]
    if kind == "union_tag_invalid":
        path = path[:-1]
    in_metric = len(path) >= 2 and path[0] == "metrics"
    in_params = in_metric and len(path) >= 3 and path[2] == "params"
    last = path[-1] if path else ""
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_issue(err, _dotted(path))
    if in_params or (in_metric and kind == "missing" and last == "params"):
        return _params_issue(err, path, data)
    if kind == "missing":
        return "TW101", f"missing key {last!r}" + (f" in {_dotted(path[:-1])}" if path[:-1] else "")
    if kind == "extra_forbidden":
        return "TW101", f"unknown key {last!r}" + (f" in {_dotted(path[:-1])}" if path[:-1] else "")
    return "TW101", f"{_dotted(path)}: {_msg(err)}"


#: Per discriminator but `metric`: its code, what it names, and the names it may take.
_TAGS: dict[str, tuple[str, str, str]] = {
    "method": ("TW102", "scoring method", ", ".join(SCORING_METHODS)),
    "policy": ("TW103", "lifecycle policy", ", ".join(LIFECYCLE_POLICIES)),
}


def _tag_issue(err: ErrorDetails, where: str) -> tuple[str, str]:
    """A missing or unknown `metric:`, `method:` or `policy:`."""
    ctx = err.get("ctx") or {}
    discriminator = str(ctx.get("discriminator", "")).strip("'")
    tag = ctx.get("tag")
    missing = err["type"] == "union_tag_not_found"
    if discriminator == "metric":
        if missing:
            return "TW101", f"{where}: missing key 'metric' (a library metric name)"
        return "TW201", f"unknown metric {tag!r}; the library has: {', '.join(LIBRARY)}"
    if discriminator not in _TAGS:
        return "TW101", f"{where}: {err['msg']}"
    code, what, names = _TAGS[discriminator]
    if missing:
        return code, f"{where}: missing key {discriminator!r} ({names})"
    return code, f"unknown {what} {tag!r}; one of: {names}"


def _params_issue(err: ErrorDetails, path: tuple[str | int, ...], data: Any) -> tuple[str, str]:
    """A metric's parameters: unknown, missing, or of a wrong value (TW202)."""
    kind, last = err["type"], path[-1]
    metric = _metric_name(data, path)
    allowed = ", ".join(_param_names(metric))
    if kind == "extra_forbidden":
        return "TW202", f"unknown parameter {last!r} of metric {metric!r} (allowed: {allowed})"
    if kind == "missing" and last == "params":
        return "TW202", f"metric {metric!r} needs params ({allowed})"
    if kind == "missing":
        return "TW202", f"metric {metric!r} needs parameter {last!r}"
    return "TW202", f"{_dotted(path)}: {_msg(err)}"


def _msg(err: ErrorDetails) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"{msg} (got {value!r})"
    return msg


def _metric_name(data: Any, path: tuple[str | int, ...]) -> str:
    entry = data.get("metrics", {}).get(path[1]) if isinstance(data, dict) else None
    return str(entry.get("metric")) if isinstance(entry, dict) else "?"


def _param_names(metric: str) -> list[str]:
    lib = LIBRARY.get(metric)
    if lib is None:
        return []
    return [f.alias or name for name, f in lib.params.model_fields.items()]


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else str(seg))
    return out or "(document)"
