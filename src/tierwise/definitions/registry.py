"""Finding programs: the built-in ones, the operator's folders, and single files.

Users add a program without touching code, in one of three ways (first wins):
1. a file passed directly (`load_program("my.yaml")`, `--program-file`);
2. a folder named in `TIERWISE_PROGRAMS_DIR` (several separated by `:`), in order;
3. a folder listed in `tierwise.toml` of the working directory: `[programs] dirs = [...]`
   (relative to that file).
Every `*.yaml` / `*.yml` in a folder is a program. A user program with a built-in id
shadows the built-in one, with a `ProgramShadowWarning`.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tierwise.core.errors import DefinitionError
from tierwise.core.periods import Period
from tierwise.definitions.checking import CheckResult, Issue, ProgramError, check_file
from tierwise.definitions.model import Program

ENV_VAR = "TIERWISE_PROGRAMS_DIR"
CONFIG_FILE = "tierwise.toml"
BUILTIN_IDS: tuple[str, ...] = (
    "tts-sea-isv",
    "tts-th-tsp-shop",
    "tts-th-tsp-content",
    "douyin-jixing-mcn",
    "buyin-mcn",
)


class ProgramNotFound(DefinitionError, LookupError):
    """No program with that id, and no such file."""


class ProgramShadowWarning(UserWarning):
    """A user program has the id of a built-in (or an earlier user) program and replaces it."""


@dataclass(frozen=True)
class ProgramSource:
    """Where a program comes from."""

    path: Path
    builtin: bool


def builtin_dir() -> Path:
    """The folder of the programs shipped in the package."""
    return Path(str(resources.files("tierwise").joinpath("programs")))


def user_dirs(cwd: Path | None = None) -> list[Path]:
    """The program folders the configuration names, in precedence order."""
    dirs: list[Path] = []
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
    config = (cwd or Path.cwd()) / CONFIG_FILE
    if config.is_file():
        try:
            table = tomllib.loads(config.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ProgramError(
                [Issue(str(config), _toml_line(exc), "TW001", f"TOML syntax error: {exc}")],
                what="configuration",
            ) from exc
        listed = table.get("programs", {}).get("dirs", [])
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            issue = Issue(str(config), 1, "TW101", "[programs] dirs must be a list of folder names")
            raise ProgramError([issue], what="configuration")
        dirs += [(config.parent / p).expanduser() for p in listed]
    return dirs


def _toml_line(exc: tomllib.TOMLDecodeError) -> int:
    lineno = getattr(exc, "lineno", None)
    return lineno if isinstance(lineno, int) else 1


def _definition_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def discover(
    extra_files: Sequence[str | os.PathLike[str]] = (), cwd: Path | None = None
) -> dict[str, ProgramSource]:
    """Program id → its file, over extra files, user folders, then the built-in programs.

    The id is read from the file (a file that does not parse is keyed by its stem, so that
    loading it reports its issues).
    """
    found: dict[str, ProgramSource] = {}
    user = [Path(f) for f in extra_files]
    for folder in user_dirs(cwd):
        user += _definition_files(folder)
    for path in user:
        pid = _program_id(path)
        if pid in found:
            warnings.warn(
                f"{path}: program {pid!r} is also defined in {found[pid].path}; "
                f"the first one is used",
                ProgramShadowWarning,
                stacklevel=2,
            )
            continue
        found[pid] = ProgramSource(path, builtin=False)
    for path in _definition_files(builtin_dir()):
        pid = path.stem  # a built-in file is named after its id (tested)
        if pid in found:
            warnings.warn(
                f"{found[pid].path}: program {pid!r} shadows the built-in program of that id",
                ProgramShadowWarning,
                stacklevel=2,
            )
            continue
        found[pid] = ProgramSource(path, builtin=True)
    return found


def _program_id(path: Path) -> str:
    result = _check(path)
    return result.program.id if result.program is not None else path.stem


def _check(path: Path) -> CheckResult:
    """A checked file, cached while the file is unchanged."""
    try:
        stat = path.stat()
    except OSError:
        return check_file(path)
    return _check_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=128)
def _check_cached(path: str, mtime_ns: int, size: int) -> CheckResult:
    return check_file(path)


def _looks_like_path(ref: str | os.PathLike[str]) -> bool:
    if isinstance(ref, os.PathLike):
        return True
    return ref.endswith((".yaml", ".yml")) or os.sep in ref or Path(ref).is_file()


def load_file(path: str | os.PathLike[str]) -> Program:
    """The program of one definition file; `ProgramError` carries all its issues."""
    p = Path(path)
    if not p.is_file():
        raise ProgramNotFound(f"no program definition file {os.fspath(path)!r}")
    return _check(p).raise_for_errors()


def load_program(ref: str | os.PathLike[str], cwd: Path | None = None) -> Program:
    """A program by id (user folders first, then built-in) or by the path of its file.

    Raises `ProgramNotFound` for an unknown id, `ProgramError` (every issue) for a bad file.
    """
    if _looks_like_path(ref):
        return load_file(ref)
    known = discover(cwd=cwd)
    source = known.get(str(ref))
    if source is None:
        raise ProgramNotFound(
            f"unknown program {str(ref)!r}; known programs: {', '.join(sorted(known))}"
        )
    return _check(source.path).raise_for_errors()


def all_programs(
    extra_files: Iterable[str | os.PathLike[str]] = (), cwd: Path | None = None
) -> list[Program]:
    """Every program the installation knows (built-in and user), sorted by id.

    A bad definition anywhere raises one `ProgramError` with the issues of every bad file.
    """
    programs: list[Program] = []
    problems: list[Issue] = []
    for source in discover(tuple(extra_files), cwd).values():
        result = _check(source.path)
        if result.program is None or result.errors:
            problems += result.errors or result.issues
        else:
            programs.append(result.program)
    if problems:
        raise ProgramError(problems, what="program definitions")
    return sorted(programs, key=lambda p: p.id)


def versions(program_id: str, cwd: Path | None = None) -> list[Program]:
    """Every version of a program the installation has, oldest `effective` first: user
    files and folders, the built-in definition, and the built-in archive of earlier
    versions (`programs/archive/`). Where two files give the same version, the first
    found (user before built-in) is used."""
    paths = [*[p for d in user_dirs(cwd) for p in _definition_files(d)]]
    paths += _definition_files(builtin_dir()) + _definition_files(builtin_dir() / "archive")
    found: dict[int, Program] = {}
    for path in paths:
        result = _check(path)
        program = result.program
        if program is None or result.errors or program.id != program_id:
            continue
        found.setdefault(program.version, program)
    return sorted(found.values(), key=lambda p: (p.effective, p.version))


def load_program_in_force(program_id: str, day: date, cwd: Path | None = None) -> Program:
    """The version of a program in force on a day: the latest `effective` on or before it
    (re-scoring a past period uses the rules of then); before every version, the first."""
    known = versions(program_id, cwd)
    if not known:
        return load_program(program_id, cwd)
    in_force = [p for p in known if p.effective <= day]
    return in_force[-1] if in_force else known[0]


def programs_in_force(program_id: str) -> Callable[[Period], Program]:
    """The version of a program to score each period with: the one in force on the
    period's generation date."""
    return lambda period: load_program_in_force(program_id, period.generation_date)
