"""Reading platform payloads: JSON that keeps 19-digit ids and money exact, and the field
types every importer shares (ids, money, Unix seconds, Beijing wall-clock times).

JSON is parsed with `parse_float=Decimal`: an integer stays a Python int of any size and a
number with a fraction becomes a Decimal, so nothing passes through a float. An id that
arrives as a fraction or an exponent (`3.4731960499743263e18`) has already lost digits
upstream and is refused rather than rounded again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from tierwise.importers.problems import Problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Unix seconds past this (2286-11-20) are milliseconds sent where seconds were meant.
_MAX_SECONDS = 10_000_000_000
#: Money of the canonical contract: DECIMAL(18,4), so at most 14 digits before the point.
_MAX_MONEY = Decimal("100000000000000")

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Located(Generic[T]):
    """A validated record and where it came from, for problems found later."""

    file: str
    record: str
    item: T


class Payload(BaseModel):
    """A platform object: unknown fields are ignored (the payloads carry dozens we do not
    read), the fields we read are validated and named in every error."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _platform_id(value: Any) -> str | None:
    if type(value) is str and value:  # the common case first: ids sent as strings
        return value
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("an id is a string or a whole number, not true/false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        raise ValueError(
            "an id given as a number with a fraction or exponent has lost digits; "
            "send it as a string"
        )
    if isinstance(value, str):
        return value
    raise ValueError("an id is a string or a whole number")


def _zero_is_none(value: Any) -> Any:
    """Douyin writes 0 or "0" for 'no author', 'no live room'."""
    return None if value in (0, "0") else value


def decimal_money(value: Any) -> Decimal:
    """Money in major units: a decimal string or number, never a float, at most 4 places."""
    if isinstance(value, bool | float):
        raise ValueError("money is a decimal string or number, not a float or true/false")
    try:
        amount = Decimal(value) if isinstance(value, str | int | Decimal) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValueError("not a decimal amount")
    if amount < 0:
        raise ValueError("money is never negative")
    if amount >= _MAX_MONEY:
        raise ValueError("too large for the contract's money (14 digits before the point)")
    if amount != amount.quantize(Decimal("0.0001")):
        raise ValueError("more than 4 decimal places")
    return amount


def _fen(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("分 is a whole number")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise ValueError("分 (fen) is a whole number; is this amount in yuan?")
    if value < 0:
        raise ValueError("money is never negative")
    return value


def _unix_seconds(value: Any) -> int | None:
    if type(value) is int and 0 < value < _MAX_SECONDS:  # the common case first
        return value
    if value is None or value == "" or value == 0 or value == "0":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a time is Unix seconds, a whole number")
    if value < 0:
        raise ValueError("a time before 1970")
    if value >= _MAX_SECONDS:
        raise ValueError("looks like milliseconds; Unix seconds expected")
    return value


def _beijing_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("a time is text YYYY-MM-DD HH:MM:SS (Beijing time)")
    try:
        moment = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ValueError("not a time YYYY-MM-DD HH:MM:SS") from None
    return moment.replace(tzinfo=SHANGHAI)


PlatformId = Annotated[str, BeforeValidator(_platform_id)]
OptionalId = Annotated[str | None, BeforeValidator(_platform_id)]
#: Douyin's author_id / room_id: 0 means none.
DouyinRef = Annotated[str | None, BeforeValidator(_platform_id), BeforeValidator(_zero_is_none)]
Money = Annotated[Decimal, BeforeValidator(decimal_money)]
Fen = Annotated[int, BeforeValidator(_fen)]
UnixSeconds = Annotated[int, BeforeValidator(_unix_seconds)]
OptionalSeconds = Annotated[int | None, BeforeValidator(_unix_seconds)]
BeijingTime = Annotated[datetime | None, BeforeValidator(_beijing_time)]


def instant(seconds: int, zone: ZoneInfo | None = None) -> datetime:
    """The moment of Unix `seconds`, shown in `zone` (UTC by default): the instant is the
    same whatever the zone; the zone only makes the written file readable."""
    return datetime.fromtimestamp(seconds, UTC if zone is None else zone)


def fen_to_yuan(fen: int) -> Decimal:
    """分 to yuan, exactly, with the two places of the yuan (12345 → 123.45)."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Document:
    """One parsed JSON document (a file, or one line of a JSON Lines file)."""

    file: str
    line: int | None
    body: Any
    #: The text as received (a webhook signature is computed over it).
    text: str


def source_files(path: Path, suffixes: tuple[str, ...], problems: list[Problem]) -> list[Path]:
    """`path` itself, or the files under the folder `path` with one of `suffixes`, in name
    order (names starting with `.` or `_` skipped, as the loader does). Finding none is a
    problem: an import of nothing is a wrong path, not an empty delivery."""
    if path.is_file():
        return [path]
    found = [
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix.lower() in suffixes
        and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
    ]
    if not found:
        kinds = ", ".join(suffixes)
        problems.append(Problem(str(path), None, None, f"no payload file ({kinds}) here"))
    return sorted(found)


def loads(text: str) -> Any:
    """JSON with every integer exact and every fraction a Decimal."""
    return json.loads(text, parse_float=Decimal)


def read_documents(path: Path, problems: list[Problem]) -> Iterator[Document]:
    """The JSON documents of a `.json` file (one) or a `.jsonl` file (one per line);
    text that is not JSON is a problem naming the line and column."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, None, None, f"cannot read: {exc}"))
        return
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield from _parse(name, number, line, problems)
        return
    yield from _parse(name, None, text, problems)


def _parse(name: str, line: int | None, text: str, problems: list[Problem]) -> Iterator[Document]:
    try:
        body = loads(text)
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno if line is None else line} column {exc.colno}"
        problems.append(Problem(name, at, None, f"not JSON: {exc.msg}"))
        return
    yield Document(name, line, body, text)


def read_csv_rows(path: Path, problems: list[Problem]) -> list[dict[str, Any]]:
    """The rows of a CSV export as dicts of text (empty cells absent)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return [
                {k: v for k, v in row.items() if k is not None and v not in (None, "")}
                for row in csv.DictReader(f)
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(str(path), None, None, f"cannot read: {exc}"))
        return []


def validate(
    model: type[M],
    raw: Any,
    file: str,
    record: str,
    problems: list[Problem],
    context: dict[str, Any] | None = None,
) -> M | None:
    """`raw` as `model`, or None with one problem per wrong field (`line_items.2.sku_id`)."""
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            where = ".".join(str(part) for part in err["loc"]) or None
            message = str(err["msg"]).removeprefix("Value error, ")
            value = _shown(err.get("input"), err["type"])
            problems.append(Problem(file, record, where, message, value))
        return None


def _shown(value: Any, kind: str) -> str | None:
    if kind == "missing" or isinstance(value, dict | list):
        return None
    return str(value)
