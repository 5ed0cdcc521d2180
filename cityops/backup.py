"""Backup and verified restore of a CityOps installation: the PostgreSQL database and the photos.

A backup is a directory of three files:

- database.dump   pg_dump's custom format, taken from one exported snapshot;
- media.tar       the photo files under MEDIA_ROOT;
- manifest.json   written last (a directory without it is an unfinished backup): when, the applied
                  migrations, row counts of every table of our apps, an md5 digest of each core table's
                  rows in id order, the sha256 of every file in media.tar, and the sha256 of the two
                  archives themselves.

The counts and digests are computed inside the same REPEATABLE READ transaction whose snapshot pg_dump
dumps (`pg_dump --snapshot`), so the manifest describes exactly the rows in the dump even while the
site keeps taking reports. Photo files are saved before their row commits, so every file a row of the
snapshot names is complete when it is archived.

Restore refuses a database that already has tables (unless forced), runs pg_restore, unpacks the
photos, and then compares the restored database and files with the manifest. Both sides of each
comparison are computed by the same functions over plain psycopg2 connections, so the restore does
not depend on the Django settings pointing at the restored database; `check_invariants` is then run
against it in a subprocess that does.

SQLite (the embedded demo) is not supported: copy the database file and MEDIA_ROOT while the site is
stopped.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg2
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

DUMP_NAME = "database.dump"
MEDIA_NAME = "media.tar"
MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1

# Apps whose tables are counted; `cityops` holds the users, so it is counted too.
COUNTED_APPS = ("cityops", "grids", "dispatch", "cases", "kpi")
# Tables whose every row (all columns, in id order) goes into a digest: the case history itself.
DIGESTED_TABLES = ("cases_case", "cases_caseevent", "cases_casephoto", "cases_caserequest", "cases_timedstep")
HASH_CHUNK = 1 << 20
ROWS_PER_FETCH = 5000


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# ---------------------------------------------------------------- connection parameters


@dataclass(frozen=True)
class Target:
    """Where a PostgreSQL database is; `password` never leaves this object except as PGPASSWORD."""

    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: dict = field(default_factory=dict)

    @classmethod
    def from_settings(cls, db: dict) -> "Target":
        require_postgresql(db)
        return cls(
            name=db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or "",
            port=str(db.get("PORT") or ""),
            options={k: v for k, v in (db.get("OPTIONS") or {}).items() if k in ("sslmode", "sslrootcert")},
        )

    @classmethod
    def from_url(cls, url: str) -> "Target":
        try:
            db = dj_database_url.parse(url)
        except Exception as exc:
            raise BackupError(f"无法解析数据库地址：{exc}") from None
        if not db.get("NAME"):
            raise BackupError("数据库地址缺少数据库名，例如 postgres://user@host:5432/cityops_restore")
        return cls.from_settings(db)

    def describe(self) -> str:
        """user@host:port/name, without the password: safe to print and log."""
        where = f"{self.host or 'localhost'}:{self.port or 5432}"
        return f"{self.user + '@' if self.user else ''}{where}/{self.name}"

    def connect(self):
        return psycopg2.connect(
            dbname=self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            **self.options,
        )

    def cli_args(self) -> list[str]:
        """-h/-p/-U for pg_dump and pg_restore; the database name is passed by the caller."""
        args = []
        for flag, value in (("--host", self.host), ("--port", self.port), ("--username", self.user)):
            if value:
                args += [flag, value]
        return [*args, "--no-password"]

    def cli_env(self) -> dict:
        env = {**os.environ}
        if self.password:
            env["PGPASSWORD"] = self.password
        if "sslmode" in self.options:
            env["PGSSLMODE"] = str(self.options["sslmode"])
        return env


def require_postgresql(db: dict) -> None:
    engine = db.get("ENGINE", "")
    if "postgresql" in engine:
        return
    if "sqlite" in engine:
        raise BackupError(
            f"备份与恢复只支持 PostgreSQL（pg_dump / pg_restore）。当前数据库是 SQLite（{db.get('NAME')}）："
            "请停止网站、worker 和 beat 后直接复制该数据库文件，并一并复制 MEDIA_ROOT 目录"
            f"（{settings.MEDIA_ROOT}）。"
        )
    raise BackupError(f"备份与恢复只支持 PostgreSQL，当前数据库引擎为 {engine or '（未设置）'}")


def _run(args: list[str], target: Target, what: str) -> None:
    """Run a PostgreSQL client tool; a failure is a BackupError carrying its stderr."""
    if shutil.which(args[0]) is None:
        raise BackupError(
            f"找不到 {args[0]}：请安装与服务器版本一致的 PostgreSQL 客户端（postgresql-client）"
        )
    done = subprocess.run(args, env=target.cli_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what}失败（{args[0]} 退出码 {done.returncode}）：{done.stderr.strip()}")


# ---------------------------------------------------------------- what the manifest records


def counted_tables() -> list[str]:
    """Every table of the counted apps, many-to-many tables included, sorted."""
    tables = {
        model._meta.db_table
        for label in COUNTED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every file field: where the database names files under MEDIA_ROOT."""
    found = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                found.add((model._meta.db_table, f.column))
    return sorted(found)


