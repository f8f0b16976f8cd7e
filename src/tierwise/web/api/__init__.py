"""The REST API, `/api/v1/`: every route behind the API guard."""

from fastapi import APIRouter, Depends

from tierwise.web.api import accounts, operations, partners, programs, runs
from tierwise.web.guard import api_guard
from tierwise.web.problems import responses

router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(api_guard)],
    responses=responses(401, 403, 404, 422),
)
for module in (accounts, programs, runs, partners, operations):
    router.include_router(module.router)

__all__ = ["router"]
