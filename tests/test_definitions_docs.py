"""docs/programs.md stays in step with the code: its generated sections are current and it
names every library metric and every check rule."""

from __future__ import annotations

from pathlib import Path

from tierwise.definitions import RULES, check_text
from tierwise.definitions.docs import SECTIONS, generated_sections, refresh
from tierwise.metrics.catalog import LIBRARY

PAGE = Path(__file__).parents[1] / "docs" / "programs.md"


def test_generated_sections_are_current() -> None:
    """Refresh with `python -m tierwise.definitions.docs docs/programs.md`."""
    text = PAGE.read_text(encoding="utf-8")
    assert generated_sections(text) == set(SECTIONS)
    assert text == refresh(text)


def test_doc_lists_every_metric_and_rule() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name, metric in LIBRARY.items():
        assert f"### `{name}`" in text
        assert " ".join(metric.doc.split()) in text
    for rule in RULES:
        assert f"### {rule.code} `{rule.name}`" in text


def test_the_example_in_the_doc_is_a_valid_program() -> None:
    text = PAGE.read_text(encoding="utf-8")
    example = text.split("<!-- BEGIN generated: example -->\n```yaml\n")[1].split("```")[0]
    result = check_text(example, "example")
    assert result.ok and not result.issues
