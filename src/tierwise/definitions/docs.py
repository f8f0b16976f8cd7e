"""The generated parts of `docs/programs.md`: metric library, check rules, the full example.

They are rendered from `catalog.LIBRARY`, the rule docstrings and the built-in 百应 file,
between `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->` markers, so the
page cannot drift from the code (a test compares). Refresh with
`python -m tierwise.definitions.docs docs/programs.md`.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from tierwise.definitions.registry import builtin_dir
from tierwise.definitions.rules import RULES
from tierwise.metrics.catalog import LIBRARY, Window

EXAMPLE_PROGRAM = "buyin-mcn"


def render_metrics() -> str:
    """One section per library metric: its unit, definition and parameters."""
    out: list[str] = []
    for metric in LIBRARY.values():
        kind = "derived from other metrics of the program" if metric.derived else "from the data"
        out.append(f"### `{metric.name}`\n")
        out.append(f"Unit: **{metric.unit}** · {kind}\n")
        out.append(" ".join(metric.doc.split()) + "\n")
        rows = _param_rows(metric.params)
        if rows:
            out.append("| parameter | values | default |")
            out.append("|---|---|---|")
            out += [f"| `{name}` | {values} | {default} |" for name, values, default in rows]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _param_rows(model: type[BaseModel]) -> list[tuple[str, str, str]]:
    rows = []
    for name, field in model.model_fields.items():
        default = (
            "required"
            if field.default is PydanticUndefined and field.default_factory is None
            else _default_text(field.default)
        )
        rows.append((field.alias or name, _type_text(field.annotation), default))
    return rows


def _type_text(ann: Any) -> str:
    origin = get_origin(ann)
    args = get_args(ann)
    if origin is Literal:
        return ", ".join(f"`{a}`" for a in args)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        text = " or ".join(_type_text(a) for a in inner)
        return f"{text} (optional)" if len(inner) < len(args) else text
    if origin is tuple:
        return f"list of {_type_text(args[0])}"
    if ann is Window:
        return "`{days: N}` (past N days) or `{}` (the period)"
    names = {int: "integer", float: "number", str: "text", bool: "`true`, `false`"}
    return names.get(ann, getattr(ann, "__name__", str(ann)))


def _default_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Window):
        return "the period" if value.days is None else f"`{{days: {value.days}}}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def render_rules() -> str:
    """One section per check rule: code, name, severity and its docstring."""
    out: list[str] = [
        "| code | name | severity | checks |",
        "|---|---|---|---|",
    ]
    out += [f"| {r.code} | `{r.name}` | {r.severity} | {r.summary()} |" for r in RULES]
    out.append("")
    for rule in RULES:
        out.append(f"### {rule.code} `{rule.name}`\n")
        out.append(rule.summary() + "\n")
        details = rule.details()
        if details:
            out.append(details + "\n")
    return "\n".join(out).rstrip() + "\n"


def render_example() -> str:
    """The built-in 百应 definition, verbatim."""
    text = (builtin_dir() / f"{EXAMPLE_PROGRAM}.yaml").read_text(encoding="utf-8")
    return f"```yaml\n{text.rstrip()}\n```\n"


SECTIONS: dict[str, Callable[[], str]] = {
    "example": render_example,
    "metrics": render_metrics,
    "rules": render_rules,
}

_BLOCK = re.compile(
    r"(<!-- BEGIN generated: (?P<name>\w+) -->\n).*?(<!-- END generated: (?P=name) -->)",
    re.S,
)


def refresh(page: str) -> str:
    """The page with every generated section rendered anew."""

    def fill(m: re.Match[str]) -> str:
        render = SECTIONS.get(m.group("name"))
        if render is None:
            return m.group(0)
        return f"{m.group(1)}{render()}{m.group(3)}"

    return _BLOCK.sub(fill, page)


def generated_sections(page: str) -> set[str]:
    """The names of the generated sections a page has."""
    return {m.group("name") for m in _BLOCK.finditer(page)}


def main(argv: list[str]) -> int:
    """Rewrite the page(s) given in place."""
    for name in argv or ["docs/programs.md"]:
        path = Path(name)
        path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
