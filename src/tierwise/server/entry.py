"""The ASGI application of one serving worker, built from the environment, for `uvicorn
--factory` and `tierwise serve`: `TIERWISE_DB`, `TIERWISE_STATE_URL`,
`TIERWISE_SECURE_COOKIES`, and the outbox's `TIERWISE_OUTBOX_CHANNELS` (with
`TIERWISE_OUTBOX_SENDER=off` to leave delivery to a `tierwise outbox send` process)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from fastapi import FastAPI

from tierwise.accounts import prepare_sign_ins
from tierwise.server.app import create_app
from tierwise.server.worker import OutboxWorker
from tierwise.web.context import Portal

#: The cyclic collector's thresholds in a serving worker. A request makes thousands of
#: containers (decoded result documents, response models); at Python's default first
#: threshold of 700, a collection runs in the middle of nearly every request and promotes
#: what it still holds, so every few dozen requests a full collection walks the whole heap
#: for 10–30 ms (measured with the API benchmark: the source of its p99). At 50,000 a
#: request's objects are nearly all freed by their reference counts first.
GC_THRESHOLDS = (50_000, 20, 10)


def application() -> FastAPI:
    portal = Portal.open(
        os.environ.get("TIERWISE_STATE_URL"),
        Path(os.environ.get("TIERWISE_DB", "tierwise.duckdb")),
        secure_cookies=bool(os.environ.get("TIERWISE_SECURE_COOKIES")),
    )
    with portal.state.reading() as session:
        portal.directory.entries(session)  # now, rather than in the first request
    prepare_sign_ins()  # likewise the hash an unknown login is checked against
    # What exists by now (programs, catalog, directory, routes) lives as long as the
    # worker: out of the collector's sight, a full collection walks only what came after.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    outbox = OutboxWorker.from_env(portal.state)
    return create_app(portal, close_portal=True, outbox=outbox)
