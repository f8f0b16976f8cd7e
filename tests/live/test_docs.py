"""`docs/live-events.md` documents the payloads the server takes: its JSON Schemas are the
models' own, and the OpenAPI document describes the request body with them."""

from __future__ import annotations

from pathlib import Path

from tierwise.live.docs import BEGIN, END, schema_section
from tierwise.live.events import KINDS, batch_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "live-events.md"


def test_the_document_holds_the_models_schemas() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == schema_section(), (
        "docs/live-events.md is stale: run `python -m tierwise.live.docs docs/live-events.md`"
    )
    for kind in KINDS:
        assert f"### `{kind}`" in text


def test_the_request_body_schema_is_self_contained() -> None:
    schema = batch_schema()
    assert "$ref" not in repr(schema)
    one, many = schema["anyOf"]
    assert sorted(o["properties"]["kind"]["const"] for o in one["oneOf"]) == sorted(KINDS)
    assert many["type"] == "array"
