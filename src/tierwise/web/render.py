"""Rendering a page: the template, the signed-in user, the language and its words."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from tierwise.accounts import Principal
from tierwise.web.i18n import LANG_COOKIE, LANGUAGES, pick, translator
from tierwise.web.problems import Problem

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)


def _json(value: Any) -> Markup:
    """JSON for a `<script type="application/json">` data island (no `</script>` breaks out)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


templates.env.filters["json_island"] = _json

STATIC = Path(__file__).parent / "static"


@lru_cache(maxsize=64)
def _content_hash(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """A static file's URL with its content's hash: the server lets browsers keep it for
    good (`server.asgi.IMMUTABLE`), and a changed file gets a new URL."""
    return f"/static/{path}?v={_content_hash(path)}"


templates.env.globals["static_url"] = static_url


def language(request: Request, principal: Principal | None) -> str:
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    if principal is not None and principal.language in LANGUAGES:
        return principal.language
    accept = request.headers.get("accept-language", "")
    return "zh" if accept.lower().startswith("zh") else "en"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    principal: Principal | None = getattr(request.state, "principal", None)
    lang = language(request, principal)
    t = translator(lang)
    page = templates.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "csrf_token": principal.csrf_token if principal else None,
            "lang": lang,
            "t": t,
            "pick": lambda text: pick(text, lang),
            **(context or {}),
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGUAGES:
        page.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return page


def error_page(request: Request, problem: Problem) -> Response:
    """Pages answer errors in HTML; a missing sign-in answers 401 with the login form."""
    if problem.status == 401:
        from tierwise.accounts.pages import login_form

        return login_form(request, status_code=401, message_key="please_sign_in")
    return render(
        request,
        "error.html",
        {"status": problem.status, "detail": problem.detail},
        status_code=problem.status,
    )
