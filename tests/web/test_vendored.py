"""The committed front-end files (no npm on a user's machine): each is the version
assets/package-lock.json pins, has its licence beside it, and matches assets/SHA256SUMS
(which `make assets` checks)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "tierwise" / "web" / "static" / "vendor"
AXE = ROOT / "tests" / "web" / "browser" / "vendor"

#: package → (file, the text that names its version, its licence file)
FILES = {
    "chart.js": (VENDOR / "chart.umd.min.js", "Chart.js v{v}\n", VENDOR / "chart.js.LICENSE.md"),
    "htmx.org": (VENDOR / "htmx.min.js", 'version:"{v}"', VENDOR / "htmx.org.LICENSE"),
    "axe-core": (AXE / "axe.min.js", "/*! axe v{v}\n", AXE / "axe-core.LICENSE"),
}


def pinned() -> dict[str, str]:
    lock = json.loads((ROOT / "assets" / "package-lock.json").read_text(encoding="utf-8"))
    return {
        path.removeprefix("node_modules/"): entry["version"]
        for path, entry in lock["packages"].items()
        if path.startswith("node_modules/")
    }


@pytest.mark.parametrize("package", list(FILES))
def test_the_committed_file_is_the_pinned_version(package: str) -> None:
    path, marker, licence = FILES[package]
    text = path.read_text(encoding="utf-8")
    assert marker.format(v=pinned()[package]) in text[:200_000]
    assert licence.read_text(encoding="utf-8").strip()


def test_the_checksums_hold() -> None:
    sums = (ROOT / "assets" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split(maxsplit=1)
        listed[name.strip()] = digest
    assert set(listed) == {str(f.relative_to(ROOT)) for f, _, _ in FILES.values()}
    for name, digest in listed.items():
        assert hashlib.sha256((ROOT / name).read_bytes()).hexdigest() == digest, name
