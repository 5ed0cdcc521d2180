"""`manage.py kpi_rollup --from DATE --to DATE`: roll up every case with an event on each day.

Without dates: from the first to the last day with any event. `--rebuild` empties the facts and
rollups first (a recompute from scratch, which equals the incremental result).
"""

import datetime as dt
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kpi import rollup


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期 {value!r} 无效，应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "重算综合评价汇总（按日，含进度条）：重算这些日期有事件的案件及其涉及的汇总格"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=_date, help="起始日期 YYYY-MM-DD（默认最早事件日）")
        parser.add_argument("--to", dest="end", type=_date, help="截止日期 YYYY-MM-DD（默认最近事件日）")
        parser.add_argument("--rebuild", action="store_true", help="先清空全部事实与汇总表，从头重算")

    def handle(self, *, start, end, rebuild, verbosity, **options):
        if start and end and start > end:
            raise CommandError("--from 不能晚于 --to")
        if rebuild:
            rollup.clear()
        span = rollup.event_days() if not (start and end) else (start, end)
        if span is None:
            self.stdout.write("没有任何案件事件，无需汇总")
            return
        start, end = start or span[0], end or span[1]
        if start > end:
            raise CommandError("--from 不能晚于 --to")
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        began, cases = time.monotonic(), 0
        bar = tqdm(days, desc="汇总", unit="天", file=sys.stderr, disable=verbosity < 1)
        for day in bar:
            result = rollup.rollup_day(day, force=True)
            cases += result.cases
            bar.set_postfix_str(f"{day} 案件 {result.cases}")
        seconds = time.monotonic() - began
        self.stdout.write(
            self.style.SUCCESS(f"已汇总 {len(days)} 天（{start} 至 {end}）")
            + f"：涉及案件 {cases} 件次，{seconds:.1f} s，{len(days) / seconds * 60 if seconds else 0:.0f} 天/分钟"
        )
