"""What a metric compiler is, and the final select it adds its value to.

A compiler turns one library metric's request into the SQL expression of its value in the
plan's final select. Most metrics are a relation `(partner_id, value)` joined to the
partners (`RelationCompiler`); order metrics also know how to share one scan of the
window's orders with their siblings (`ScanMember`); derived metrics read the values of
other metrics (`ratio`, `growth`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar, TypeVar

from tierwise.metrics import catalog as lib
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest, PlanError

P = TypeVar("P", bound=lib.Params)


def params_of(request: MetricRequest, kind: type[P]) -> P:
    """The request's parameters as the model its library metric declares."""
    if not isinstance(request.params, kind):
        raise PlanError(
            f"metric {request.name!r}: {request.metric} takes {kind.__name__}, "
            f"not {type(request.params).__name__}"
        )
    return request.params


@dataclass
class Assembly:
    """The plan's final select while it is assembled: a LEFT JOIN per relation read, in
    the order first read, and the value expression of every metric compiled so far."""

    relations: Relations
    requests: Mapping[str, MetricRequest]
    values: dict[str, str] = field(default_factory=dict)
    joins: list[Node] = field(default_factory=list)
    _previous: Relations | None = None

    def read(self, node: Node, column: str) -> str:
        """A column of a relation joined to the partners on partner_id."""
        if node not in self.joins:
            self.joins.append(node)
        return f"{node}.{column}"

    @property
    def previous(self) -> Relations:
        """The shared pieces of the previous period (growth metrics)."""
        if self._previous is None:
            scope = self.relations.scope
            self._previous = Relations(replace(scope, period=scope.period.previous))
        return self._previous


class MetricCompiler(ABC):
    """Compiles the requests of one library metric."""

    metric: ClassVar[str]

    @abstractmethod
    def value(self, assembly: Assembly, request: MetricRequest) -> str:
        """The SQL expression of the metric's value in the final select."""

    def depends_on(self, request: MetricRequest) -> tuple[str, ...]:
        """Other metrics of the program this one reads (derived metrics)."""
        return ()


class RelationCompiler(MetricCompiler):
    """A metric computed as its own relation `(partner_id, value)`."""

    @abstractmethod
    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        """The relation of the metric's value per partner over `rel`'s scope."""

    def default(self, request: MetricRequest) -> str:
        """The value of a partner the relation has no row for."""
        return "0"

    def value(self, assembly: Assembly, request: MetricRequest) -> str:
        node = self.relation(assembly.relations, request)
        return f"COALESCE({assembly.read(node, 'value')}, {self.default(request)})"


@dataclass(frozen=True)
class ScanColumn:
    """A metric's column in a shared order scan (`expr`) and the joins it adds to the scan;
    or, with `relation`, its own relation `(partner_id, value)` over the scan's orders,
    read beside the scan (which still checks that those orders can be converted)."""

    expr: str = ""
    joins: str = ""
    reads: tuple[Node, ...] = ()
    relation: Node | None = None


class ScanMember(RelationCompiler):
    """An order metric read in one scan with the others of the same attribution, service
    and window (see `compilers.orders.order_scans`); alone it is still a relation (the
    previous period of a growth metric)."""

    @abstractmethod
    def scan_key(self, request: MetricRequest) -> tuple[str, str, int | None]:
        """(attribution, service, window days): the scan this metric is read in."""

    @abstractmethod
    def scan_column(self, rel: Relations, request: MetricRequest, k: int) -> ScanColumn:
        """The metric's aggregate over the scan's rows `o` (orders with their `partner_id`);
        `k` numbers its column and any alias it joins."""
