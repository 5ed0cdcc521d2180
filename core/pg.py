"""Plain psycopg2 connections from a database URL, for what Django's own connection cannot do:
reach the server before the project's database exists (the `postgres` maintenance database) and
CREATE or DROP a database (outside any transaction). Used by the test plugin, the benchmarks and
the load test."""

import dj_database_url


def connect(url: str, dbname: str | None = None, *, autocommit: bool = False, **options):
    """A connection to `dbname` (default: the URL's own database) on the URL's server."""
    import psycopg2  # not needed to import this module on a machine without PostgreSQL

    cfg = dj_database_url.parse(url)
    conn = psycopg2.connect(
        dbname=dbname or cfg["NAME"],
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        **options,
    )
    conn.autocommit = autocommit
    return conn


def answers(url: str) -> bool:
    """Whether the URL's server accepts a connection within 3 s (not installed, not running and
    refused all mean no)."""
    try:
        connect(url, "postgres", connect_timeout=3).close()
    except Exception:
        return False
    return True


def ensure_database(url: str) -> None:
    """CREATE the URL's database unless it exists."""
    name = dj_database_url.parse(url)["NAME"]
    conn = connect(url, "postgres", autocommit=True, connect_timeout=3)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def recreate_from_template(url: str, template_url: str) -> None:
    """DROP the URL's database and CREATE it anew as a copy of the template's (a file copy)."""
    name, template = (dj_database_url.parse(u)["NAME"] for u in (url, template_url))
    conn = connect(url, "postgres", autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        conn.close()