def row_counts(cursor, tables: Iterable[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def table_digest(conn, table: str) -> str:
    """md5 over the text of every row (all columns) in id order, streamed: constant memory.

    The row text depends on the session's time zone (timestamps) only, which is pinned to UTC here.
    """
    with conn.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
    digest = hashlib.md5(usedforsecurity=False)
    with conn.cursor(name=f"digest_{table}") as cursor:
        cursor.itersize = ROWS_PER_FETCH
        cursor.execute(f'SELECT t::text FROM "{table}" t ORDER BY t.id')
        for (text,) in cursor:
            digest.update(text.encode())
            digest.update(b"\n")
    return digest.hexdigest()


def applied_migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    state: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        state.setdefault(app, []).append(name)
    return state


def referenced_files(cursor, columns: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Each file name the database refers to → the rows naming it ("table.column#id")."""
    refs: dict[str, list[str]] = {}
    for table, column in columns:
        cursor.execute(f'SELECT id, "{column}" FROM "{table}" WHERE "{column}" <> \'\' ORDER BY id')
        for pk, name in cursor.fetchall():
            refs.setdefault(name, []).append(f"{table}.{column}#{pk}")
    return refs


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> Iterator[str]:
    """Every regular file under root, as a relative POSIX name, sorted."""
    if not root.is_dir():
        return
    names = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                names.append(path.relative_to(root).as_posix())
    yield from sorted(names)


# ---------------------------------------------------------------- backup


@dataclass
class BackupResult:
    directory: Path
    manifest: dict
    missing_files: list[str]


def backup(directory: Path, *, db: dict, media_root: Path) -> BackupResult:
    """Write database.dump, media.tar and manifest.json into `directory` (new or empty)."""
    target = Target.from_settings(db)
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"备份目录 {directory} 不是空目录：每次备份请使用新目录，例如按日期命名")
    directory.mkdir(parents=True, exist_ok=True)
    media_root = Path(media_root)

    conn = target.connect()
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            # pg_dump reads the same snapshot while this transaction holds it open.
            _run(
                [
                    "pg_dump",
                    *target.cli_args(),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={directory / DUMP_NAME}",
                    target.name,
                ],
                target,
                "pg_dump 导出数据库",
            )
            # Only tables that exist: code a migration ahead of the database must not break the backup.
            existing = set(existing_tables(cursor))
            tables = [t for t in counted_tables() if t in existing]
            columns = [c for c in file_columns() if c[0] in existing]
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "database": {"name": target.name, "server_version": server_version},
                "migrations": applied_migrations(cursor),
                "counts": row_counts(cursor, tables),
                "digests": {
                    table: table_digest(conn, table) for table in DIGESTED_TABLES if table in existing
                },
                "file_columns": [list(c) for c in columns],
            }
            references = referenced_files(cursor, columns)
    finally:
        conn.close()

    files, missing = _archive_media(directory / MEDIA_NAME, media_root, references)
    manifest["media"] = {"root": str(media_root), "files": files, "missing": missing}
    manifest["archives"] = {name: sha256_file(directory / name) for name in (DUMP_NAME, MEDIA_NAME)}
    # Written last, through a temporary name: a manifest on disk means the backup is complete.
    partial = directory / (MANIFEST_NAME + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(directory / MANIFEST_NAME)
    return BackupResult(directory=directory, manifest=manifest, missing_files=missing)


def _archive_media(tar_path: Path, root: Path, references: dict[str, list[str]]) -> tuple[dict, list[str]]:
    """Tar the files under root; a file a row names but that is not there is reported, not invented.

    Files under cases/ that no row of the snapshot names are left out: they belong to a photo that
    committed after the snapshot (its row is not in the dump), or are orphans check_invariants reports.
    """
    files: dict[str, dict] = {}
    with tarfile.open(tar_path, "w") as tar:
        for name in media_files(root):
            if name.startswith("cases/") and name not in references:
                continue
            path = root / name
            files[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
            tar.add(path, arcname=name, recursive=False)
    missing = sorted(name for name in references if name not in files)
    return files, missing


# ---------------------------------------------------------------- restore and verification


def read_manifest(directory: Path) -> dict:
    directory = Path(directory)
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"{directory} 中没有 {MANIFEST_NAME}：不是完整的备份（备份可能中途失败）")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{path} 不是有效的 JSON：{exc}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path} 的格式版本 {manifest.get('format')!r} 不受支持（应为 {FORMAT_VERSION}）")
    return manifest


def check_archives(directory: Path, manifest: dict) -> list[str]:
    """The dump and the media tar are present and are the bytes the manifest recorded."""
    problems = []
    for name, expected in manifest["archives"].items():
        path = Path(directory) / name
        if not path.is_file():
            problems.append(f"备份文件 {name} 不存在")
        elif sha256_file(path) != expected:
            problems.append(f"备份文件 {name} 的校验和与清单不符（文件已损坏或被改动）")
    return problems


def existing_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        " ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def table_names(target: Target) -> list[str]:
    with target.connect() as conn, conn.cursor() as cursor:
        names = existing_tables(cursor)
    conn.close()
    return names


def restore(directory: Path, *, target: Target, media_root: Path, force: bool = False) -> dict:
    """pg_restore into `target` and unpack the photos into `media_root`; returns the manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if problems := check_archives(directory, manifest):
        raise BackupError("；".join(problems))
    try:
        existing = table_names(target)
    except psycopg2.OperationalError as exc:
        raise BackupError(
            f"无法连接目标数据库 {target.describe()}：{str(exc).strip()}（请先用 createdb 建好空库）"
        ) from None
    if existing and not force:
        raise BackupError(
            f"目标数据库 {target.describe()} 不是空库（已有 {len(existing)} 张表，如 {', '.join(existing[:3])}）："
            "请恢复到新建的空库，或加 --force 覆盖其中同名的表"
        )
    media_root = Path(media_root)
    if media_root.exists() and any(media_root.iterdir()) and not force:
        raise BackupError(f"照片目录 {media_root} 不是空目录：请指定新目录，或加 --force 覆盖")

    clean = ["--clean", "--if-exists"] if existing else []
    _run(
        [
            "pg_restore",
            *target.cli_args(),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *clean,
            f"--dbname={target.name}",
            str(directory / DUMP_NAME),
        ],
        target,
        "pg_restore 恢复数据库",
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / MEDIA_NAME) as tar:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        tar.extractall(media_root, filter="data")
    return manifest


def verify(manifest: dict, *, target: Target, media_root: Path) -> list[str]:
    """Every difference between the restored database + files and the manifest (empty: identical)."""
    problems = []
    media_root = Path(media_root)
    conn = target.connect()
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cursor:
            if (state := applied_migrations(cursor)) != manifest["migrations"]:
                problems.append(f"迁移状态不同：{_diff_keys(manifest['migrations'], state)}")
            counts = row_counts(cursor, manifest["counts"])
            for table, expected in manifest["counts"].items():
                if counts[table] != expected:
                    problems.append(f"表 {table} 行数不同：备份 {expected}，恢复后 {counts[table]}")
            for table, expected in manifest["digests"].items():
                if table_digest(conn, table) != expected:
                    problems.append(f"表 {table} 的内容摘要不同：行内容与备份时不一致")
            references = referenced_files(cursor, [tuple(c) for c in manifest["file_columns"]])
    except psycopg2.Error as exc:
        problems.append(f"读取恢复后的数据库失败：{str(exc).strip()}")
        references = {}
    finally:
        conn.close()

    files = manifest["media"]["files"]
    known_missing = set(manifest["media"]["missing"])
    for name, rows in sorted(references.items()):
        path = media_root / name
        if name in known_missing:
            problems.append(f"{rows[0]} 引用的文件 {name} 在备份时就已缺失")
        elif name not in files:
            problems.append(f"{rows[0]} 引用的文件 {name} 不在备份清单中")
        elif not path.is_file():
            problems.append(f"{rows[0]} 引用的文件 {name} 在恢复后的照片目录中不存在")
        elif sha256_file(path) != files[name]["sha256"]:
            problems.append(f"{rows[0]} 引用的文件 {name} 校验和不符（内容被改动）")
    for name, info in sorted(files.items()):
        if name in references:
            continue
        path = media_root / name
        if not path.is_file():
            problems.append(f"备份中的文件 {name} 在恢复后的照片目录中不存在")
        elif sha256_file(path) != info["sha256"]:
            problems.append(f"文件 {name} 校验和不符（内容被改动）")
    return problems


def _diff_keys(expected: dict, actual: dict) -> str:
    parts = []
    for app in sorted(set(expected) | set(actual)):
        gone = sorted(set(expected.get(app, [])) - set(actual.get(app, [])))
        extra = sorted(set(actual.get(app, [])) - set(expected.get(app, [])))
        if gone:
            parts.append(f"{app} 缺少 {', '.join(gone)}")
        if extra:
            parts.append(f"{app} 多出 {', '.join(extra)}")
    return "；".join(parts) or "顺序不同"


def run_invariants(*, target: Target, media_root: Path) -> tuple[int, str]:
    """`manage.py check_invariants` against the restored database and photos: (exit code, output)."""
    env = target.cli_env()
    env.pop("PGPASSWORD", None)
    env.update(
        DATABASE_URL=_database_url(target),
        MEDIA_ROOT=str(media_root),
        # A fresh process must not pick up a cache or broker that belongs to the live site.
        REDIS_URL="",
        CELERY_BROKER_URL="memory://",
    )
    with tempfile.TemporaryDirectory(prefix="cityops-restore-") as var_dir:
        env["CITYOPS_VAR_DIR"] = var_dir
        done = subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check_invariants", "--no-progress"],
            env=env,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
        )
    return done.returncode, (done.stdout + done.stderr).strip()


def _database_url(target: Target) -> str:
    from urllib.parse import quote

    auth = quote(target.user, safe="")
    if target.password:
        auth += ":" + quote(target.password, safe="")
    host = target.host or "localhost"
    port = f":{target.port}" if target.port else ""
    query = "&".join(f"{k}={v}" for k, v in target.options.items())
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(target.name, safe='')}" + (
        f"?{query}" if query else ""
    )
