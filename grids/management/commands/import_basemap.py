"""manage.py import_basemap FILE.geojson — road centre-lines and named places for the base map."""

from django.core.management.base import BaseCommand

from grids.basemap import BasemapImportError, import_basemap
from grids.commands import import_failed
from grids.importers import GridImportError, load_geojson


class Command(BaseCommand):
    help = (
        "从 GeoJSON 导入底图：有名称的线要素（LineString/MultiLineString）为道路中心线，有名称的点要素为地名。"
        "OpenStreetMap 的 highway 标签决定道路等级；带 @id/osm_id 的道路重复导入时更新。"
        "Shapefile 请先用 ogr2ogr 转为 GeoJSON。有任何错误时一条也不导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 文件路径（UTF-8，WGS-84）")

    def handle(self, *args, file: str, **options):
        try:
            result = import_basemap(load_geojson(file))
        except (BasemapImportError, GridImportError) as exc:
            raise import_failed(exc.errors) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成：新建道路 {result.roads_created} 条，更新 {result.roads_updated} 条；"
                f"新建地名 {result.places_created} 个；跳过无名称或非线/点要素 {result.skipped} 个。"
            )
        )
