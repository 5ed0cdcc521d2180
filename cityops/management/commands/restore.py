"""`manage.py restore DIR --database-url URL --media-root PATH`: restore a backup into a new, empty
database and photo folder, then prove it is the backup: counts, row digests, photo checksums, and
check_invariants on the restored copy. Exits 1 naming every difference.

`--verify-only` skips the restore and re-checks an already restored copy (e.g. a standby, or after
someone touched it).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops import backup


class Command(BaseCommand):
    help = (
        "把 backup 生成的备份恢复到新的空数据库和照片目录，并逐项核对（行数、内容摘要、照片校验和、不变量）"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="backup 命令写出的备份目录")
        parser.add_argument(
            "--database-url", required=True, help="目标数据库，如 postgres://user@host:5432/cityops_restore"
        )
        parser.add_argument(
            "--media-root", required=True, type=Path, help="照片解包到的目录（须为空或不存在）"
        )
        parser.add_argument("--force", action="store_true", help="目标库已有表或照片目录非空时仍然覆盖")
        parser.add_argument(
            "--verify-only", action="store_true", help="不恢复，只核对已恢复的数据库和照片目录"
        )
        parser.add_argument("--skip-invariants", action="store_true", help="不运行 check_invariants")

    def handle(self, *, directory, database_url, media_root, force, verify_only, skip_invariants, **options):
        try:
            target = backup.Target.from_url(database_url)
            if verify_only:
                manifest = backup.read_manifest(directory)
            else:
                manifest = backup.restore(directory, target=target, media_root=media_root, force=force)
                self.stdout.write(f"已恢复到 {target.describe()}，照片解包到 {media_root}")
            problems = backup.verify(manifest, target=target, media_root=media_root)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None

        counts = manifest["counts"]
        if problems:
            for problem in problems:
                self.stdout.write(self.style.ERROR(f"[差异] {problem}"))
        else:
            self.stdout.write(
                f"[ok] 与备份清单一致：{len(counts)} 张表的行数，{len(manifest['digests'])} 张表的内容摘要，"
                f"{len(manifest['media']['files'])} 个照片文件的校验和"
            )
        if not skip_invariants:
            code, output = backup.run_invariants(target=target, media_root=media_root)
            if code:
                problems.append("check_invariants 未通过")
                self.stdout.write(self.style.ERROR("[差异] check_invariants 未通过："))
            else:
                self.stdout.write("[ok] check_invariants：")
            self.stdout.write("\n".join(f"       {line}" for line in output.splitlines()))
        if problems:
            raise CommandError(f"恢复结果与备份不一致：{len(problems)} 处差异（见上）", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"恢复并核对完成：案件 {counts.get('cases_case', 0)} 件"))
