"""`manage.py check_invariants`: every case agrees with its events, its clock and its photo files.

Exits 1 and names each broken case (the first --max-listed per check, with the total); read-only.
The checks themselves are in cases/invariants.py.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cases import invariants
from cases.models import Case

TITLES = {
    "replay": "状态与事件回放一致",
    "steps": "运行中的环节时限",
    "counters": "计数与时间戳",
    "files": "照片文件",
}


class Command(BaseCommand):
    help = "检查案件不变量：状态=事件回放、环节时限与亮灯、计数与事件一致、照片文件无孤立无缺失"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="只检查按 id 排序的前 N 件案件")
        parser.add_argument(
            "--case", dest="numbers", action="append", metavar="NUMBER", help="只检查该编号的案件（可重复）"
        )
        parser.add_argument("--skip-files", action="store_true", help="不检查照片文件")
        parser.add_argument(
            "--chunk", type=int, default=invariants.CHUNK, help=f"每批案件数（默认 {invariants.CHUNK}）"
        )
        parser.add_argument(
            "--max-listed",
            type=int,
            default=invariants.MAX_LISTED,
            help=f"每项检查最多列出的问题数（默认 {invariants.MAX_LISTED}）",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *, limit, numbers, skip_files, chunk, max_listed, no_progress, verbosity, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit 须为正整数")
        if chunk < 1:
            raise CommandError("--chunk 须为正整数")
        if numbers:
            known = set(Case.objects.filter(number__in=numbers).values_list("number", flat=True))
            if unknown := [n for n in numbers if n not in known]:
                raise CommandError(f"案件不存在：{', '.join(unknown)}")

        total = len(numbers) if numbers else Case.objects.count()
        if limit is not None:
            total = min(total, limit)
        bar = tqdm(
            total=total,
            unit="件",
            desc="检查案件",
            file=sys.stderr,
            disable=no_progress or verbosity == 0 or not sys.stderr.isatty(),
        )
        started = time.monotonic()
        with bar:
            report = invariants.run(
                chunk=chunk,
                limit=limit,
                numbers=numbers,
                files=not skip_files,
                listed=max_listed,
                on_range=bar.update,
            )
        seconds = time.monotonic() - started

        for name in invariants.CHECK_NAMES:
            if name == "files" and skip_files:
                self.stdout.write(f"[skip] {TITLES[name]}")
                continue
            count = report.counts[name]
            if not count:
                self.stdout.write(f"[ok]   {TITLES[name]}")
                continue
            self.stdout.write(self.style.ERROR(f"[FAIL] {TITLES[name]}：{count} 处问题"))
            for problem in report.shown[name]:
                self.stdout.write(f"       {problem}")
            if count > len(report.shown[name]):
                self.stdout.write(f"       …… 另有 {count - len(report.shown[name])} 处未列出")
        rate = report.cases / seconds if seconds else 0
        self.stdout.write(f"已检查 {report.cases} 件案件，用时 {seconds:.1f} s（{rate:.0f} 件/s）")
        if report.broken:
            raise CommandError(f"发现 {report.broken} 处不变量被破坏", returncode=1)
        self.stdout.write(self.style.SUCCESS("全部不变量成立"))
