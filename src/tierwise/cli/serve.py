"""`tierwise serve`: the portal and the REST API on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from tierwise.cli.app import app
from tierwise.cli.source import DbOption, default_db, fail
from tierwise.cli.state import StateOption


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    db: DbOption = None,
    state: StateOption = None,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    secure_cookies: Annotated[
        bool, typer.Option("--secure-cookies", help="Mark cookies Secure (behind HTTPS).")
    ] = False,
) -> None:
    """Serve the portal at http://HOST:PORT/ and the API at /api/v1/ (OpenAPI document at
    /api/v1/openapi.json)."""
    import os

    import uvicorn

    from tierwise.db.errors import StateError
    from tierwise.outbox.channels import ChannelsError
    from tierwise.screen.stream import GRACEFUL_S

    path = db or default_db()
    if not path.exists():
        fail(f"{path}: no such store (load data with `tierwise data load DIR`)")
    os.environ["TIERWISE_DB"] = str(path.absolute())
    if state is not None:
        os.environ["TIERWISE_STATE_URL"] = state
    os.environ["TIERWISE_SECURE_COOKIES"] = "1" if secure_cookies else ""
    try:
        from tierwise.server.entry import application

        application()  # open once here: a bad store fails before the server starts
    except (StateError, ChannelsError) as exc:  # a bad store or channels file
        fail(str(exc))
    typer.echo(f"tierwise portal on http://{host}:{port}/  (API: /api/v1/, Ctrl-C stops)")
    uvicorn.run(
        "tierwise.server.entry:application",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        # open live-screen streams never end on their own: closed after this many seconds
        timeout_graceful_shutdown=GRACEFUL_S,
    )
