"""The pure layers (core, definitions, scoring, lifecycle): every error they define is drawn
in the one exception tree's docstring and derives from TierwiseError; importing them loads
no I/O library."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

from tierwise.core import errors

PURE = ("core", "definitions", "scoring", "lifecycle")


def _defined_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in PURE:
        root = importlib.import_module(f"tierwise.{package}")
        modules = [root.__name__]
        modules += [m.name for m in pkgutil.walk_packages(root.__path__, f"{root.__name__}.")]
        for name in modules:
            for _, obj in inspect.getmembers(importlib.import_module(name), inspect.isclass):
                if issubclass(obj, BaseException) and obj.__module__.startswith("tierwise."):
                    found[obj.__qualname__] = obj
    return sorted(found.values(), key=lambda c: c.__qualname__)


@pytest.mark.parametrize("error", _defined_exceptions(), ids=lambda c: c.__qualname__)
def test_each_error_is_in_the_one_tree(error: type[BaseException]) -> None:
    assert errors.__doc__ is not None and error.__qualname__ in errors.__doc__
    assert issubclass(error, errors.TierwiseError) or issubclass(error, Warning)


def test_the_pure_layers_import_no_io_library() -> None:
    code = (
        "import sys\n"
        + "".join(f"import tierwise.{p}\n" for p in PURE)
        + "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'duckdb', 'sqlalchemy', 'fastapi', 'psycopg', 'sqlite3', 'httpx', 'sqlglot'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
