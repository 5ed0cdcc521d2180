"""Which database the benchmark runs on: its own, never the one the demo or a developer works in.

BENCH_DATABASE_URL when set; otherwise PostgreSQL's `cityops_bench` when PostgreSQL answers (created
if missing), otherwise SQLite at var/bench.sqlite3.
"""

import os
from pathlib import Path

import dj_database_url

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/cityops_bench"


def bench_database_url(var_dir: Path) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if url:
        if url.startswith("postgres"):
            ensure_postgres_database(url)
        return url
    if _postgres_answers(DEFAULT_PG):
        ensure_postgres_database(DEFAULT_PG)
        return DEFAULT_PG
    return f"sqlite:///{var_dir / 'bench.sqlite3'}"


def _connect(url: str, dbname: str | None = None):
    import psycopg2

    cfg = dj_database_url.parse(url)
    return psycopg2.connect(
        dbname=dbname or cfg["NAME"],
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        connect_timeout=3,
    )


def _postgres_answers(url: str) -> bool:
    try:
        _connect(url, "postgres").close()
    except Exception:  # not installed, not running, refused: any of them means "use SQLite"
        return False
    return True


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE unless it exists (it cannot run in a transaction, hence autocommit)."""
    name = dj_database_url.parse(url)["NAME"]
    conn = _connect(url, "postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
