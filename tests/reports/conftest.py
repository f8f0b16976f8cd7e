"""The reports' world: the portal's small 百应 world (`tierwise.testing.portal`), whose
numbers are worked by hand there and in `scenarios.buyin_three_months` — 2024-07 and
2024-08 published, 2024-09 stored as a preview only. Built once per module on SQLite; the
pages' tests read the shared PostgreSQL portal of `tests/web`."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tierwise.db.engine import StateStore
from tierwise.testing.portal import PortalSetup, build_portal


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> PortalSetup:
    folder = tmp_path_factory.mktemp("reports")
    return build_portal(folder, f"sqlite:///{folder / 'state.db'}")


@pytest.fixture
def session(world: PortalSetup) -> Iterator[Session]:
    with StateStore.open(world.state_url) as state, state.session() as opened:
        yield opened


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: `make reports` installs Debian's poppler-utils")
    return found


def pdf_text(data: bytes, folder: Path) -> str:
    """The PDF's text as poppler lays it out (`pdftotext -layout`)."""
    path = folder / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        [_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode()


def pdf_fonts(data: bytes, folder: Path) -> set[str]:
    """The names of the fonts embedded in the PDF, without their subset prefix."""
    path = folder / "fonts.pdf"
    path.write_bytes(data)
    done = subprocess.run([_tool("pdffonts"), str(path)], capture_output=True, check=True)
    lines = done.stdout.decode().splitlines()[2:]
    return {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in lines if line.strip()}


NUMBER = re.compile(r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?")


def numbers_after(text: str, label: str, below: str = "") -> list[str]:
    """The numbers on the line that starts with `label` (then two spaces or more), among
    the lines after the first that holds `below` (a table's header)."""
    text = text[text.index(below) :]
    pattern = re.compile(rf"^\s*{re.escape(label)}\s{{2,}}(.*)$", re.MULTILINE)
    found = pattern.findall(text)
    assert len(found) == 1, f"{len(found)} lines start with {label!r}:\n{text}"
    return NUMBER.findall(found[0])
