"""The ASGI application built from the environment, for `uvicorn --factory` and workers:
`TIERWISE_DB`, `TIERWISE_STATE_URL`, `TIERWISE_SECURE_COOKIES`."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from tierwise.web.app import create_app
from tierwise.web.context import Portal


def application() -> FastAPI:
    portal = Portal.open(
        os.environ.get("TIERWISE_STATE_URL"),
        Path(os.environ.get("TIERWISE_DB", "tierwise.duckdb")),
        secure_cookies=bool(os.environ.get("TIERWISE_SECURE_COOKIES")),
    )
    return create_app(portal, close_portal=True)
