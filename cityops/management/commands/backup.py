"""`manage.py backup DIR`: pg_dump of the database, a tar of the photos and a manifest to verify them.

See cityops/backup.py for what is in a backup and why it is consistent; README (Operations) for when
to run it. PostgreSQL only: on SQLite it explains how to copy the file instead.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cityops import backup


class Command(BaseCommand):
    help = "备份数据库（pg_dump 自定义格式）与照片目录，并写出供恢复时核对的 manifest.json"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="备份目录（不存在则创建；须为空目录）")
        parser.add_argument(
            "--database", default="default", help="settings.DATABASES 中的别名（默认 default）"
        )

    def handle(self, *, directory: Path, database: str, verbosity: int, **options):
        if database not in settings.DATABASES:
            raise CommandError(f"settings.DATABASES 中没有别名 {database!r}")
        try:
            result = backup.backup(directory, db=settings.DATABASES[database], media_root=settings.MEDIA_ROOT)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        if verbosity:
            counts = manifest["counts"]
            self.stdout.write(
                f"数据库 {manifest['database']['name']}：案件 {counts.get('cases_case', 0)} 件，"
                f"事件 {counts.get('cases_caseevent', 0)} 条，照片 {counts.get('cases_casephoto', 0)} 张；"
                f"照片文件 {len(manifest['media']['files'])} 个"
            )
        for name in result.missing_files:
            self.stderr.write(self.style.WARNING(f"警告：数据库引用的文件 {name} 不存在，未能备份"))
        if verbosity:  # -v0 prints nothing on success: cron mails only a failure or a warning
            self.stdout.write(self.style.SUCCESS(f"备份完成：{result.directory}"))
