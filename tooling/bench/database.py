"""Which database the benchmark runs on: its own, never the one the demo or a developer works in.

BENCH_DATABASE_URL when set; otherwise PostgreSQL's `cityops_bench` when PostgreSQL answers (created
if missing), otherwise SQLite at var/bench.sqlite3.
"""

import os
from pathlib import Path

from core.pg import answers, ensure_database

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/cityops_bench"


def bench_database_url(var_dir: Path) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if url:
        if url.startswith("postgres"):
            ensure_database(url)
        return url
    if answers(DEFAULT_PG):
        ensure_database(DEFAULT_PG)
        return DEFAULT_PG
    return f"sqlite:///{var_dir / 'bench.sqlite3'}"
