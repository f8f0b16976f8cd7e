"""What the REST API and the portal's pages share: the request context (`context.py`),
one authorization guard per kind of credential (`guard.py`), problem details
(`problems.py`), languages (`i18n.py`), page rendering (`render.py`), the templates and the
static files. Each domain's `endpoints.py` and `pages.py` build on these; `tierwise.server`
assembles them into the application."""
