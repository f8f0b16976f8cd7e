"""The line-aware YAML loader: plain Python data plus the YAML line of every key and item.

Program definitions are validated in several passes (units, schema, rules); each pass works
on plain data or on the validated `Program`, and reports a problem by its *path* in the
document (`("scoring", "items", 2, "bands", 0)`). `SourceMap.line` turns that path into the
line an operator sees in an editor, so no pass has to know about ruamel.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode as RuamelScalar

from tierwise.core.errors import DefinitionError, TierwiseError

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

    libyaml reads the text when it can (`_load_with_libyaml`: the same answer, some thirty
    times faster, which is most of `tierwise programs list`); ruamel reads the rest and
    reports every syntax error.
    """
    fast = _load_with_libyaml(text)
    if fast is not None:
        return fast
    return _load_with_ruamel(text)


def _load_with_ruamel(text: str) -> tuple[Any, dict[Path, int]]:
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


#: The tags libyaml's composer gives untagged nodes here (an explicit tag, which ruamel
#: keeps as a tagged object, is any other). A plain scalar's type is then resolved by
#: ruamel's YAML 1.2 rules, as ruamel's own loader would.
_PLAIN = "tag:tierwise,2026:plain"
_QUOTED = "tag:tierwise,2026:quoted"
_MAP = "tag:tierwise,2026:map"
_SEQ = "tag:tierwise,2026:seq"
_STR = "tag:yaml.org,2002:str"
#: Texts ruamel reads: line breaks in YAML 1.1 (libyaml) but not in 1.2 (ruamel), and
#: directives (`%YAML 1.1` changes how ruamel types scalars).
_RUAMELS = re.compile("[\x85\u2028\u2029]|^%", re.MULTILINE)


class _NotPlain(TierwiseError):
    """A document the libyaml reading does not cover: ruamel reads it."""


if getattr(pyyaml, "__with_libyaml__", False):

    class _Composer(pyyaml.CBaseLoader):
        """libyaml's parser and composer, marking plain scalars for resolution."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is pyyaml.ScalarNode:
                return _PLAIN if implicit[0] else _QUOTED
            return _MAP if kind is pyyaml.MappingNode else _SEQ


def _load_with_libyaml(text: str) -> tuple[Any, dict[Path, int]] | None:
    """What `_load_with_ruamel` answers, through libyaml's C parser; `None` when libyaml is
    absent or the text is anything but plain YAML (a syntax error, a tag, an anchor, a merge
    key, a repeated key…), so that ruamel reads it and words any error as always."""
    if not getattr(pyyaml, "__with_libyaml__", False) or _RUAMELS.search(text):
        return None
    composer = _Composer(text)
    try:
        root = composer.get_single_node()
    except pyyaml.YAMLError:
        return None
    finally:
        composer.dispose()
    reading = _Reading(YAML(typ="rt"))
    try:
        data = reading.node(root, ())
    except _NotPlain:
        return None
    return data, reading.lines


@dataclass
class _Reading:
    """`_plain` of libyaml's node tree: the same data and the same lines, plain scalars typed
    by ruamel's resolver and constructor (YAML 1.2)."""

    reader: YAML
    lines: dict[Path, int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)

    def node(self, node: pyyaml.Node | None, path: Path) -> Any:
        if node is None:
            return None
        if id(node) in self.seen:  # an alias: ruamel shares the anchored object
            raise _NotPlain("alias")
        self.seen.add(id(node))
        if isinstance(node, pyyaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, pyyaml.SequenceNode) and node.tag == _SEQ:
            return self.sequence(node, path)
        if isinstance(node, pyyaml.MappingNode) and node.tag == _MAP:
            return self.mapping(node, path)
        raise _NotPlain(node.tag)

    def sequence(self, node: pyyaml.SequenceNode, path: Path) -> list[Any]:
        items: list[Any] = []
        for i, child in enumerate(node.value):
            self.lines[(*path, i)] = child.start_mark.line + 1
            items.append(self.node(child, (*path, i)))
        return items

    def mapping(self, node: pyyaml.MappingNode, path: Path) -> dict[Any, Any]:
        if not path:  # the document: a missing top-level key is reported at its first key
            self.lines[()] = node.start_mark.line + 1
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, pyyaml.ScalarNode):
                raise _NotPlain("a key that is no scalar")
            key = self.scalar(key_node)
            if key in out:
                raise _NotPlain("a repeated key")
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.node(value_node, (*path, key))
        return out

    def scalar(self, node: pyyaml.ScalarNode) -> Any:
        if node.tag == _QUOTED:
            return node.value
        if node.tag != _PLAIN:
            raise _NotPlain(node.tag)
        if node.value.startswith(":"):  # ruamel refuses `{a: 1, :0: 2}`, libyaml does not
            raise _NotPlain(node.value)
        tag = self.reader.resolver.resolve(RuamelScalar, node.value, (True, False))
        if tag == _STR:
            return node.value
        if tag == "tag:yaml.org,2002:merge":
            raise _NotPlain(tag)
        scalar = RuamelScalar(tag, node.value, None, None)
        return _plain_scalar(self.reader.constructor.construct_non_recursive_object(scalar))
