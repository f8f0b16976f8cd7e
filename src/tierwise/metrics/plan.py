"""Compile a program's metrics for one period into one set-wise SQL query.

Every metric becomes a common table expression producing `(partner_id, value)` over all
partners at once; shared pieces (binding attribution, facts in force, converted orders) are
built once and reused. The SQL is written in DuckDB's dialect using only constructs SQLGlot
transpiles to Spark SQL (see docs/architecture.md): the same plan can run on either engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tierwise.core.errors import EvaluationError
from tierwise.core.periods import Period
from tierwise.metrics import catalog as lib
from tierwise.metrics.dialect import DUCKDB, Dialect
from tierwise.store.sql import literal as _q

#: Metric values leave the plan as exact decimals with this many places.
SCALE = 10
_VALUE = f"DECIMAL(38,{SCALE})"
_FAR = "DATE '9999-12-31'"
#: An open segment's end, kept where a local midnight can still be computed.
_SEG_END = "LEAST(s.seg_to, DATE '9000-01-01')"
_BINDING_END = "LEAST(ended_on, DATE '9000-01-01')"


#: Output columns naming an order no rate converts: `{UNCONVERTED}N_currency` and `_at`.
UNCONVERTED = "__unconverted_"


def _registered(alias: str = "") -> str:
    """The registered binding's partner: the earliest started_on, then the smallest id."""
    a = f"{alias}." if alias else ""
    return f"arg_min({a}partner_id, struct_pack(s := {a}started_on, p := {a}partner_id))"


class PlanError(EvaluationError):
    """A metric request the plan cannot compile (e.g. a cycle between derived metrics)."""


@dataclass(frozen=True)
class MetricRequest:
    """One metric of a program: its name there, the library metric and its parameters."""

    name: str
    metric: str
    params: lib.Params


@dataclass(frozen=True)
class Scope:
    """Who is evaluated, when, and in which clock and currency."""

    period: Period
    partner_kind: str
    time_zone: str
    currency: str
    markets: tuple[str, ...] | None = None
    generation_date: date | None = None
    dialect: Dialect = DUCKDB
    #: Whether any order the plan may read is in another currency (None: not known). When
    #: none is, the plan skips the currency conversion join.
    foreign_currencies: bool | None = None

    @property
    def generated_on(self) -> date:
        return self.generation_date or self.period.generation_date

    def day(self, which: lib.Day) -> date:
        offset = {"last_day": 0, "first_of_next": 1, "second_of_next": 2}[which]
        return self.period.last_day + timedelta(days=offset)

    def window(self, w: lib.Window) -> tuple[date, date]:
        """The window as local dates `[first, end)`."""
        if w.days is None:
            return self.period.start, self.period.end
        return self.period.end - timedelta(days=w.days), self.period.end

    def instant(self, d: date) -> str:
        """Midnight of a local date as a UTC timestamp literal."""
        local = datetime.combine(d, time(0), tzinfo=ZoneInfo(self.time_zone))
        return self.dialect.instant(local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None))

    def local_midnight(self, date_expr: str) -> str:
        return self.dialect.local_midnight(date_expr, self.time_zone)


def _convert(money: str) -> str:
    """An amount in the program's currency, rounded to 1/10,000 of it.

    The product is taken in binary floating point (16 significant digits, so exact to the
    0.0001 for amounts below 10^11) and stored back as DECIMAL: sums stay exact decimals.
    A DECIMAL(38) product here costs twenty times the whole scan."""
    return f"CAST(CAST({money} AS DOUBLE) * fx.rate AS DECIMAL(18,4))"


