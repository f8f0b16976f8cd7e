"""Errors as RFC 9457 problem details (`application/problem+json`), naming the field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tierwise.core.errors import DefinitionError, EvaluationError, LifecycleError, StateError
from tierwise.core.periods import PeriodError

MEDIA_TYPE = "application/problem+json"

#: What an operation refuses on purpose, answered 409 with the error's message: a program,
#: a period, data the evaluation cannot use, a lifecycle move, or the state database.
#: (`DataError` and `AccountError` are not among them: a broken event store is a 500.)
REFUSALS = (DefinitionError, PeriodError, EvaluationError, LifecycleError, StateError)


class FieldError(BaseModel):
    field: str = Field(description="Where: `body.period`, `query.limit`, `path.partner_id`.")
    message: str


class ProblemDoc(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []


class Problem(Exception):
    """An error the API answers with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or HTTPStatus(status).phrase)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})

    @classmethod
    def field(cls, field: str, message: str, status: int = 422) -> Problem:
        return cls(status, f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def document(problem: Problem, instance: str | None) -> ProblemDoc:
    return ProblemDoc(
        title=HTTPStatus(problem.status).phrase,
        status=problem.status,
        detail=problem.detail,
        instance=instance,
        errors=problem.errors,
    )


def response(problem: Problem, instance: str | None) -> JSONResponse:
    return JSONResponse(
        document(problem, instance).model_dump(),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


def from_validation(exc: RequestValidationError) -> Problem:
    errors = []
    for e in exc.errors():
        loc = [str(part) for part in e.get("loc", ())]
        errors.append(FieldError(field=".".join(loc) or "request", message=str(e.get("msg"))))
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "invalid request"
    return Problem(422, detail, errors=errors)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for problem documents."""
    return {
        status: {
            "model": ProblemDoc,
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDoc"}}},
        }
        for status in statuses
    }
