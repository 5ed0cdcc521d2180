"""`manage.py bench` (`make bench`): API report throughput, SQL queries per action, generator speed.

Runs on a separate benchmark database (BENCH_DATABASE_URL, else PostgreSQL cityops_bench when it
answers, else var/bench.sqlite3), never on the configured one; prints a table and merges the figures
into var/bench.json.
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tooling import bench


class Command(BaseCommand):
    help = "性能基准：API 上报速率、各动作 SQL 查询数、案件生成器速率（使用独立的基准数据库）"

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true", help="小规模快速运行（检查用）")
        parser.add_argument(
            "--only",
            default="",
            help="只运行这些部分（逗号分隔）：" + ", ".join(bench.SECTIONS),
        )

    def handle(self, *, quick, only, **options):
        sections = frozenset(filter(None, (part.strip() for part in only.split(","))))
        unknown = sorted(sections - set(bench.SECTIONS))
        if unknown:
            raise CommandError(f"未知的部分 {', '.join(unknown)}；可选：{', '.join(bench.SECTIONS)}")
        var_dir = Path(settings.VAR_DIR)
        if os.environ.get(bench.CHILD) != "1":
            # The parent only chooses the database and starts the child: it never touches its own.
            code = bench.run_in_bench_database(Path(settings.BASE_DIR) / "manage.py", var_dir, sys.argv[2:])
            if code:
                raise CommandError(f"基准测试失败（退出码 {code}）")
            return
        figures = bench.run_measurements(quick, say=self.stdout.write, only=sections)
        bench.save(figures, var_dir / "bench.json")
        self.stdout.write("\n" + bench.table(figures) + "\n")
        self.stdout.write(f"\n已写入 {var_dir / 'bench.json'}")
