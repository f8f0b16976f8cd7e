"""The restructuring changed nothing a user sees: CLI JSON byte for byte, API answers in
content (see `capture.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.equivalence.capture import capture, load_snapshot

pytestmark = pytest.mark.slow


def test_cli_and_api_answers_are_those_before_the_restructuring(tmp_path: Path) -> None:
    before = load_snapshot()
    now = capture(tmp_path)
    assert sorted(now) == sorted(before)
    changed = [name for name in before if now[name] != before[name]]
    for name in changed:  # the first differences, readable
        a = json.dumps(before[name], indent=1, sort_keys=True).splitlines()
        b = json.dumps(now[name], indent=1, sort_keys=True).splitlines()
        diff = [
            f"{i}: {x!r} != {y!r}" for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y
        ]
        print(name, len(a), len(b), diff[:5])
    assert changed == []
