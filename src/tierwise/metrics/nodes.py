"""The plan's nodes: immutable relations de-duplicated by their structure.

A node is one common table expression: a stem saying what it is, its SQL, and the nodes
that SQL reads. Its name is the stem and a digest of the stem and the SQL (which names the
nodes it reads, themselves named by digest), so

- two metrics that need the same piece build equal nodes, and the piece is one CTE;
- two different nodes never share a name: the name changes with the SQL, and should two
  digests ever meet, `with_list` refuses the plan instead of reusing the first.

This is the shape of metricflow's dataflow plan (nodes with parents, shared branches
rendered once) and of Ibis's expression nodes (frozen, checked when built), kept to the one
relation kind the plan needs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from tierwise.metrics.scope import PlanError

_STEM = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Node:
    """One relation of the plan, rendered as one CTE named `{stem}_{digest}`."""

    stem: str
    sql: str
    parents: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        if not _STEM.fullmatch(self.stem):
            raise PlanError(f"plan node stem {self.stem!r} is not a lowercase identifier")
        unread = [p.name for p in self.parents if p.name not in self.sql]
        if unread:
            raise PlanError(f"plan node {self.stem!r} does not read its parents {unread}")

    @cached_property
    def name(self) -> str:
        digest = hashlib.sha256(f"{self.stem}\n{self.sql}".encode()).hexdigest()[:8]
        return f"{self.stem}_{digest}"

    def __str__(self) -> str:
        """The name, so that SQL text can read a node as a table: f"FROM {node}"."""
        return self.name


def with_list(roots: Iterable[Node]) -> list[Node]:
    """Every node the roots read, each once, every node after the nodes it reads."""
    seen: dict[str, Node] = {}

    def visit(node: Node) -> None:
        known = seen.get(node.name)
        if known is not None:
            if known != node:
                raise PlanError(f"two different plan nodes are both named {node.name}")
            return
        for parent in node.parents:
            visit(parent)
        seen[node.name] = node

    for root in roots:
        visit(root)
    return list(seen.values())


def render(roots: Iterable[Node], select: str) -> str:
    """`WITH` every node the roots read, one per line, then the final select."""
    ctes = ",\n".join(f"{n.name} AS ({n.sql})" for n in with_list(roots))
    return f"WITH {ctes}\n{select}"
