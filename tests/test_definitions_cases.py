"""Data-driven bad-definition cases: tests/fixtures/programs/cases.yml lists, per file,
every issue `programs check` must report, as "LINE: CODE"."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tierwise.definitions import RULES, check_file, check_text
from tierwise.definitions.thresholds import parse_quantity

FIXTURES = Path(__file__).parent / "fixtures" / "programs"
CASES: dict[str, dict[str, list[str]]] = YAML(typ="safe").load(FIXTURES / "cases.yml")


def test_every_fixture_has_a_case() -> None:
    assert sorted(CASES) == sorted(p.name for p in FIXTURES.glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    result = check_file(FIXTURES / name)
    assert [f"{i.line}: {i.code}" for i in result.issues] == CASES[name]["expect"]
    errors = [e for e in CASES[name]["expect"] if not e.endswith("TW205")]
    assert result.ok == (not errors)


def test_every_rule_has_a_failing_case() -> None:
    """A rule without a case could rot unseen (TW000 is exercised by the CLI tests)."""
    expected = {e.split(": ")[1] for c in CASES.values() for e in c["expect"]}
    assert {r.code for r in RULES} - expected == {"TW000"}


def test_rule_codes_are_unique_and_documented() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert all(r.__doc__ and r.summary() for r in RULES)


def test_a_crashing_rule_becomes_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    from tierwise.definitions.rules import WeightSum

    def crash(self: WeightSum, program: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(WeightSum, "check", crash)
    result = check_file(FIXTURES / "valid_scorecard.yaml")
    assert [(i.code, i.line) for i in result.issues] == [("TW401", 1)]
    assert "crashed" in result.issues[0].message


@pytest.mark.parametrize(
    "text",
    ["", "- a list\n- not a mapping\n", "just text\n"],
)
def test_a_document_that_is_not_a_mapping(text: str) -> None:
    result = check_text(text, "x.yaml")
    assert [(i.line, i.code) for i in result.issues] == [(1, "TW101")]


@pytest.mark.parametrize(
    ("text", "value", "unit", "currency"),
    [
        ("0.40%", "0.004", "ratio", None),
        ("2,400 USD", "2400", "money", "USD"),
        ("100k CNY", "100000", "money", "CNY"),
        ("1M CNY", "1000000", "money", "CNY"),
        ("1mil USD", "1000000", "money", "USD"),
        ("600 h", "600", "hours", None),
        ("3000hr", "3000", "hours", None),
        ("4 days", "4", "days", None),
        ("30,000", "30000", None, None),
        ("0.5", "0.5", None, None),
        ("-2", "-2", None, None),
    ],
)
def test_parse_quantity(text: str, value: str, unit: str | None, currency: str | None) -> None:
    q = parse_quantity(text)
    assert q is not None
    assert (q.value, q.unit, q.currency) == (Decimal(value), unit, currency)


@pytest.mark.parametrize("text", ["lots", "1,00 USD", "5 apples", "%", "1.2.3"])
def test_parse_quantity_rejects(text: str) -> None:
    assert parse_quantity(text) is None


@pytest.mark.parametrize("name", ["valid_scorecard.yaml", "valid_additive.yaml"])
def test_no_mangled_file_crashes_the_check(name: str) -> None:
    """Deleting any line, or its first colon, gives issues with lines — never an exception."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        for variant in (
            lines[:i] + lines[i + 1 :],
            [*lines[:i], line.replace(":", "", 1), *lines[i + 1 :]],
        ):
            result = check_text("".join(variant), name)
            assert all(issue.line >= 1 for issue in result.issues)
            assert not any("crashed" in issue.message for issue in result.issues)
