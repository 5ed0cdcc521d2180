"""manage.py patrol_coverage [--day YYYY-MM-DD] — recompute a day's 面积覆盖率 per grid (default: today)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patrols.services import compute_coverage


class Command(BaseCommand):
    help = "按当天的巡查轨迹重新计算各网格的面积覆盖率、巡查里程和巡查时长（默认今天）。"

    def add_arguments(self, parser):
        parser.add_argument("--day", help="日期 YYYY-MM-DD")

    def handle(self, *args, day=None, **options):
        try:
            when = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from None
        n = compute_coverage(when)
        self.stdout.write(self.style.SUCCESS(f"{when}：{n} 个网格有巡查"))
