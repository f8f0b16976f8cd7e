"""ISV metrics over apps, subscriptions and API calls: `published_apps`,
`subscribed_sellers`, `active_subscriptions`, `api_calls_per_day`."""

from __future__ import annotations

from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers.base import RelationCompiler, params_of
from tierwise.metrics.compilers.registry import register
from tierwise.metrics.fragments import FAR, SCALE, day
from tierwise.metrics.nodes import Node
from tierwise.metrics.relations import Relations
from tierwise.metrics.scope import MetricRequest


def published_apps(on: str) -> str:
    """The apps published on the day."""
    return (
        f"SELECT app_id, partner_id FROM apps WHERE status = 'published' AND published_on <= {on}"
    )


@register
class PublishedApps(RelationCompiler):
    metric = "published_apps"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.IsvParams)
        apps = published_apps(day(rel.scope.day(p.on)))
        return Node(self.metric, f"SELECT partner_id, COUNT(*) AS value FROM ({apps}) GROUP BY 1")


class SubscriptionCompiler(RelationCompiler):
    """A count over the subscriptions to the ISV's published apps active on the day."""

    count: str

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.IsvParams)
        on = day(rel.scope.day(p.on))
        return Node(
            self.metric,
            f"SELECT a.partner_id, {self.count} AS value FROM subscriptions s "
            f"JOIN ({published_apps(on)}) a ON a.app_id = s.app_id WHERE s.started_on <= {on} "
            f"AND COALESCE(s.ended_on, {FAR}) > {on} GROUP BY 1",
        )


@register
class SubscribedSellers(SubscriptionCompiler):
    metric = "subscribed_sellers"
    count = "COUNT(DISTINCT s.seller_id)"


@register
class ActiveSubscriptions(SubscriptionCompiler):
    metric = "active_subscriptions"
    count = "COUNT(*)"


@register
class ApiCallsPerDay(RelationCompiler):
    metric = "api_calls_per_day"

    def relation(self, rel: Relations, request: MetricRequest) -> Node:
        p = params_of(request, lib.ApiParams)
        first, end = rel.scope.window(p.window)
        n_days = (end - first).days
        return Node(
            self.metric,
            f"SELECT a.partner_id, CAST(SUM(c.calls) AS DECIMAL(38,{SCALE})) / {n_days} AS value "
            f"FROM api_calls c JOIN apps a ON a.app_id = c.app_id "
            f"WHERE c.day >= {day(first)} AND c.day < {day(end)} GROUP BY 1",
        )
