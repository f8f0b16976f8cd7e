"""Verifiable badges: a partner's levels and awards as links anyone can open to check
that tierwise issued them and that they still hold.

    badges = partner_badges(store, programs, "P1", today)      # each with its link id
    verify_badge(store, programs, names, badges[0].link_id, today).current
"""

from tierwise.badges.claims import Claim, NotGenuine
from tierwise.badges.service import Badge, Verification, partner_badges, verify_badge

__all__ = ["Badge", "Claim", "NotGenuine", "Verification", "partner_badges", "verify_badge"]