def _d(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"


@dataclass
class _Plan:
    scope: Scope
    ctes: dict[str, str]
    #: Prefix of this plan's table expressions (a growth metric's previous period has one).
    prefix: str = ""

    def cte(self, name: str, sql: str) -> str:
        name = self.prefix + name
        self.ctes.setdefault(name, sql)
        return name

    # -- shared building blocks -------------------------------------------------------

    def scope_partners(self) -> str:
        s = self.scope
        markets = f" AND market IN {_in(s.markets)}" if s.markets else ""
        return self.cte(
            "scope_partners",
            f"SELECT partner_id, market, joined_on FROM partners "
            f"WHERE kind = {_q(s.partner_kind)} AND joined_on <= {_d(s.period.last_day)}{markets}",
        )

    def bindings(self, kind: str, service: str) -> str:
        """Bindings of scope partners, with an open end made far."""
        partners = self.scope_partners()
        return self.cte(
            f"bind_{kind}_{service}",
            f"SELECT b.subject_id, b.partner_id, b.started_on, "
            f"COALESCE(b.ended_on, {_FAR}) AS ended_on FROM bindings b "
            f"JOIN {partners} p ON p.partner_id = b.partner_id "
            f"WHERE b.subject_kind = {_q(kind)} AND b.service = {_q(service)} "
            f"AND b.started_on < COALESCE(b.ended_on, {_FAR})",
        )

    def attributed_on(self, kind: str, service: str, day: date) -> str:
        """Subject → partner on a day: among bindings in force, earliest start, then id."""
        b = self.bindings(kind, service)
        return self.cte(
            f"attr_{kind}_{service}_on_{day:%Y%m%d}",
            f"SELECT subject_id, {_registered()} AS partner_id FROM {b} "
            f"WHERE started_on <= {_d(day)} AND ended_on > {_d(day)} "
            f"GROUP BY subject_id",
        )

    def attributed_during(self, kind: str, service: str, first: date, end: date) -> str:
        """Subject → its registered partner over a window: bindings overlapping it."""
        b = self.bindings(kind, service)
        return self.cte(
            f"attr_{kind}_{service}_during_{first:%Y%m%d}_{end:%Y%m%d}",
            f"SELECT subject_id, {_registered()} AS partner_id FROM {b} "
            f"WHERE started_on < {_d(end)} AND ended_on > {_d(first)} "
            f"GROUP BY subject_id",
        )

    def attributed_segments(self, kind: str, service: str) -> str:
        """Subject → partner per stretch of time, so an order joins the binding in force at
        its paid time (single attribution where bindings overlap).

        A subject whose bindings never overlap keeps them as they are; only the few that
        overlap are cut into segments at every start and end, each segment going to the
        registered binding among those covering it."""
        b = self.bindings(kind, service)
        s = self.scope
        overlapping = self.cte(
            f"overlap_{kind}_{service}",
            f"SELECT DISTINCT x.subject_id FROM {b} x JOIN {b} y ON x.subject_id = y.subject_id "
            f"AND (x.partner_id <> y.partner_id OR x.started_on <> y.started_on) "
            f"AND x.started_on < y.ended_on AND y.started_on < x.ended_on",
        )
        edges = self.cte(
            f"edges_{kind}_{service}",
            f"SELECT DISTINCT subject_id, started_on AS d FROM {b} "
            f"WHERE subject_id IN (SELECT subject_id FROM {overlapping}) "
            f"UNION SELECT DISTINCT subject_id, ended_on AS d FROM {b} "
            f"WHERE subject_id IN (SELECT subject_id FROM {overlapping})",
        )
        segs = self.cte(
            f"segs_{kind}_{service}",
            f"SELECT subject_id, d AS seg_from, "
            f"LEAD(d) OVER (PARTITION BY subject_id ORDER BY d) AS seg_to FROM {edges}",
        )
        return self.cte(
            f"attr_{kind}_{service}_segments",
            f"SELECT subject_id, partner_id, {s.local_midnight('started_on')} AS seg_from, "
            f"{s.local_midnight(_BINDING_END)} AS seg_to FROM {b} "
            f"WHERE subject_id NOT IN (SELECT subject_id FROM {overlapping}) "
            f"UNION ALL "
            f"SELECT s.subject_id, "
            f"{_registered('b')} "
            f"AS partner_id, "
            f"{s.local_midnight('s.seg_from')} AS seg_from, "
            f"{s.local_midnight(_SEG_END)} AS seg_to "
            f"FROM {segs} s JOIN {b} b ON b.subject_id = s.subject_id "
            f"AND b.started_on <= s.seg_from AND b.ended_on >= s.seg_to "
            f"WHERE s.seg_to IS NOT NULL GROUP BY s.subject_id, s.seg_from, s.seg_to",
        )

    def abnormal_creators(self) -> str:
        facts = self.facts_on("creator", "abnormal", self.scope.period.last_day)
        return self.cte(
            "abnormal_creators", f"SELECT subject_id AS creator_id FROM {facts} WHERE value = 1"
        )

    def facts_on(self, kind: str, name: str, day: date) -> str:
        """The value of a fact in force on a day: the latest `as_of` on or before it."""
        return self.cte(
            f"fact_{kind}_{name}_{day:%Y%m%d}",
            f"SELECT subject_id, arg_max(value, as_of) AS value FROM facts "
            f"WHERE subject_kind = {_q(kind)} AND name = {_q(name)} AND as_of <= {_d(day)} "
            f"GROUP BY subject_id",
        )

    def bound_creators(self, service: str, day: date) -> str:
        """Creators attributed to a partner on a day, abnormal creators left out."""
        attr = self.attributed_on("creator", service, day)
        abn = self.abnormal_creators()
        return self.cte(
            f"bound_creators_{service}_{day:%Y%m%d}",
            f"SELECT a.subject_id AS creator_id, a.partner_id FROM {attr} a "
            f"WHERE NOT EXISTS (SELECT 1 FROM {abn} x WHERE x.creator_id = a.subject_id)",
        )

    def fx(self, first: date, end: date) -> str:
        """Rates from each currency to the program's over the window, as validity spans.

        A rate is in force from its `valid_from` day until the next one; spans of the source
        and the program currency are intersected, and only spans touching the window kept,
        so each order joins on currency and finds its one span among a handful."""
        s = self.scope
        cur = _q(s.currency)
        # USD is worth one USD whether or not fx_rates says so.
        spans = self.cte(
            "fx_spans",
            "SELECT currency, valid_from, COALESCE(LEAD(valid_from) OVER "
            "(PARTITION BY currency ORDER BY valid_from), DATE '9000-01-01') AS valid_to, "
            "usd_per_unit FROM (SELECT currency, valid_from, usd_per_unit FROM fx_rates "
            "UNION ALL SELECT 'USD', DATE '1900-01-01', 1)",
        )
        since = "GREATEST(f.valid_from, t.valid_from)"
        until = "LEAST(f.valid_to, t.valid_to)"
        return self.cte(
            f"fx_{first:%Y%m%d}_{end:%Y%m%d}",
            f"SELECT f.currency AS key, {s.local_midnight(since)} AS valid_from, "
            f"{s.local_midnight(until)} AS valid_to, "
            f"CAST(f.usd_per_unit AS DOUBLE) / CAST(t.usd_per_unit AS DOUBLE) AS rate "
            f"FROM {spans} f JOIN {spans} t ON t.currency = {cur} "
            f"AND f.valid_from < t.valid_to AND t.valid_from < f.valid_to "
            f"WHERE f.currency <> {cur} AND t.usd_per_unit > 0 "
            f"AND {since} <= {_d(end)} AND {until} >= {_d(first - timedelta(days=1))}",
        )

    def paid_orders(self, first: date, end: date) -> str:
        """Paid, normal orders of normal creators in a window, with amounts converted."""
        s = self.scope
        abn = self.abnormal_creators()
        cur = _q(s.currency)
        normal = (
            f"WHERE o.paid_at >= {s.instant(first)} AND o.paid_at < {s.instant(end)} "
            f"AND NOT o.abnormal "
            f"AND NOT EXISTS (SELECT 1 FROM {abn} x WHERE x.creator_id = o.creator_id)"
        )
        if s.foreign_currencies is False:
            return self.cte(
                f"orders_{first:%Y%m%d}_{end:%Y%m%d}",
                f"SELECT o.order_id, o.seller_id, o.creator_id, o.channel, o.content_id, "
                f"o.paid_at, o.good_goods, o.worry_free, o.currency, o.amount, o.refund_amount, "
                f"TRUE AS has_rate FROM orders o {normal}",
            )
        fx = self.fx(first, end)
        return self.cte(
            f"orders_{first:%Y%m%d}_{end:%Y%m%d}",
            f"SELECT o.order_id, o.seller_id, o.creator_id, o.channel, o.content_id, o.paid_at, "
            f"o.good_goods, o.worry_free, o.currency, "
            f"CASE WHEN o.currency = {cur} THEN o.amount ELSE {_convert('o.amount')} END "
            f"AS amount, "
            f"CASE WHEN o.currency = {cur} THEN o.refund_amount "
            f"ELSE {_convert('o.refund_amount')} END AS refund_amount, "
            f"o.currency = {cur} OR fx.rate IS NOT NULL AS has_rate "
            f"FROM orders o LEFT JOIN {fx} fx ON fx.key = o.currency "
            f"AND o.paid_at >= fx.valid_from AND o.paid_at < fx.valid_to {normal}",
        )

    def long_lives(self, minutes: int, first: date, end: date) -> str:
        """Livestreams longer than `minutes` started in the window: the same set a
        `live_count` with the same window and length counts."""
        s = self.scope
        return self.cte(
            f"lives_over_{minutes}_{first:%Y%m%d}_{end:%Y%m%d}",
            f"SELECT live_id FROM livestreams WHERE ended_at IS NOT NULL "
            f"AND started_at >= {s.instant(first)} "
            f"AND started_at < {s.instant(end)} "
            f"AND date_diff('second', started_at, ended_at) > {minutes * 60}",
        )

    def content_sellers(self, service: str) -> str:
        p = self.scope.period
        return self.attributed_during("seller", service, p.start, p.end)

    def content_creators(self, service: str) -> str:
        """Official and marketing accounts of the partner's content sellers."""
        sellers = self.content_sellers(service)
        return self.cte(
            f"content_creators_{service}",
            f"SELECT c.creator_id, c.seller_id, s.partner_id FROM creators c "
            f"JOIN {sellers} s ON s.subject_id = c.seller_id "
            f"WHERE c.account_type IN ('official', 'marketing') "
            f"AND NOT EXISTS (SELECT 1 FROM {self.abnormal_creators()} x "
            f"WHERE x.creator_id = c.creator_id)",
        )


def _order_filters(plan: _Plan, p: lib.OrderParams, alias: str = "o") -> list[str]:
    """The filters that tell metrics of one order scan apart (FILTER clauses)."""
    where: list[str] = []
    first, end = plan.scope.window(p.window)
    if p.channels:
        where.append(f"{alias}.channel IN {_in(p.channels)}")
    if p.good_goods is not None:
        where.append(f"{'' if p.good_goods else 'NOT '}{alias}.good_goods")
    if p.worry_free is not None:
        where.append(f"{'' if p.worry_free else 'NOT '}{alias}.worry_free")
    if p.live_longer_than_min is not None:
        lives = plan.long_lives(p.live_longer_than_min, first, end)
        where.append(
            f"{alias}.channel = 'live' AND {alias}.content_id IN (SELECT live_id FROM {lives})"
        )
    return where


_ORDER_VALUES = {
    "gmv": "SUM(o.amount)",
    "settled_gmv": "SUM(GREATEST(o.amount - o.refund_amount, 0))",
    "settled_orders": "COUNT(*) FILTER (WHERE o.refund_amount < o.amount)",
}


def _order_scan_key(p: lib.OrderParams) -> tuple[str, str, int | None]:
    """Order metrics sharing attribution, service and window are read in one scan."""
    return (p.attribution, p.service, p.window.days)


def _fused_order_metrics(plan: _Plan, requests: Sequence[MetricRequest]) -> dict[str, str]:
    """One aggregate per order scan, a column per metric; returns metric → column ref.

    Creators with sales ride along on their service's creator-attributed scan of the
    period: a creator counts when one of its settled orders belongs to the partner and the
    creator is still bound to it on the last day."""
    scans: dict[tuple[str, str, int | None], list[MetricRequest]] = {}
    for r in requests:
        if r.metric in _ORDER_VALUES and isinstance(r.params, lib.OrderParams):
            scans.setdefault(_order_scan_key(r.params), []).append(r)
        elif isinstance(r.params, lib.CreatorSalesParams):
            key = _order_scan_key(lib.OrderParams(service=r.params.service))
            scans.setdefault(key, []).append(r)
    refs: dict[str, str] = {}
    for n, reqs in enumerate(scans.values()):
        order_params = [r.params for r in reqs if isinstance(r.params, lib.OrderParams)]
        first = order_params[0] if order_params else None
        service = reqs[0].params.service  # type: ignore[attr-defined]
        src, _ = _attributed_orders(plan, first or lib.OrderParams(service=service))
        cols = []
        for k, r in enumerate(reqs):
            if isinstance(r.params, lib.CreatorSalesParams):
                bound = plan.bound_creators(r.params.service, plan.scope.period.last_day)
                src += (
                    f" LEFT JOIN {bound} bc{k} ON bc{k}.creator_id = o.creator_id "
                    f"AND bc{k}.partner_id = a.partner_id"
                )
                chan = f" AND o.channel IN {_in(r.params.channels)}" if r.params.channels else ""
                cols.append(
                    f"COUNT(DISTINCT o.creator_id) FILTER (WHERE bc{k}.creator_id IS NOT NULL "
                    f"AND o.refund_amount < o.amount{chan}) AS v{k}"
                )
                refs[r.name] = f"scan{n}.v{k}"
                continue
            assert isinstance(r.params, lib.OrderParams)
            value = _ORDER_VALUES[r.metric]
            conds = _order_filters(plan, r.params)
            if conds:
                cond = " AND ".join(conds)
                if value.endswith(")") and "FILTER" in value:
                    value = value[:-1] + f" AND {cond})"
                else:
                    value = f"{value} FILTER (WHERE {cond})"
            cols.append(f"{value} AS v{k}")
            refs[r.name] = f"scan{n}.v{k}"
        # Orders no rate converts would vanish from the sums: the caller refuses them.
        cols.append("arg_min(o.currency, o.paid_at) FILTER (WHERE NOT o.has_rate) AS nc")
        cols.append("MIN(o.paid_at) FILTER (WHERE NOT o.has_rate) AS np")
        plan.cte(f"scan{n}", f"SELECT a.partner_id, {', '.join(cols)} FROM {src} GROUP BY 1")
        refs[f"{UNCONVERTED}{n}"] = f"scan{n}"
    return refs


def _attributed_orders(plan: _Plan, p: lib.OrderParams) -> tuple[str, list[str]]:
    """FROM clause joining the window's orders to their partner, and the metric's filters."""
    first, end = plan.scope.window(p.window)
    orders = plan.paid_orders(first, end)
    where = _order_filters(plan, p)
    if p.attribution == "seller_creators":
        creators = plan.content_creators(p.service)
        return f"{orders} o JOIN {creators} a ON a.creator_id = o.creator_id", where
    kind, col = (
        ("creator", "creator_id")
        if p.attribution == "creator_binding"
        else (
            "seller",
            "seller_id",
        )
    )
    segs = plan.attributed_segments(kind, p.service)
    join = (
        f"{orders} o JOIN {segs} a ON a.subject_id = o.{col} "
        f"AND o.paid_at >= a.seg_from AND o.paid_at < a.seg_to"
    )
    return join, where


def _where(conds: list[str]) -> str:
    return (" WHERE " + " AND ".join(conds)) if conds else ""


def _metric_sql(plan: _Plan, req: MetricRequest) -> str:
    s = plan.scope
    p = req.params
    m = req.metric
    if m in _ORDER_VALUES:
        assert isinstance(p, lib.OrderParams)
        src, where = _attributed_orders(plan, p)
        value = _ORDER_VALUES[m]
        return f"SELECT a.partner_id, {value} AS value FROM {src}{_where(where)} GROUP BY 1"
    if m == "bound_subjects":
        assert isinstance(p, lib.BoundParams)
        if p.at == "day":
            if p.subject_kind == "creator":
                src = plan.bound_creators(p.service, s.day(p.on))
                return f"SELECT partner_id, COUNT(*) AS value FROM {src} GROUP BY 1"
            src = plan.attributed_on(p.subject_kind, p.service, s.day(p.on))
        else:
            first, end = s.window(p.window)
            src = plan.attributed_during(p.subject_kind, p.service, first, end)
        return f"SELECT partner_id, COUNT(*) AS value FROM {src} GROUP BY 1"
    if m == "creators_with_fact":
        assert isinstance(p, lib.FactCountParams)
        bound = plan.bound_creators(p.service, s.period.last_day)
        facts = plan.facts_on("creator", p.fact, s.day(p.on))
        return (
            f"SELECT b.partner_id, COUNT(*) AS value FROM {bound} b "
            f"JOIN {facts} f ON f.subject_id = b.creator_id "
            f"WHERE f.value >= {p.at_least} GROUP BY 1"
        )
    if m == "creator_fact_mean":
        assert isinstance(p, lib.FactMeanParams)
        bound = plan.bound_creators(p.service, s.period.last_day)
        facts = plan.facts_on("creator", p.fact, s.day(p.on))
        return (
            f"SELECT b.partner_id, AVG(f.value) AS value FROM {bound} b "
            f"JOIN {facts} f ON f.subject_id = b.creator_id GROUP BY 1"
        )
    if m == "partner_fact":
        assert isinstance(p, lib.PartnerFactParams)
        day = s.day(p.on)
        since = f" AND as_of >= {_d(s.period.start)}" if p.within_period else ""
        return (
            f"SELECT subject_id AS partner_id, arg_max(value, as_of) AS value FROM facts "
            f"WHERE subject_kind = 'partner' AND name = {_q(p.fact)} "
            f"AND as_of <= {_d(day)}{since} GROUP BY 1"
        )
    if m == "creators_with_sales":
        assert isinstance(p, lib.CreatorSalesParams)
        bound = plan.bound_creators(p.service, s.period.last_day)
        # Settled sales that belong to the partner: the binding in force when paid.
        src, where = _attributed_orders(
            plan, lib.OrderParams(service=p.service, channels=p.channels)
        )
        sold = plan.cte(
            f"sold_{'_'.join(p.channels or ('all',))}_{p.service}",
            f"SELECT DISTINCT a.partner_id, o.creator_id FROM {src} "
            f"{_where([*where, 'o.refund_amount < o.amount'])}",
        )
        return (
            f"SELECT b.partner_id, COUNT(*) AS value FROM {bound} b "
            f"JOIN {sold} x ON x.partner_id = b.partner_id AND x.creator_id = b.creator_id "
            f"GROUP BY 1"
        )
    if m == "live_days_per_creator":
        assert isinstance(p, lib.LiveDaysParams)
        bound = plan.bound_creators(p.service, s.period.last_day)
        local_day = s.dialect.local_date("started_at", s.time_zone)
        days = plan.cte(
            "live_days",
            f"SELECT creator_id, COUNT(DISTINCT {local_day}) AS d "
            f"FROM livestreams WHERE started_at >= {s.instant(s.period.start)} "
            f"AND started_at < {s.instant(s.period.end)} GROUP BY 1",
        )
        return (
            f"SELECT b.partner_id, AVG(COALESCE(d.d, 0)) AS value FROM {bound} b "
            f"LEFT JOIN {days} d ON d.creator_id = b.creator_id GROUP BY 1"
        )
    if m == "seller_rate":
        assert isinstance(p, lib.SellerRateParams)
        return _seller_rate(plan, p)
    if m in ("active_sellers", "live_hours", "live_count", "video_count", "gpm"):
        assert isinstance(p, lib.ContentParams)
        return _content(plan, m, p)
    if m == "violations":
        assert isinstance(p, lib.ViolationParams)
        return _violations(plan, p)
    if m in ("published_apps", "subscribed_sellers", "active_subscriptions"):
        assert isinstance(p, lib.IsvParams)
        on = _d(s.day(p.on))
        apps = (
            f"SELECT app_id, partner_id FROM apps WHERE status = 'published' "
            f"AND published_on <= {on}"
        )
        if m == "published_apps":
            return f"SELECT partner_id, COUNT(*) AS value FROM ({apps}) GROUP BY 1"
        count = "COUNT(DISTINCT s.seller_id)" if m == "subscribed_sellers" else "COUNT(*)"
        return (
            f"SELECT a.partner_id, {count} AS value FROM subscriptions s "
            f"JOIN ({apps}) a ON a.app_id = s.app_id WHERE s.started_on <= {on} "
            f"AND COALESCE(s.ended_on, {_FAR}) > {on} GROUP BY 1"
        )
    if m == "api_calls_per_day":
        assert isinstance(p, lib.ApiParams)
        first, end = s.window(p.window)
        n_days = (end - first).days
        return (
            f"SELECT a.partner_id, CAST(SUM(c.calls) AS DECIMAL(38,{SCALE})) / {n_days} AS value "
            f"FROM api_calls c JOIN apps a ON a.app_id = c.app_id "
            f"WHERE c.day >= {_d(first)} AND c.day < {_d(end)} GROUP BY 1"
        )
    raise PlanError(f"metric {req.name!r}: library metric {m!r} has no plan")


#: rate → (window column, hit condition, base condition), over one seller's orders.
_RATES = {
    "seller_cancellation": ("created_at", "o.cancelled_by = 'seller'", "TRUE"),
    "late_dispatch": ("paid_at", "o.late_dispatch", "o.cancelled_by IS NULL"),
    "seller_return": ("paid_at", "o.return_fault = 'seller'", "o.cancelled_by IS NULL"),
    "negative_review": ("paid_at", "o.review_rating <= 2", "o.cancelled_by IS NULL"),
}


def _seller_rate(plan: _Plan, p: lib.SellerRateParams) -> str:
    s = plan.scope
    sellers = plan.attributed_during("seller", p.service, s.period.start, s.period.end)
    first, end = s.window(p.window)
    lo, hi = s.instant(first), s.instant(end)
    # Every rate's base and hits per seller in one scan of the window's orders.
    cols = []
    for rate, (col, hit, base) in _RATES.items():
        inside = f"o.{col} >= {lo} AND o.{col} < {hi} AND {base}"
        cols.append(f"COUNT(*) FILTER (WHERE {inside}) AS {rate}_n")
        cols.append(f"COUNT(*) FILTER (WHERE {inside} AND {hit}) AS {rate}_hit")
    stats = plan.cte(
        f"seller_stats_{first:%Y%m%d}_{end:%Y%m%d}",
        f"SELECT o.seller_id, {', '.join(cols)} FROM orders o "
        f"WHERE ((o.created_at >= {lo} AND o.created_at < {hi}) "
        f"OR (o.paid_at >= {lo} AND o.paid_at < {hi})) AND NOT o.abnormal "
        f"AND NOT EXISTS (SELECT 1 FROM {plan.abnormal_creators()} x "
        f"WHERE x.creator_id = o.creator_id) GROUP BY 1",
    )
    r = p.rate
    return (
        f"SELECT a.partner_id, AVG(CAST(x.{r}_hit AS DOUBLE) / x.{r}_n) AS value "
        f"FROM {sellers} a JOIN {stats} x ON x.seller_id = a.subject_id "
        f"WHERE x.{r}_n > 0 GROUP BY 1"
    )


def _content(plan: _Plan, m: str, p: lib.ContentParams) -> str:
    s = plan.scope
    creators = plan.content_creators(p.service)
    first, end = s.window(p.window)
    lo, hi = s.instant(first), s.instant(end)
    longer = (
        f" AND l.ended_at IS NOT NULL AND date_diff('second', l.started_at, l.ended_at) > "
        f"{p.live_longer_than_min * 60}"
        if p.live_longer_than_min is not None
        else ""
    )
    lives = (
        f"SELECT c.partner_id, c.seller_id, l.live_id, l.views, "
        f"date_diff('second', l.started_at, COALESCE(l.ended_at, l.started_at)) AS secs "
        f"FROM livestreams l JOIN {creators} c ON c.creator_id = l.creator_id "
        f"WHERE l.started_at >= {lo} AND l.started_at < {hi}{longer}"
    )
    videos = (
        f"SELECT c.partner_id, c.seller_id, v.video_id, v.views FROM videos v "
        f"JOIN {creators} c ON c.creator_id = v.creator_id "
        f"WHERE v.posted_at >= {lo} AND v.posted_at < {hi}"
    )
    if m == "live_hours":
        return f"SELECT partner_id, SUM(secs) / 3600.0 AS value FROM ({lives}) GROUP BY 1"
    if m == "live_count":
        return f"SELECT partner_id, COUNT(*) AS value FROM ({lives}) GROUP BY 1"
    if m == "video_count":
        return f"SELECT partner_id, COUNT(*) AS value FROM ({videos}) GROUP BY 1"
    if m == "active_sellers":
        return (
            f"SELECT partner_id, COUNT(DISTINCT seller_id) AS value FROM ("
            f"SELECT partner_id, seller_id FROM ({lives}) UNION ALL "
            f"SELECT partner_id, seller_id FROM ({videos})) GROUP BY 1"
        )
    assert isinstance(p, lib.GpmParams)
    content = lives if p.content == "live" else videos
    cid = "live_id" if p.content == "live" else "video_id"
    # Orders made from the content, paid by the generation date.
    orders = plan.paid_orders(first, s.generated_on)
    return (
        f"SELECT c.partner_id, CASE WHEN SUM(c.views) > 0 "
        f"THEN COALESCE(SUM(g.gmv), 0) * 1000.0 / SUM(c.views) ELSE 0 END AS value "
        f"FROM ({content}) c LEFT JOIN (SELECT content_id, SUM(amount) AS gmv FROM {orders} "
        f"WHERE content_id IS NOT NULL AND channel = {_q(p.content)} GROUP BY 1) g "
        f"ON g.content_id = c.{cid} GROUP BY 1"
    )


def _violations(plan: _Plan, p: lib.ViolationParams) -> str:
    s = plan.scope
    sellers = plan.attributed_during("seller", p.service, s.period.start, s.period.end)
    first, end = s.window(p.window)
    severe = "" if p.severe is None else f" AND {'' if p.severe else 'NOT '}v.severe"
    # Revoked on or before the generation date: does not count.
    counted = (
        f"(v.revoked_at IS NULL OR v.revoked_at >= {s.instant(s.generated_on + timedelta(1))})"
    )
    subjects = (
        f"SELECT subject_id AS seller_id, partner_id, 'seller' AS kind, subject_id AS sid "
        f"FROM {sellers}"
    )
    if p.subjects == "sellers_and_creators":
        subjects += (
            f" UNION ALL SELECT a.subject_id, a.partner_id, 'creator', c.creator_id "
            f"FROM {sellers} a JOIN creators c ON c.seller_id = a.subject_id "
            f"AND c.account_type IN ('official', 'marketing')"
        )
    per_seller = (
        f"SELECT x.partner_id, x.seller_id, COUNT(v.violation_id) AS n, "
        f"COALESCE(SUM(v.points), 0) AS pts FROM ({subjects}) x "
        f"LEFT JOIN violations v ON v.subject_kind = x.kind AND v.subject_id = x.sid "
        f"AND v.kind = {_q(p.kind)} AND v.occurred_at >= {s.instant(first)} "
        f"AND v.occurred_at < {s.instant(end)}{severe} AND {counted} "
        f"GROUP BY 1, 2"
    )
    value = {
        "count": "SUM(n)",
        "max_per_seller": "MAX(n)",
        "points_per_seller": "SUM(pts) / COUNT(*)",
    }[p.aggregate]
    return f"SELECT partner_id, {value} AS value FROM ({per_seller}) GROUP BY 1"


def _order(requests: Sequence[MetricRequest]) -> list[MetricRequest]:
    """Base metrics first, then derived metrics after what they read."""
    by_name = {r.name: r for r in requests}
    done: dict[str, MetricRequest] = {}

    def visit(r: MetricRequest, path: tuple[str, ...]) -> None:
        if r.name in done:
            return
        if r.name in path:
            raise PlanError(f"metrics {' → '.join((*path, r.name))} form a cycle")
        for dep in _depends_on(r):
            if dep not in by_name:
                raise PlanError(f"metric {r.name!r} reads {dep!r}, which the program lacks")
            visit(by_name[dep], (*path, r.name))
        done[r.name] = r

    for r in requests:
        visit(r, ())
    return list(done.values())


def _depends_on(r: MetricRequest) -> tuple[str, ...]:
    if isinstance(r.params, lib.RatioParams):
        return (r.params.numerator, r.params.denominator)
    if isinstance(r.params, lib.GrowthParams):
        return (r.params.of,)
    return ()


def _col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _value(expr: str) -> str:
    """A metric value as DECIMAL(38,10): exact for sums, rounded at 10 places for ratios."""
    return f"CAST({expr} AS {_VALUE})"


def compile_plan(requests: Sequence[MetricRequest], scope: Scope) -> str:
    """One SQL query: a row per partner in scope with `partner_id, market, joined_on` and a
    column per requested metric (exact decimals; null only where a metric has no value)."""
    plan = _Plan(scope, {})
    partners = plan.scope_partners()
    ordered = _order(requests)
    exprs: dict[str, str] = {}
    joined: list[str] = []

    def column(source: str, value: str) -> str:
        join = f"LEFT JOIN {source} USING (partner_id)"
        if join not in joined:
            joined.append(join)
        return f"{source}.{value}"

    fused = _fused_order_metrics(plan, ordered)
    checks: list[str] = []
    for name, ref in fused.items():
        if name.startswith(UNCONVERTED):
            column(ref, "nc")
            checks.append(
                f"{ref}.nc AS {_col(name + '_currency')}, {ref}.np AS {_col(name + '_at')}"
            )
            continue
        scan, col = ref.split(".")
        exprs[name] = f"COALESCE({column(scan, col)}, 0)"
    previous: _Plan | None = None
    for i, r in enumerate(ordered):
        params = r.params
        if r.name in exprs:
            continue
        if isinstance(params, lib.RatioParams):
            num, den = exprs[params.numerator], exprs[params.denominator]
            exprs[r.name] = f"CASE WHEN {den} = 0 THEN 0 ELSE CAST({num} AS DOUBLE) / {den} END"
            continue
        if isinstance(params, lib.GrowthParams):
            base = next(x for x in ordered if x.name == params.of)
            if previous is None:
                # The previous period's pieces share the one WITH list under their own names.
                previous = _Plan(replace(scope, period=scope.period.previous), plan.ctes, "prev_")
            prev_name = previous.cte(f"m{i}", _metric_sql(previous, base))
            cur = exprs[params.of]
            prv = f"COALESCE({column(prev_name, 'value')}, 0)"
            exprs[r.name] = (
                f"CASE WHEN {prv} = 0 THEN (CASE WHEN {cur} > 0 THEN 1 ELSE 0 END) "
                f"ELSE (CAST({cur} AS DOUBLE) - {prv}) / {prv} END"
            )
            continue
        alias = plan.cte(f"m{i}", _metric_sql(plan, r))
        nullable = r.metric == "creator_fact_mean" or (
            r.metric == "partner_fact"
            and isinstance(params, lib.PartnerFactParams)
            and params.default is None
        )
        default = "NULL" if nullable else "0"
        if isinstance(params, lib.PartnerFactParams) and params.default is not None:
            default = repr(params.default)
        exprs[r.name] = f"COALESCE({column(alias, 'value')}, {default})"
    with_sql = ",\n".join(f"{n} AS ({q})" for n, q in plan.ctes.items())
    cols = ", ".join([f"{_value(exprs[r.name])} AS {_col(r.name)}" for r in requests] + checks)
    body = (
        f"SELECT p.partner_id, p.market, p.joined_on, {cols} FROM {partners} p "
        f"{' '.join(joined)} ORDER BY p.partner_id"
    )
    return f"WITH {with_sql}\n{body}"
