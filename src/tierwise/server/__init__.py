"""The web service assembled: the REST API under `/api/v1/` and the server-rendered portal,
both behind one authorization guard per kind of credential (`tierwise.web.guard`).

    app = create_app(Portal.open(state_url, db_path))
    uvicorn.run(app)
"""

from tierwise.server.app import create_app
from tierwise.web.context import Portal

__all__ = ["Portal", "create_app"]
