"""The authorization table and the partner-visibility rule behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from tierwise.accounts.principal import ROLES, Principal, Role
from tierwise.definitions.model import Program
from tierwise.partners.catalog import Catalog
from tierwise.partners.directory import Viewer

PartnerCheck = Literal["own", "visible"]


@dataclass(frozen=True)
class Rule:
    """Who may call a route. `partner` says how the `{partner_id}` in its path is checked:
    `own` — a partner's private data (its results, explanations, history, outbox);
    `visible` — its public face (directory page). A partner that is not there for the
    caller answers 404, exactly as one that does not exist."""

    roles: frozenset[Role] = frozenset()
    partner: PartnerCheck | None = None
    public: bool = False

    def allows(self, role: Role) -> bool:
        return role in self.roles


ANY_ROLE: frozenset[Role] = frozenset(ROLES)
OPERATOR: frozenset[Role] = frozenset({"operator"})
OWN_PARTNER: frozenset[Role] = frozenset({"operator", "partner"})
PUBLIC = Rule(public=True)


def _any(partner: PartnerCheck | None = None) -> Rule:
    return Rule(ANY_ROLE, partner)


def _operator() -> Rule:
    return Rule(OPERATOR)


def _own() -> Rule:
    return Rule(OWN_PARTNER, "own")


#: Every route by name. Pages are `page.*`, the REST API `api.*`.
ACCESS: Mapping[str, Rule] = {
    # -- public ------------------------------------------------------------------------
    "api.health": PUBLIC,
    "api.tokens.create": PUBLIC,
    # the platform's live events: authorized by their HMAC signature (`live/signing.py`)
    "api.events.ingest": PUBLIC,
    "page.login": PUBLIC,
    "page.login.submit": PUBLIC,
    # the link's secret is the credential: unknown, used or expired links answer 422
    "page.reset": PUBLIC,
    "page.reset.submit": PUBLIC,
    # a badge's link: the signature and the published runs say whether it holds
    "api.verify": PUBLIC,
    "page.verify": PUBLIC,
    "static": PUBLIC,
    "openapi": PUBLIC,
    # -- every signed-in user ----------------------------------------------------------
    "api.me": _any(),
    "api.tokens.delete": _any(),
    "api.programs.list": _any(),
    "api.programs.get": _any(),
    "api.partners.list": _any(),
    "api.partners.get": _any("visible"),
    "page.home": _any(),
    "page.logout": _any(),
    "api.me.password": _any(),
    "page.account.password": _any(),
    "page.account.password.submit": _any(),
    "page.directory": _any(),
    "page.directory.partner": _any("visible"),
    # -- a partner's own data (and operators) ------------------------------------------
    "api.partners.dashboard": _own(),
    "api.partners.result": _own(),
    "api.partners.history": _own(),
    "api.partners.outbox": _own(),
    "api.partners.badges": _own(),
    "page.partner.badges": _own(),
    "api.partners.projection": _own(),
    "page.partner.projection": _own(),
    "page.partner.dashboard": _own(),
    "page.partner.report": _own(),
    # a TSP registers itself (an operator may for it, as its account manager)
    "api.partners.registrations": _own(),
    "api.partners.registrations.create": _own(),
    # -- creators ----------------------------------------------------------------------
    "page.creator": Rule(frozenset({"creator"})),
    # -- Data Compass: consent and the access log (ownership checked per request: another
    # partner's or creator's request answers 404) ------------------------------------
    "api.compass.requests.create": Rule(frozenset({"partner"})),
    "api.compass.requests.list": Rule(frozenset({"operator", "partner", "creator"})),
    "api.compass.requests.get": Rule(frozenset({"operator", "partner", "creator"})),
    "api.compass.requests.approve": Rule(frozenset({"creator"})),
    "api.compass.requests.decline": Rule(frozenset({"creator"})),
    "api.compass.requests.revoke": Rule(frozenset({"creator"})),
    "api.compass.requests.withdraw": Rule(frozenset({"partner"})),
    "api.compass.access_log": Rule(frozenset({"operator", "creator"})),
    # -- Data Compass: livestream, video and product analytics and exports (a partner's
    # own creators over visible days; content it may not see answers 404) -------------
    "api.compass.lives.list": Rule(frozenset({"partner"})),
    "api.compass.lives.get": Rule(frozenset({"partner"})),
    "api.compass.videos.list": Rule(frozenset({"partner"})),
    "api.compass.videos.get": Rule(frozenset({"partner"})),
    "api.compass.products.list": Rule(frozenset({"partner"})),
    "api.compass.products.get": Rule(frozenset({"partner"})),
    "api.compass.exports.get": Rule(frozenset({"partner"})),
    # -- Data Compass pages: a partner's own creators, a creator's own consent (ownership
    # checked per request: another partner's creator or another creator's request is 404)
    "page.compass.overview": Rule(frozenset({"partner"})),
    "page.compass.creators": Rule(frozenset({"partner"})),
    "page.compass.request": Rule(frozenset({"partner"})),
    "page.compass.lives": Rule(frozenset({"partner"})),
    "page.compass.live": Rule(frozenset({"partner"})),
    "page.compass.videos": Rule(frozenset({"partner"})),
    "page.compass.video": Rule(frozenset({"partner"})),
    "page.compass.products": Rule(frozenset({"partner"})),
    "page.compass.product": Rule(frozenset({"partner"})),
    "page.compass.export": Rule(frozenset({"partner"})),
    "page.compass.consent": Rule(frozenset({"creator"})),
    # -- the live screen: a partner's creators live now, up to five on a screen, streamed
    # (numbers only where Data Compass lets the partner see today; another's creator 404)
    "page.compass.live_now": Rule(frozenset({"partner"})),
    "page.compass.live_screen": Rule(frozenset({"partner"})),
    "page.compass.live_stream": Rule(frozenset({"partner"})),
    "api.compass.live_now": Rule(frozenset({"partner"})),
    "api.compass.live_screen": Rule(frozenset({"partner"})),
    "api.compass.live_stream": Rule(frozenset({"partner"})),
    "page.compass.approve": Rule(frozenset({"creator"})),
    "page.compass.decline": Rule(frozenset({"creator"})),
    "page.compass.revoke": Rule(frozenset({"creator"})),
    # -- Data Compass: a partner's numbers, its own partner's only (the partner comes from
    # the credential, never from the request; each read is logged) ----------------------
    "api.compass.creators": Rule(frozenset({"partner"})),
    "api.compass.overview": Rule(frozenset({"partner"})),
    "api.compass.analytics": Rule(frozenset({"partner"})),
    # -- operators ---------------------------------------------------------------------
    "api.programs.periods": _operator(),
    "api.programs.distribution": _operator(),
    "api.programs.plan": _operator(),
    "api.runs.list": _operator(),
    "api.runs.create": _operator(),
    "api.runs.get": _operator(),
    "api.runs.results": _operator(),
    "api.runs.diff": _operator(),
    "api.runs.publish": _operator(),
    "api.decisions.list": _operator(),
    "api.decisions.create": _operator(),
    # review items are the operator's to-do, never the partner's
    "api.reviews.list": _operator(),
    "api.facts.list": _operator(),
    "api.facts.enter": _operator(),
    "api.excellence.get": _operator(),
    "api.excellence.publish": _operator(),
    "api.appeals.apply": _operator(),
    "api.audit.list": _operator(),
    "api.audit.verify": _operator(),
    "api.outbox.list": _operator(),
    "api.outbox.deliveries": _operator(),
    "api.outbox.retry": _operator(),
    "api.password_resets.create": _operator(),
    "page.operator.users": _operator(),
    "page.operator.users.reset": _operator(),
    "page.operator": _operator(),
    "page.operator.program": _operator(),
    "page.operator.program.report": _operator(),
    "page.operator.preview": _operator(),
    "page.operator.run": _operator(),
    "page.operator.publish": _operator(),
    "page.operator.decisions": _operator(),
    "page.operator.decisions.add": _operator(),
    "page.operator.reviews": _operator(),
    "page.operator.facts": _operator(),
    "page.operator.facts.enter": _operator(),
    "page.operator.excellence": _operator(),
    "page.operator.excellence.publish": _operator(),
    "page.operator.appeals": _operator(),
    "page.operator.appeals.apply": _operator(),
    "page.operator.audit": _operator(),
    "page.operator.outbox": _operator(),
    "page.operator.outbox.retry": _operator(),
    "api.registrations.list": _operator(),
    "api.sanctions.create": _operator(),
    "page.operator.registrations": _operator(),
    "page.operator.registrations.sanction": _operator(),
}


def _chosen_by_creators(programs: Iterable[Program]) -> frozenset[tuple[str, str]]:
    """The (kind, market) of the partners creators choose by level: those graded by a
    program that shows its levels to creators (集星), which any creator may find, bound or
    not. (A program grades a partner by its kind and market: `partners.directory.applies`.)"""
    return frozenset(
        (p.subject_kind, market)
        for p in programs
        if p.visibility.shows_level_to("creator")
        for market in p.markets
    )


def partner_visible(
    principal: Principal,
    partner_id: str,
    check: PartnerCheck,
    catalog: Catalog,
    programs: Iterable[Program],
) -> bool:
    """Whether `principal` may see `partner_id` under `check` (False for a partner that
    does not exist, so the caller answers the same 404 for both)."""
    info = catalog.partners.get(partner_id)
    if info is None:
        return False
    if principal.role == "operator":
        return True
    if check == "own":
        return principal.role == "partner" and principal.partner_id == partner_id
    if principal.role == "creator":
        bound = principal.creator_id is not None and partner_id in catalog.bound_to(
            principal.creator_id
        )
        return bound or (info.kind, info.market) in _chosen_by_creators(programs)
    return principal.role in ("seller", "partner")


def directory_viewer(principal: Principal, catalog: Catalog, programs: Iterable[Program]) -> Viewer:
    """What of the directory `principal` is shown (the list-side twin of the check): the
    partners it may see, and only the levels of programs whose visibility names its role;
    a partner sees all its own."""
    if principal.role == "operator":
        return Viewer(catalog.partners.__contains__, None, everyone=True)
    if principal.role == "creator":
        bound = catalog.bound_to(principal.creator_id or "")
        chosen = _chosen_by_creators(programs)
        partners = catalog.partners

        def sees(partner_id: str) -> bool:
            info = partners.get(partner_id)
            return info is not None and (partner_id in bound or (info.kind, info.market) in chosen)

        return Viewer(sees, "creator")
    if principal.role == "seller":
        return Viewer(catalog.partners.__contains__, "seller", everyone=True)
    if principal.role == "partner":
        return Viewer(
            catalog.partners.__contains__, "partner", everyone=True, own=principal.partner_id
        )
    return Viewer(lambda _pid: False, "seller")
