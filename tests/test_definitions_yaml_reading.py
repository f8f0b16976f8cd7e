"""The two readers of a definition's YAML give one answer: libyaml (fast, for plain YAML)
and ruamel (everything else, and every syntax error). Same data, same types, same lines."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tierwise.definitions.registry import builtin_dir
from tierwise.definitions.yaml_source import (
    YamlSyntaxError,
    _load_with_libyaml,
    _load_with_ruamel,
    load_yaml,
)

FIXTURES = Path(__file__).parent / "fixtures" / "programs"


def same(text: str) -> tuple[Any, dict[Any, int]]:
    """Both readings of `text`, asserted equal down to the types (`repr`)."""
    fast = _load_with_libyaml(text)
    slow = _load_with_ruamel(text)
    assert fast is not None
    assert repr(fast) == repr(slow)
    return fast


@pytest.mark.parametrize(
    "path",
    [
        *sorted(builtin_dir().glob("*.yaml")),
        *sorted((builtin_dir() / "archive").glob("*.yaml")),
        *[p for p in sorted(FIXTURES.glob("*.yaml")) if not p.name.startswith("TW001")],
    ],
    ids=lambda p: p.name,
)
def test_every_definition_reads_the_same(path: Path) -> None:
    same(path.read_text(encoding="utf-8"))


def test_scalars_are_typed_by_yaml_1_2() -> None:
    text = (
        "# a comment\n"
        "---\n"
        "a: 0.004\n"  # line 3
        "b: 1_000\n"
        "c: 0o17\n"
        "d: yes\n"  # a string in YAML 1.2
        "e: 2024-01-31\n"
        "f: ~\n"
        "g:\n"
        "h: '12'\n"
        "i: 1e3\n"
        "j: [true, False, .inf, 0x1F, 'x', \"y\\tz\"]\n"
        "k: |\n  two\n  lines\n"
        "l: >-\n  folded\n  text\n"
        "3: int key\n"
        "m:\n  - n: 1\n    o: [2, 3]\n  -\n    p: 4\n"
    )
    data, lines = same(text)
    assert data["a"] == __import__("decimal").Decimal("0.004")
    assert (data["b"], data["c"], data["d"], data["f"], data["g"], data["h"]) == (
        1000,
        15,
        "yes",
        None,
        None,
        "12",
    )
    assert str(data["e"]) == "2024-01-31"
    assert data["j"][:2] == [True, False] and data["j"][3:] == [31, "x", "y\tz"]
    assert (data["k"], data["l"], data[3]) == ("two\nlines\n", "folded text", "int key")
    assert lines[()] == 3 and lines[("a",)] == 3 and lines[(3,)] == 19
    # the second item is a mapping that starts on the line after its dash
    assert (lines[("m", 0)], lines[("m", 0, "o")], lines[("m", 1)], lines[("m", 1, "p")]) == (
        21,
        22,
        24,
        24,
    )


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: 1}\nc: *x\n",  # an anchor and its alias
        "base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\n",  # a merge key
        "a: !!str 12\n",  # tags: ruamel keeps a tagged object
        "a: !custom x\n",
        "a: !!map {b: 1}\n",
        "? [1, 2]\n: complex key\n",
        "%YAML 1.1\n---\na: yes\n",  # a directive: `yes` is true in YAML 1.1
        "a: 'one\x85two'\n",  # a line break in YAML 1.1, not in 1.2
        "{a: 1, :0: 2}\n",  # ruamel refuses it (its syntax error stays the answer)
    ],
)
def test_what_libyaml_does_not_cover_is_read_by_ruamel(text: str) -> None:
    assert _load_with_libyaml(text) is None
    assert outcome(load_yaml, text) == outcome(_load_with_ruamel, text)


def outcome(read: Any, text: str) -> str:
    """What a reader answers, or the error it raises (ruamel's reading of a merge key
    fails: the fast path must not change that either)."""
    try:
        return repr(read(text))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "a: [1, 2\n", "a:\n\t- 1\n", "a: 1\n---\nb: 2\n"])
def test_errors_are_ruamels(text: str) -> None:
    assert _load_with_libyaml(text) is None
    with pytest.raises(YamlSyntaxError) as fast_path:
        load_yaml(text)
    with pytest.raises(YamlSyntaxError) as ruamel:
        _load_with_ruamel(text)
    assert (fast_path.value.message, fast_path.value.line) == (
        ruamel.value.message,
        ruamel.value.line,
    )


#: Text that YAML may read as something else than a string.
TRICKY = st.sampled_from(
    ["yes", "no", "on", "017", "0o17", "1_000", ".5", "1e3", "null", "~", "", "true", "2024-01-01"]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    TRICKY,
)
KEYS = st.one_of(st.text(min_size=1, max_size=8), TRICKY, st.integers(0, 99))
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(DOCS, st.booleans())
def test_any_dumped_document_reads_the_same(doc: Any, flow: bool) -> None:
    writer = YAML(typ="rt")
    writer.default_flow_style = flow
    out = io.StringIO()
    writer.dump({"doc": doc}, out)
    text = out.getvalue()
    # ruamel does not read all it writes (`:0` as a key in a flow mapping): the answer, or
    # the error, is still ruamel's
    assert outcome(load_yaml, text) == outcome(_load_with_ruamel, text)
