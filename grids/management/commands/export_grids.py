"""manage.py export_grids [FILE] — write every unit grid as the FeatureCollection import_grids reads."""

import json

from django.core.management.base import BaseCommand

from grids.importers import export_grids


class Command(BaseCommand):
    help = "将全部单元网格导出为 GeoJSON FeatureCollection（与 import_grids 的格式相同）；不给文件名时写到标准输出。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="输出文件路径；省略则写到标准输出")

    def handle(self, *args, file: str | None = None, **options):
        data = export_grids()
        text = json.dumps(data, ensure_ascii=False, indent=1)
        if file:
            with open(file, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stdout.write(self.style.SUCCESS(f"已导出 {len(data['features'])} 个网格到 {file}"))
        else:
            self.stdout.write(text)  # nothing else goes to stdout, so `export_grids > x.geojson` works
