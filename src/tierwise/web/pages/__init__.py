"""The server-rendered portal: Jinja2 pages behind the page guard and the CSRF check."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tierwise.web.guard import csrf_guard, page_guard
from tierwise.web.pages.render import error_page, render

router = APIRouter(dependencies=[Depends(page_guard), Depends(csrf_guard)], include_in_schema=False)

# Importing the modules registers their routes on `router`.
from tierwise.web.pages import creator, directory, operator, partner, session  # noqa: E402

__all__ = [
    "creator",
    "directory",
    "error_page",
    "operator",
    "partner",
    "render",
    "router",
    "session",
]
