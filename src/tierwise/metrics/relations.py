"""The shared pieces of a plan: partners in scope, binding attribution, facts in force,
paid orders converted to the program's currency.

Each method returns a plan node; metrics that need the same piece get equal nodes, which
the plan renders once (see `nodes.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tierwise.metrics.fragments import (
    BINDING_END,
    FAR,
    SEG_END,
    converted,
    day,
    literal,
    one_of,
    registered,
)
from tierwise.metrics.nodes import Node
from tierwise.metrics.scope import Scope

#: The columns of an order a metric reads, besides its amounts.
_ORDER_COLUMNS = (
    "o.order_id, o.seller_id, o.creator_id, o.channel, o.content_id, o.paid_at, "
    "o.good_goods, o.worry_free, o.currency"
)


@dataclass(frozen=True)
class OrderJoin:
    """What the window's orders `o` are joined to before their amounts are converted: SQL
    following `FROM orders o` (a join, or joins, to the relations `reads`), and the
    expression of the partner each kept order is attributed to."""

    stem: str
    sql: str
    partner: str
    reads: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Relations:
    """The shared pieces of one scope (the previous period of a growth metric has its own)."""

    scope: Scope

    def scope_partners(self) -> Node:
        s = self.scope
        markets = f" AND market IN {one_of(s.markets)}" if s.markets else ""
        return Node(
            "scope_partners",
            f"SELECT partner_id, market, joined_on FROM partners "
            f"WHERE kind = {literal(s.partner_kind)} "
            f"AND joined_on <= {day(s.period.last_day)}{markets}",
        )

    def bindings(self, kind: str, service: str) -> Node:
        """Bindings of scope partners, with an open end made far."""
        partners = self.scope_partners()
        return Node(
            f"bind_{kind}_{service}",
            f"SELECT b.subject_id, b.partner_id, b.started_on, "
            f"COALESCE(b.ended_on, {FAR}) AS ended_on FROM bindings b "
            f"JOIN {partners} p ON p.partner_id = b.partner_id "
            f"WHERE b.subject_kind = {literal(kind)} AND b.service = {literal(service)} "
            f"AND b.started_on < COALESCE(b.ended_on, {FAR})",
            (partners,),
        )

    def attributed_on(self, kind: str, service: str, on: date) -> Node:
        """Subject → partner on a day: among bindings in force, earliest start, then id."""
        b = self.bindings(kind, service)
        return Node(
            f"attr_{kind}_{service}_on",
            f"SELECT subject_id, {registered()} AS partner_id FROM {b} "
            f"WHERE started_on <= {day(on)} AND ended_on > {day(on)} "
            f"GROUP BY subject_id",
            (b,),
        )

    def attributed_during(self, kind: str, service: str, first: date, end: date) -> Node:
        """Subject → its registered partner over a window: bindings overlapping it."""
        b = self.bindings(kind, service)
        return Node(
            f"attr_{kind}_{service}_during",
            f"SELECT subject_id, {registered()} AS partner_id FROM {b} "
            f"WHERE started_on < {day(end)} AND ended_on > {day(first)} "
            f"GROUP BY subject_id",
            (b,),
        )

    def attributed_segments(self, kind: str, service: str) -> Node:
        """Subject → partner per stretch of time, so an order joins the binding in force at
        its paid time (single attribution where bindings overlap).

        A subject whose bindings never overlap keeps them as they are; only the few that
        overlap are cut into segments at every start and end, each segment going to the
        registered binding among those covering it."""
        b = self.bindings(kind, service)
        s = self.scope
        overlapping = Node(
            f"overlap_{kind}_{service}",
            f"SELECT DISTINCT x.subject_id FROM {b} x JOIN {b} y ON x.subject_id = y.subject_id "
            f"AND (x.partner_id <> y.partner_id OR x.started_on <> y.started_on) "
            f"AND x.started_on < y.ended_on AND y.started_on < x.ended_on",
            (b,),
        )
        edges = Node(
            f"edges_{kind}_{service}",
            f"SELECT DISTINCT subject_id, started_on AS d FROM {b} "
            f"WHERE subject_id IN (SELECT subject_id FROM {overlapping}) "
            f"UNION SELECT DISTINCT subject_id, ended_on AS d FROM {b} "
            f"WHERE subject_id IN (SELECT subject_id FROM {overlapping})",
            (b, overlapping),
        )
        segs = Node(
            f"segs_{kind}_{service}",
            f"SELECT subject_id, d AS seg_from, "
            f"LEAD(d) OVER (PARTITION BY subject_id ORDER BY d) AS seg_to FROM {edges}",
            (edges,),
        )
        return Node(
            f"attr_{kind}_{service}_segments",
            f"SELECT subject_id, partner_id, {s.local_midnight('started_on')} AS seg_from, "
            f"{s.local_midnight(BINDING_END)} AS seg_to FROM {b} "
            f"WHERE subject_id NOT IN (SELECT subject_id FROM {overlapping}) "
            f"UNION ALL "
            f"SELECT s.subject_id, "
            f"{registered('b')} "
            f"AS partner_id, "
            f"{s.local_midnight('s.seg_from')} AS seg_from, "
            f"{s.local_midnight(SEG_END)} AS seg_to "
            f"FROM {segs} s JOIN {b} b ON b.subject_id = s.subject_id "
            f"AND b.started_on <= s.seg_from AND b.ended_on >= s.seg_to "
            f"WHERE s.seg_to IS NOT NULL GROUP BY s.subject_id, s.seg_from, s.seg_to",
            (b, overlapping, segs),
        )

    def facts_on(self, kind: str, name: str, on: date) -> Node:
        """The value of a fact in force on a day: the latest `as_of` on or before it."""
        return Node(
            f"fact_{kind}",
            f"SELECT subject_id, arg_max(value, as_of) AS value FROM facts "
            f"WHERE subject_kind = {literal(kind)} AND name = {literal(name)} "
            f"AND as_of <= {day(on)} GROUP BY subject_id",
        )

    def abnormal_creators(self) -> Node:
        facts = self.facts_on("creator", "abnormal", self.scope.period.last_day)
        return Node(
            "abnormal_creators",
            f"SELECT subject_id AS creator_id FROM {facts} WHERE value = 1",
            (facts,),
        )

    def bound_creators(self, service: str, on: date) -> Node:
        """Creators attributed to a partner on a day, abnormal creators left out."""
        attr = self.attributed_on("creator", service, on)
        abn = self.abnormal_creators()
        return Node(
            f"bound_creators_{service}",
            f"SELECT a.subject_id AS creator_id, a.partner_id FROM {attr} a "
            f"WHERE NOT EXISTS (SELECT 1 FROM {abn} x WHERE x.creator_id = a.subject_id)",
            (attr, abn),
        )

    def fx_spans(self) -> Node:
        """Each currency's rate to USD as validity spans; USD is worth one USD whether or
        not fx_rates says so."""
        return Node(
            "fx_spans",
            "SELECT currency, valid_from, COALESCE(LEAD(valid_from) OVER "
            "(PARTITION BY currency ORDER BY valid_from), DATE '9000-01-01') AS valid_to, "
            "usd_per_unit FROM (SELECT currency, valid_from, usd_per_unit FROM fx_rates "
            "UNION ALL SELECT 'USD', DATE '1900-01-01', 1)",
        )

    def fx(self, first: date, end: date) -> Node:
        """Rates from each currency to the program's over the window, as validity spans.

        A rate is in force from its `valid_from` day until the next one; spans of the source
        and the program currency are intersected, and only spans touching the window kept,
        so each order joins on currency and finds its one span among a handful."""
        s = self.scope
        cur = literal(s.currency)
        spans = self.fx_spans()
        since = "GREATEST(f.valid_from, t.valid_from)"
        until = "LEAST(f.valid_to, t.valid_to)"
        return Node(
            "fx",
            f"SELECT f.currency AS key, {s.local_midnight(since)} AS valid_from, "
            f"{s.local_midnight(until)} AS valid_to, "
            f"CAST(f.usd_per_unit AS DOUBLE) / CAST(t.usd_per_unit AS DOUBLE) AS rate "
            f"FROM {spans} f JOIN {spans} t ON t.currency = {cur} "
            f"AND f.valid_from < t.valid_to AND t.valid_from < f.valid_to "
            f"WHERE f.currency <> {cur} AND t.usd_per_unit > 0 "
            f"AND {since} <= {day(end)} AND {until} >= {day(first - timedelta(days=1))}",
            (spans,),
        )

    def paid_orders(self, first: date, end: date, joined: OrderJoin | None = None) -> Node:
        """Paid, normal orders of normal creators in a window, with amounts converted.

        With `joined`, the orders are first joined to what they are attributed to (their
        partner): only the orders it keeps are converted, so the conversion join reads the
        few attributed orders, not every order of the window."""
        s = self.scope
        abn = self.abnormal_creators()
        cur = literal(s.currency)
        stem, join, kept, reads = (
            ("orders", "", "", ())
            if joined is None
            else (joined.stem, f" {joined.sql}", f", {joined.partner}", joined.reads)
        )
        normal = (
            f"WHERE o.paid_at >= {s.instant(first)} AND o.paid_at < {s.instant(end)} "
            f"AND NOT o.abnormal "
            f"AND NOT EXISTS (SELECT 1 FROM {abn} x WHERE x.creator_id = o.creator_id)"
        )
        if s.foreign_currencies is False:
            return Node(
                stem,
                f"SELECT {_ORDER_COLUMNS}, o.amount, o.refund_amount, "
                f"TRUE AS has_rate{kept} FROM orders o{join} {normal}",
                (*reads, abn),
            )
        paid = Node(
            f"{stem}_paid",
            f"SELECT {_ORDER_COLUMNS}, o.amount, o.refund_amount{kept} "
            f"FROM orders o{join} {normal}",
            (*reads, abn),
        )
        fx = self.fx(first, end)
        partner = "" if joined is None else ", o.partner_id"
        return Node(
            stem,
            f"SELECT {_ORDER_COLUMNS}, "
            f"CASE WHEN o.currency = {cur} THEN o.amount "
            f"ELSE {converted('o.amount', s.dialect)} END AS amount, "
            f"CASE WHEN o.currency = {cur} THEN o.refund_amount "
            f"ELSE {converted('o.refund_amount', s.dialect)} END AS refund_amount, "
            f"o.currency = {cur} OR fx.rate IS NOT NULL AS has_rate{partner} "
            f"FROM {paid} o LEFT JOIN {fx} fx ON fx.key = o.currency "
            f"AND o.paid_at >= fx.valid_from AND o.paid_at < fx.valid_to",
            (paid, fx),
        )

    def long_lives(self, minutes: int, first: date, end: date) -> Node:
        """Livestreams longer than `minutes` started in the window: the same set a
        `live_count` with the same window and length counts."""
        s = self.scope
        return Node(
            f"lives_over_{minutes}",
            f"SELECT live_id FROM livestreams WHERE ended_at IS NOT NULL "
            f"AND started_at >= {s.instant(first)} "
            f"AND started_at < {s.instant(end)} "
            f"AND date_diff('second', started_at, ended_at) > {minutes * 60}",
        )

    def content_sellers(self, service: str) -> Node:
        """Sellers bound to the partner at any time during the period."""
        p = self.scope.period
        return self.attributed_during("seller", service, p.start, p.end)

    def content_creators(self, service: str) -> Node:
        """Official and marketing accounts of the partner's content sellers."""
        sellers = self.content_sellers(service)
        abn = self.abnormal_creators()
        return Node(
            f"content_creators_{service}",
            f"SELECT c.creator_id, c.seller_id, s.partner_id FROM creators c "
            f"JOIN {sellers} s ON s.subject_id = c.seller_id "
            f"WHERE c.account_type IN ('official', 'marketing') "
            f"AND NOT EXISTS (SELECT 1 FROM {abn} x "
            f"WHERE x.creator_id = c.creator_id)",
            (sellers, abn),
        )
