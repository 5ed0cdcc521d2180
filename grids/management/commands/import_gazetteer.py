"""manage.py import_gazetteer FILE.csv|FILE.geojson — the address register (地名地址) for hotline intake."""

from django.core.management.base import BaseCommand

from grids.commands import import_failed
from grids.gazetteer_import import GazetteerImportError, import_places, read_rows


class Command(BaseCommand):
    help = (
        "导入地名地址库（门牌、兴趣点、社区、道路），供热线工单按地址定位。CSV 列：name, kind, lng, lat，"
        "可选 road, house_number, aliases（空格分隔）, community（社区编码）；GeoJSON 为同名属性的点要素。"
        "已有的同类型、同名称、同道路门牌的条目更新位置和别名。有任何错误时一条也不导入，并按行列出问题。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 GeoJSON 文件路径（UTF-8，WGS-84）")

    def handle(self, *args, file: str, **options):
        try:
            result = import_places(read_rows(file))
        except GazetteerImportError as exc:
            raise import_failed(exc.errors) from None
        self.stdout.write(
            self.style.SUCCESS(f"导入完成：新建地名 {result.created} 个，更新 {result.updated} 个。")
        )
