"""Middleware of the benchmark servers only: what SQL a request sent, in response headers.

- `X-Query-Count`: the number of statements;
- `X-Query-Ms`: the time they took, as the server saw it;
- `X-Query-Slowest`: the slowest one, its time in ms then its text (placeholders, no values),
  on one line, with a long column list cut to `...` (what follows FROM tells more).

It is the outermost middleware, so it counts the session, authentication and message queries
as well as the view's. Statements are counted as Django's cursors send them (BEGIN and COMMIT
of a transaction are not statements of the cursor, and neither is the connection health check).
"""

import re
import time

from django.db import connection

SQL_SHOWN = 400  # characters of the slowest statement
#: A column list longer than this is cut: `SELECT "t"."a", "t"."b", ... FROM` → `SELECT ... FROM`.
COLUMNS = re.compile(r"^(SELECT (?:DISTINCT )?)(.{60,}?)( FROM )")


def shown(sql: str) -> str:
    text = COLUMNS.sub(r"\1...\3", " ".join(sql.split()), count=1)
    return text[:SQL_SHOWN].encode("ascii", "replace").decode()


def query_count_middleware(get_response):
    def middleware(request):
        count, total, slowest, slowest_sql = 0, 0.0, 0.0, ""

        def counter(execute, sql, params, many, context):
            nonlocal count, total, slowest, slowest_sql
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                elapsed = time.perf_counter() - started
                count, total = count + 1, total + elapsed
                if elapsed >= slowest:
                    slowest, slowest_sql = elapsed, sql

        with connection.execute_wrapper(counter):
            response = get_response(request)
        response["X-Query-Count"] = str(count)
        response["X-Query-Ms"] = f"{total * 1000:.2f}"
        response["X-Query-Slowest"] = f"{slowest * 1000:.2f} {shown(slowest_sql)}"
        return response

    return middleware
