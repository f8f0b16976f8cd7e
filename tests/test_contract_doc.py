"""docs/data-contract.md documents exactly the contract the code reads (contract.TABLES)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tierwise.store.contract import TABLES, Table

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"
HEADER = ["column", "type", "nullable", "key", "stored as", "values", "notes"]


def documented_tables() -> dict[str, list[dict[str, str]]]:
    """Each `### <table>` section's markdown table, as rows keyed by the header."""
    tables: dict[str, list[dict[str, str]]] = {}
    current: str | None = None
    header: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^###\s+(\w+)\s*$", line)
        if heading:
            current, header = heading.group(1), None
            tables[current] = []
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is None or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            assert header == HEADER, f"{current}: table header {header}"
        elif not set("".join(cells)) <= set("-: "):
            tables[current].append(dict(zip(header, cells, strict=True)))
    return tables


def expected_rows(t: Table) -> list[dict[str, str]]:
    return [
        {
            "column": c.name,
            "type": "num" if c.type == "money" else c.type,
            "nullable": "yes" if c.nullable else "no",
            "key": "key" if c.name in t.key else "",
            "stored as": c.sql_type,
            "values": ", ".join(f"`{v}`" for v in c.enum or ()),
        }
        for c in t.columns
    ]


def test_every_contract_table_is_documented_and_nothing_else() -> None:
    assert list(documented_tables()) == [t.name for t in TABLES]


@pytest.mark.parametrize("t", TABLES, ids=[t.name for t in TABLES])
def test_documented_columns_are_the_contract(t: Table) -> None:
    rows = documented_tables()[t.name]
    shown = [{k: v for k, v in r.items() if k != "notes"} for r in rows]
    assert shown == expected_rows(t)


def test_keys_tierwise_chose_are_said_to_be_chosen() -> None:
    text = DOC.read_text(encoding="utf-8")
    for t in TABLES:
        section = text.split(f"### {t.name}\n", 1)[1].split("###", 1)[0]
        assert f"Key: ({', '.join(t.key)})" in section
        assert ("chosen by tierwise" in section) is (not t.key_from_contract), t.name
