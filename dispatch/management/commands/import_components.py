"""manage.py import_components FILE.csv — load or update the managed components (管理部件) inventory."""

from django.core.management.base import BaseCommand

from dispatch.importers import ComponentImportError, import_components, read_csv
from grids.commands import import_failed, progress_bar

PROGRESS_FROM = 2000  # smaller files finish before a bar is worth drawing


class Command(BaseCommand):
    help = (
        "从 CSV 导入管理部件（UTF-8 或 GB18030）。列：code, category_code, name, lng, lat, regulator, owner, "
        "maintainer（部门编码，可空）, status（完好/破损/丢失/废弃/移除 或 intact/damaged/lost/abandoned/removed，"
        "空为完好）, address（可空）, grid_code（可空，空则按坐标定位；填写时须与坐标所在网格一致）。"
        "按部件编码新建或更新，接受旧标准 16 位编码；有任何错误时一条也不导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 文件路径，表头为第 1 行")

    def handle(self, *args, file: str, verbosity: int = 1, **options):
        progress = progress_bar(verbosity, PROGRESS_FROM)
        try:
            columns, records = read_csv(file)
            result = import_components(columns, records, progress=progress)
        except ComponentImportError as exc:
            raise import_failed(exc.errors) from None
        legacy = f"（其中旧标准 16 位编码 {result.legacy_codes} 个）" if result.legacy_codes else ""
        self.stdout.write(
            self.style.SUCCESS(f"导入完成：新建部件 {result.created} 个，更新 {result.updated} 个{legacy}。")
        )
