"""What every API schema shares: strict input models, period texts, pages of items."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")


PeriodText = Field(pattern=r"^\d{4}(-\d{2}|Q[1-4]|H[12])$", examples=["2026-09", "2026Q3"])


class Strict(BaseModel):
    """A request document: no unknown fields, no NUL characters in its texts (PostgreSQL
    text cannot hold one)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class Texts(BaseModel):
    en: str
    zh: str


class Page(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


#: Paging parameters of every list route.
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
