from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enforcement.importers import PartyImportError, import_parties


class Command(BaseCommand):
    help = "导入门前三包责任主体（CSV 或 xlsx；全部通过才写入，逐行列出错误）"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            result = import_parties(Path(path).read_bytes(), path)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from None
        except PartyImportError as exc:
            raise CommandError("\n".join(exc.errors)) from None
        self.stdout.write(f"新增 {result.created}，更新 {result.updated}，责任书 {result.letters}")
