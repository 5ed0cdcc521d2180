from django.core.management.base import BaseCommand, CommandError, CommandParser

from dispatch.categories import STANDARD, STANDARD_CSV, CategoryFileError, load_standard_categories


class Command(BaseCommand):
    help = "导入 GB/T 47678.5-2026 管理部件和事项分类（可重复运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", default=str(STANDARD_CSV), help="CSV 文件：kind,code,major_code,major_name,name"
        )

    def handle(self, *args, **options) -> None:
        try:
            created, updated = load_standard_categories(options["file"])
        except (OSError, CategoryFileError) as exc:
            raise CommandError(f"无法导入 {options['file']}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{STANDARD}：新增 {created} 个类别，更新 {updated} 个"))
