"""`manage.py backup` / `restore` (issue 8): a backup restored into a brand-new database is the same
district — every case, event, photo row and photo file — the invariants hold on it, and a restored copy
that someone tampers with is reported, naming what differs.

pg_dump reads committed data through its own connection, hence transactional_db.
"""

import io
import json
import uuid

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases import services as s
from cases.workflow import Status
from cityops import backup
from tests.cases.conftest import case_in, hotline_report, photo, report

COMPARED_TABLES = ("cases_case", "cases_caseevent", "cases_casephoto", "cases_caserequest", "cases_timedstep")


def run(command: str, *args, **options) -> tuple[int, str]:
    """A management command's exit code and what it printed (stdout and stderr together)."""
    out = io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=out, **options)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def source_target() -> backup.Target:
    return backup.Target.from_settings(connection.settings_dict)


@pytest.fixture
def fresh_database():
    """A brand-new empty PostgreSQL database on the test server; its URL, dropped afterwards."""
    source = source_target()
    name = f"cityops_restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(
        dbname="postgres",
        user=source.user or None,
        password=source.password or None,
        host=source.host or None,
        port=source.port or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    target = backup.Target(
        name=name, user=source.user, password=source.password, host=source.host, port=source.port
    )
    yield target
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def url(target: backup.Target) -> str:
    return backup._database_url(target)


def rows(target: backup.Target, table: str) -> list[tuple]:
    with target.connect() as conn, conn.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY id')
        result = cursor.fetchall()
    conn.close()
    return result


@pytest.fixture
def district(transactional_db, world, media_root):
    """Cases in every state through the services, with photos at each photographed step, a rework,
    an extension and a hotline ticket: events, requests, steps and photo files of every kind."""
    cases = [case_in(world, status) for status in Status]
    reworked = case_in(world, Status.PENDING_CHECK)
    s.case_check(case=reworked, actor=world.p.inspector, passed=False, note="未清理干净", photos=[photo()])
    extended = case_in(world, Status.IN_PROGRESS, pending="extension")
    s.case_approve_extension(case=extended, actor=world.p.dispatcher)
    cases += [
        reworked,
        extended,
        report(world, self_resolved=True, after_photos=[photo()], description="已自行清理", photos=[photo()]),
        hotline_report(world),
    ]
    return cases


@pytest.mark.postgres
@pytest.mark.usefixtures("fast_passwords")
def test_a_backup_restores_into_a_fresh_database_identical_and_tampering_is_reported(
    district, media_root, fresh_database, tmp_path
):
    backup_dir = tmp_path / "backup-2026-11-22"
    code, output = run("backup", str(backup_dir))
    assert code == 0, output
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["cases_case"] == len(district)
    assert manifest["media"]["files"] and not manifest["media"]["missing"]

    restored_media = tmp_path / "restored-media"
    code, output = run(
        "restore", str(backup_dir), database_url=url(fresh_database), media_root=str(restored_media)
    )

    assert code == 0, output
    assert "[ok] 与备份清单一致" in output
    assert "全部不变量成立" in output  # check_invariants ran against the restored copy
    source = source_target()
    for table in COMPARED_TABLES:
        original = rows(source, table)
        assert original, f"{table} is empty: the district should fill it"
        assert rows(fresh_database, table) == original, f"{table} differs after the restore"
    photos = rows(source, "cases_casephoto")
    image_column = [
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "cases_casephoto")
    ]
    for row in photos:
        record = dict(zip(image_column, row, strict=True))
        for column in ("image", "thumbnail"):
            name = record[column]
            assert (restored_media / name).read_bytes() == (media_root / name).read_bytes(), name

    # Tampering: a photo file disappears from the restored copy.
    gone = dict(zip(image_column, photos[0], strict=True))["image"]
    (restored_media / gone).unlink()
    code, output = run(
        "restore",
        str(backup_dir),
        database_url=url(fresh_database),
        media_root=str(restored_media),
        verify_only=True,
    )
    assert code == 1
    assert f"引用的文件 {gone} 在恢复后的照片目录中不存在" in output
    assert "check_invariants 未通过" in output  # the invariants see the missing file too


@pytest.mark.postgres
@pytest.mark.usefixtures("fast_passwords")
def test_a_changed_row_and_a_changed_photo_are_named(district, media_root, fresh_database, tmp_path):
    backup_dir = tmp_path / "backup"
    assert run("backup", str(backup_dir))[0] == 0
    restored_media = tmp_path / "restored-media"
    assert (
        run("restore", str(backup_dir), database_url=url(fresh_database), media_root=str(restored_media))[0]
        == 0
    )

    with fresh_database.connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET description = description || '（被改动）' WHERE id = %s", [district[0].pk]
        )
        cursor.execute("SELECT image FROM cases_casephoto ORDER BY id LIMIT 1")
        name = cursor.fetchone()[0]
    conn.close()
    (restored_media / name).write_bytes(b"not the photo")

    code, output = run(
        "restore",
        str(backup_dir),
        database_url=url(fresh_database),
        media_root=str(restored_media),
        verify_only=True,
        skip_invariants=True,
    )
    assert code == 1
    assert "表 cases_case 的内容摘要不同" in output
    assert f"引用的文件 {name} 校验和不符" in output


@pytest.mark.postgres
@pytest.mark.usefixtures("fast_passwords")
def test_restore_refuses_a_database_that_has_tables(district, tmp_path):
    backup_dir = tmp_path / "backup"
    assert run("backup", str(backup_dir))[0] == 0

    # The test database itself is anything but empty.
    code, output = run(
        "restore", str(backup_dir), database_url=url(source_target()), media_root=str(tmp_path / "m")
    )

    assert code == 1
    assert "不是空库" in output and "--force" in output


@pytest.mark.postgres
def test_backup_refuses_a_directory_that_is_not_empty(transactional_db, tmp_path):
    (tmp_path / "old.dump").write_text("x")
    code, output = run("backup", str(tmp_path))
    assert code == 1
    assert "不是空目录" in output


def test_restore_of_an_unfinished_backup_says_so(tmp_path):
    (tmp_path / "database.dump").write_bytes(b"")
    code, output = run(
        "restore",
        str(tmp_path),
        database_url="postgres://postgres@127.0.0.1/x",
        media_root=str(tmp_path / "m"),
    )
    assert code == 1
    assert "没有 manifest.json" in output


def test_the_password_is_never_printed():
    target = backup.Target.from_url("postgres://cityops:s3cret-pw@db.internal:5433/cityops")
    assert target.describe() == "cityops@db.internal:5433/cityops"
    assert "s3cret-pw" not in repr(target)
    assert "s3cret-pw" not in " ".join(target.cli_args())
    assert target.cli_env()["PGPASSWORD"] == "s3cret-pw"  # handed to pg_dump in its environment only


def test_sqlite_is_explained(settings, tmp_path):
    settings.DATABASES = {
        **settings.DATABASES,
        "embedded": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/cityops/var/cityops.sqlite3"},
    }
    code, output = run("backup", str(tmp_path / "b"), database="embedded")
    assert code == 1
    assert "只支持 PostgreSQL" in output and "直接复制该数据库文件" in output
    assert "/srv/cityops/var/cityops.sqlite3" in output

    code, output = run(
        "restore", str(tmp_path), database_url="sqlite:///var/x.sqlite3", media_root=str(tmp_path / "m")
    )
    assert code == 1
    assert "只支持 PostgreSQL" in output
