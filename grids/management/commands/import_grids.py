"""manage.py import_grids FILE.geojson — load or update the unit grids (单元网格) from a FeatureCollection."""

from django.core.management.base import BaseCommand

from grids.commands import import_failed, progress_bar
from grids.importers import GridImportError, import_grids, load_geojson

PROGRESS_FROM = 500  # smaller files finish before a bar is worth drawing


class Command(BaseCommand):
    help = (
        "从 GeoJSON FeatureCollection 导入单元网格（每个要素一个网格，properties 含 district/street/community/grid "
        "的 code 与 name，可选 inspectors 用户名列表）。按网格编码新建或更新：从不重新编号，"
        "也从不删除文件中没有的网格。整个文件要么全部导入，要么（有任何错误时）一条也不导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件路径（UTF-8）")

    def handle(self, *args, file: str, verbosity: int = 1, **options):
        progress = progress_bar(verbosity, PROGRESS_FROM)
        try:
            result = import_grids(load_geojson(file), progress=progress)
        except GridImportError as exc:
            raise import_failed(exc.errors) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成：新建网格 {result.created} 个，更新 {result.updated} 个；"
                f"涉及区 {result.districts} 个、街道 {result.streets} 个、社区 {result.communities} 个。"
            )
        )
