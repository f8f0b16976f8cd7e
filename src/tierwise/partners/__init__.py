"""What the portal shows, read from the stores without recomputing: the partner directory
(basic information and published levels, the public face of a partner) and a partner's
dashboard (one card per program from its stored, published results).

The event store is read once into a `Catalog` (partners and who is bound to whom) and the
state store on every request, so a publication shows at once."""

from tierwise.partners.catalog import Catalog, PartnerInfo
from tierwise.partners.dashboard import Card, dashboard, program_card
from tierwise.partners.directory import Directory, DirectoryEntry, DirectoryQuery, PublicLevel

__all__ = [
    "Card",
    "Catalog",
    "Directory",
    "DirectoryEntry",
    "DirectoryQuery",
    "PartnerInfo",
    "PublicLevel",
    "dashboard",
    "program_card",
]
