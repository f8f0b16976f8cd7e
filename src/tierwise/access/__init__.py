"""Authorization: one table says, for every route, which roles may call it and how the
partner it names is checked. The web layer's guard is the only place that reads it; a
route missing from the table is refused (deny by default) and fails the test suite.

Pure: no I/O. Who is bound to whom comes in as a `Catalog`."""

from tierwise.access.rules import ACCESS, ANY_ROLE, Rule, directory_viewer, partner_visible

__all__ = ["ACCESS", "ANY_ROLE", "Rule", "directory_viewer", "partner_visible"]
