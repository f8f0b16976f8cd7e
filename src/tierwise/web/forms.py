"""What the operator's forms share: flashes after a redirect, refusals shown on the page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from pydantic import ValidationError

from tierwise.web.problems import Problem

#: `?flash=` values a redirect may ask for, and the message each shows.
FLASHES = {
    "previewed": "flash_previewed",
    "published": "flash_published",
    "decided": "flash_decided",
    "sanctioned": "flash_sanctioned",
    "retried": "flash_retried",
    "password_changed": "flash_password_changed",
    "fact_entered": "flash_fact_entered",
    "excellence_published": "flash_excellence_published",
}


FormText = Annotated[str, Form(max_length=2000)]


ShortText = Annotated[str, Form(max_length=200)]


def flash_of(request: Request) -> str | None:
    return FLASHES.get(request.query_params.get("flash", ""))


def form_error(problem: Problem) -> dict[str, Any]:
    return {"status": problem.status, "detail": problem.detail or ""}


def validation_detail(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts)
