"""Badges in the portal: a partner's badges page and the public verification page and API,
on the portal world (agency A is V3 in 2024-08, published; 2024-09 is a preview)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import make_app
from tests.web.test_unauthenticated import form_sign_in
from tierwise.definitions.model import Visibility
from tierwise.definitions.registry import load_program
from tierwise.testing.portal import PortalSetup


def test_a_level_shown_only_on_the_workbench_has_no_public_badge(
    fresh_portal: PortalSetup,
) -> None:
    """百应 shows levels on the agency's own workbench only: no link to share."""
    app = make_app(fresh_portal)
    partner = TestClient(app, follow_redirects=False)
    assert form_sign_in(partner, "agency-a", fresh_portal.password).status_code == 303
    page = partner.get("/partners/A/badges")
    assert page.status_code == 200 and 'data-testid="no-badges"' in page.text
    app.state.portal.close()


def test_a_partner_shares_a_link_and_anyone_checks_it(fresh_portal: PortalSetup) -> None:
    """The same world with 百应 shown publicly (the default visibility), then not again."""
    app = make_app(fresh_portal)
    programs = app.state.portal.programs
    shown_publicly = programs["buyin-mcn"].model_copy(update={"visibility": Visibility()})
    programs["buyin-mcn"] = shown_publicly
    partner = TestClient(app, follow_redirects=False)
    assert form_sign_in(partner, "agency-a", fresh_portal.password).status_code == 303
    page = partner.get("/partners/A/badges")
    assert page.status_code == 200
    assert 'data-testid="badge-level-buyin-mcn-V3"' in page.text
    url = re.search(r'value="(http://testserver/verify/[^"]+)"', page.text)
    assert url, page.text
    assert partner.get("/partners/B/badges").status_code == 404  # another partner's

    anyone = TestClient(app)
    link = url.group(1).removeprefix("http://testserver")
    shown = anyone.get(link)
    assert shown.status_code == 200 and 'data-testid="badge-current"' in shown.text
    assert 'data-testid="badge-partner">A (A)<' in shown.text  # its name is its id here
    api = anyone.get(link.replace("/verify/", "/api/v1/verify/")).json()
    assert (api["current"], api["partner_id"], api["period"], api["value"]) == (
        True,
        "A",
        "2024-08",
        "V3",
    )
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    refused = anyone.get(forged)
    assert refused.status_code == 404 and 'data-testid="not-genuine"' in refused.text
    assert anyone.get(forged.replace("/verify/", "/api/v1/verify/")).status_code == 404
    programs["buyin-mcn"] = load_program("buyin-mcn")  # workbench only again
    withdrawn = anyone.get(link.replace("/verify/", "/api/v1/verify/")).json()
    assert (withdrawn["current"], withdrawn["standing"]) == (False, "withdrawn")
    app.state.portal.close()
