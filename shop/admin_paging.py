"""Counting the rows of an admin list without reading a big table.

On PostgreSQL an unfiltered list takes the table's row estimate (`pg_class.reltuples`, kept up
to date by autovacuum), and a filtered or searched one is counted exactly up to `EXACT_UP_TO`
rows and estimated by the planner beyond: a page costs the same at a thousand rows or ten
million. Small tables, and every list on other databases (SQLite in development), are counted
exactly. An estimate that is a little off only moves where the last page ends.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

#: Lists of up to this many rows are counted exactly; counting them stays cheap.
EXACT_UP_TO = 10_000


def estimated_rows(model, *, using: str = "default") -> int | None:
    """The planner's estimate of the rows in `model`'s table, or None where there is none (not
    PostgreSQL, or a table never vacuumed or analysed)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row is not None and row[0] >= 0 else None


def _bare(queryset):
    """The rows of `queryset` without what does not change their number: the ordering (which
    would make counting up to a limit walk an index in that order) and joined columns."""
    return queryset.order_by().select_related(None)


def planned_rows(queryset) -> int:
    """How many rows PostgreSQL's planner expects `queryset` to return (EXPLAIN, not run)."""
    sql, params = _bare(queryset).query.sql_with_params()
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

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connections[queryset.db].vendor != "postgresql":
            return super().count
        if not queryset.query.has_filters():
            estimate = estimated_rows(queryset.model, using=queryset.db)
            if estimate is not None and estimate > EXACT_UP_TO:
                self.count_is_estimate = True
                return estimate
        counted = _bare(queryset)[: EXACT_UP_TO + 1].count()
        if counted <= EXACT_UP_TO:
            return counted
        self.count_is_estimate = True
        return max(planned_rows(queryset), counted)
