"""Counting the rows of an admin list without reading a big table.

On PostgreSQL a list is counted exactly up to `EXACT_UP_TO` rows and estimated by the planner
beyond (from the statistics autovacuum keeps, scaled to the table's current size): a page costs
the same, in time and in queries, at a thousand rows or ten million. Every list on other
databases (SQLite in development) is counted exactly. An estimate that is a little off only
moves where the last page ends.
"""

import json

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

#: Lists of up to this many rows are counted exactly; counting them stays cheap.
EXACT_UP_TO = 10_000


def _bare(queryset):
    """The rows of `queryset` without what does not change their number: the ordering (which
    would make counting up to a limit walk an index in that order) and joined columns."""
    return queryset.order_by().select_related(None)


def planned_rows(queryset) -> int:
    """How many rows PostgreSQL's planner expects `queryset` to return (EXPLAIN, not run)."""
    try:
        sql, params = _bare(queryset).query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing, such as `pk__in=[]`
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A paginator for admin lists of tables that grow without bound (`LargeTableMixin`)."""

    #: Whether `count` is the planner's estimate rather than an exact count.
    count_is_estimate = False
    #: Rows counted exactly at most (None: `EXACT_UP_TO`).
    exact_up_to: int | None = None

    @cached_property
    def count(self) -> int:
        """Two queries at any size on PostgreSQL: the planner's estimate and an exact count
        bounded by `EXACT_UP_TO`, which is the answer when the list is no longer than that."""
        queryset = self.object_list
        if connections[queryset.db].vendor != "postgresql":
            return super().count
        exact_up_to = self.exact_up_to or EXACT_UP_TO
        estimate = planned_rows(queryset)
        counted = _bare(queryset)[: exact_up_to + 1].count()
        if counted <= exact_up_to:
            return counted
        self.count_is_estimate = True
        return max(estimate, counted)
