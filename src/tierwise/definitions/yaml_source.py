"""The line-aware YAML loader: plain Python data plus the YAML line of every key and item.

Program definitions are validated in several passes (units, schema, rules); each pass works
on plain data or on the validated `Program`, and reports a problem by its *path* in the
document (`("scoring", "items", 2, "bands", 0)`). `SourceMap.line` turns that path into the
line an operator sees in an editor, so no pass has to know about ruamel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from tierwise.core.errors import DefinitionError

#: A path into a definition: mapping keys and sequence indexes from the document root.
Path = tuple[str | int, ...]


class YamlSyntaxError(DefinitionError):
    """The text is not YAML (or repeats a key); `line` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class SourceMap:
    """The 1-based line of every key and sequence item of one document."""

    file: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Sequence[str | int]) -> int:
        """The line of `path`, or of its nearest ancestor present in the document.

        A missing key is reported on the line of the mapping that lacks it; the document
        root is line 1.
        """
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)

    def resolve(self, loc: Sequence[str | int], data: Any) -> Path:
        """The document path of a pydantic error location.

        Pydantic adds the tag of a discriminated union (`banded_scorecard`, a metric name)
        to the location although it is no key of the document; such segments are skipped.
        """
        out: list[str | int] = []
        node = data
        for seg in loc:
            in_map = isinstance(node, dict) and seg in node
            in_seq = isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node)
            if in_map or in_seq:
                node = node[seg]
                out.append(seg)
            elif isinstance(node, dict | list):
                # a union tag, or a key that is missing / not allowed here
                if isinstance(seg, str) and _is_union_tag(node, seg):
                    continue
                out.append(seg)
                node = None
            else:
                out.append(seg)
                node = None
        return tuple(out)


def _is_union_tag(node: dict[Any, Any] | list[Any], seg: str) -> bool:
    if not isinstance(node, dict):
        return False
    return seg in (node.get("method"), node.get("metric"), node.get("policy"), node.get("kind"))


def load_yaml(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML into plain data (dicts, lists, str, int, Decimal, bool, date, None).

    Floats become `Decimal` through their shortest text form, so `0.004` stays exactly
    0.004; the line map gives the line of each mapping key and sequence item.
    """
    yaml = YAML(typ="rt")
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(str(s) for s in (exc.context, exc.problem) if s)
        raise YamlSyntaxError(f"YAML syntax error: {what or exc}", line) from exc
    except YAMLError as exc:
        raise YamlSyntaxError(f"YAML syntax error: {exc}", 1) from exc
    lines: dict[Path, int] = {}
    return _plain(doc, (), lines), lines


def _plain(node: Any, path: Path, lines: dict[Path, int]) -> Any:
    if isinstance(node, CommentedMap):
        if not path:  # the document: a missing top-level key is reported at its first key
            lines[()] = node.lc.line + 1
        out: dict[Any, Any] = {}
        for key, value in node.items():
            plain_key = _plain_scalar(key)
            sub = (*path, plain_key)
            lines[sub] = node.lc.key(key)[0] + 1
            out[plain_key] = _plain(value, sub, lines)
        return out
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for i, value in enumerate(node):
            sub = (*path, i)
            lines[sub] = node.lc.item(i)[0] + 1
            items.append(_plain(value, sub, lines))
        return items
    return _plain_scalar(node)


def _plain_scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return Decimal(repr(float(value)))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    return value
