"""Helpers shared by the benchmarks: choosing, creating and connecting to the bench database.

A benchmark never touches the dev or test database: from DATABASE_URL `.../<name>` it uses
`.../<name>_bench` (or another suffix) on the same server (created when missing), and it
refuses anything that is not PostgreSQL. `prog` names the benchmark in error messages.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn
from urllib.parse import quote, unquote, urlsplit


def fail(message: str, *, prog: str) -> NoReturn:
    print(f"{prog}: {message}", file=sys.stderr)
    raise SystemExit(2)


def report_problems(problems: list[str]) -> int:
    """Prints what went wrong, framed on stderr; the exit status: 1 if anything did, else 0."""
    if not problems:
        return 0
    print("\n" + "!" * 72, file=sys.stderr)
    for problem in problems:
        print(f"!! {problem}", file=sys.stderr)
    print("!" * 72, file=sys.stderr)
    return 1


# --- database selection ----------------------------------------------------------------------


def bench_database_url(*, prog: str, suffix: str = "_bench") -> tuple[str, dict]:
    """DATABASE_URL with the database name replaced by `<name><suffix>`, and its parsed form."""
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        fail(
            "DATABASE_URL is not set; this benchmark needs PostgreSQL, e.g. `make bench`.",
            prog=prog,
        )
    config = environ.Env.db_url_config(url)
    engine = config.get("ENGINE", "")
    if "postgresql" not in engine and "postgis" not in engine:
        fail(
            f"refusing to run: DATABASE_URL is not PostgreSQL (engine {engine or 'unknown'}).",
            prog=prog,
        )
    name = config.get("NAME") or ""
    if not name:
        fail("DATABASE_URL names no database.", prog=prog)
    bench_name = f"{name}{suffix}"
    parts = urlsplit(url)
    bench_url = parts._replace(path="/" + quote(bench_name)).geturl()
    config["NAME"] = bench_name
    return bench_url, config


@contextmanager
def server_connection(config: dict, *, prog: str) -> Iterator:
    """An autocommit psycopg connection to the server's `postgres` database (to create, drop
    or describe databases), with the host and credentials of `config`."""
    import psycopg

    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        **{k: v for k, v in config.get("OPTIONS", {}).items() if isinstance(v, str | int)},
    }
    params = {k: v for k, v in params.items() if v is not None}
    try:
        db = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params)
    except psycopg.OperationalError as exc:
        fail(f"cannot reach PostgreSQL: {exc}", prog=prog)
    with db:
        yield db


def create_database_if_missing(config: dict, *, prog: str) -> bool:
    """Creates the bench database through the server's `postgres` database. True if created."""
    from psycopg import errors, sql

    name = unquote(config["NAME"])
    with server_connection(config, prog=prog) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        try:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except errors.DuplicateDatabase:
            return False  # created by a concurrent run
        return True


def configure_django(*, prog: str, settings_module: str = "shop.settings") -> str:
    """Points DATABASE_URL at the bench database (creating it when missing), sets Django up
    with `settings_module` and returns the database name. DEBUG is off unless DJANGO_DEBUG
    says otherwise, so Django does not time and keep every query."""
    bench_url, config = bench_database_url(prog=prog)
    created = create_database_if_missing(config, prog=prog)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ.setdefault("DJANGO_DEBUG", "false")

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        fail(
            f"refusing to run: Django is connected to {connection.vendor}, not PostgreSQL.",
            prog=prog,
        )
    name = connection.settings_dict["NAME"]
    if not name.endswith("_bench"):
        fail(f"refusing to run: {name!r} is not a bench database.", prog=prog)
    state = "created" if created else "existing"
    where = f"{config.get('HOST') or 'local socket'}:{config.get('PORT') or 5432}"
    print(f"Database: {name} on {where} ({state})")
    return name
