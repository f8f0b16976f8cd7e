"""Signing in for the API (bearer tokens), signing out, who am I, health."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tierwise.accounts import TOKEN_TTL, Accounts, Principal
from tierwise.accounts.handlers import sign_in
from tierwise.accounts.schemas import Health, Me, TokenOut, TokenRequest
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
