"""Signing in for the API (bearer tokens), signing out, who am I, health; changing one's
password and an operator's password-reset link."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tierwise.accounts import TOKEN_TTL, Accounts, Principal
from tierwise.accounts.handlers import change_password, issue_reset, reset_url, sign_in
from tierwise.accounts.schemas import (
    Health,
    Me,
    PasswordChange,
    ResetOut,
    ResetRequest,
    TokenOut,
    TokenRequest,
)
from tierwise.web.guard import ApiUser, PortalDep, bearer_token
from tierwise.web.problems import responses

router = APIRouter(tags=["accounts"])


def me(principal: Principal) -> Me:
    return Me(
        login=principal.login,
        name=principal.name,
        role=principal.role,
        language=principal.language,
        partner_id=principal.partner_id,
        creator_id=principal.creator_id,
        seller_id=principal.seller_id,
    )


@router.get("/health", name="api.health", response_model=Health)
def health(portal: PortalDep) -> Health:
    return Health(status="ok", partners=len(portal.catalog.partners), programs=len(portal.programs))


@router.post(
    "/tokens",
    name="api.tokens.create",
    response_model=TokenOut,
    status_code=201,
    responses=responses(400, 429),
)
def create_token(body: TokenRequest, portal: PortalDep) -> TokenOut:
    """Exchange a login and password for a bearer token (valid 30 days)."""
    principal, token = sign_in(portal, body.login, body.password, "token")
    return TokenOut(
        access_token=token, expires_in=int(TOKEN_TTL.total_seconds()), user=me(principal)
    )


@router.delete("/tokens/current", name="api.tokens.delete", status_code=204)
def delete_token(request: Request, portal: PortalDep, principal: ApiUser) -> Response:
    """Sign out: the token in the request stops working at once."""
    token = bearer_token(request)
    if token:
        with portal.state.session() as session:
            Accounts(session).sign_out(token)
    return Response(status_code=204)


@router.get("/me", name="api.me", response_model=Me)
def whoami(principal: ApiUser) -> Me:
    return me(principal)


@router.post(
    "/me/password",
    name="api.me.password",
    status_code=204,
    responses=responses(400, 403, 422, 429),
)
def change_my_password(body: PasswordChange, portal: PortalDep, principal: ApiUser) -> Response:
    """Change your password (the current one is checked like a sign-in). Every session and
    token of yours ends, this one too: sign in again with the new password."""
    change_password(portal, principal, body.current_password, body.new_password)
    return Response(status_code=204)


@router.post(
    "/password-resets",
    name="api.password_resets.create",
    response_model=ResetOut,
    status_code=201,
    responses=responses(400, 404),
)
def create_password_reset(
    body: ResetRequest, request: Request, portal: PortalDep, principal: ApiUser
) -> ResetOut:
    """A one-time link (valid 24 h) for a user to set a new password; hand it to the user.
    An earlier link of the user stops working; the user's sessions end when it is used."""
    token, expires = issue_reset(portal, principal, body.login)
    return ResetOut(login=body.login, url=reset_url(request, token), expires_at=expires)
