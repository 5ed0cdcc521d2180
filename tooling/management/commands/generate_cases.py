"""`manage.py generate_cases N`: N realistic cases with complete histories, written in bulk."""

from django.core.management.base import BaseCommand, CommandError

from tooling.generator import EmptyWorld, generate_cases


class Command(BaseCommand):
    help = "批量生成带完整流转记录的模拟案件（用于压测、KPI 与界面开发）"

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="案件数")
        parser.add_argument("--days", type=int, default=365, help="分布在最近多少天（默认 365）")
        parser.add_argument("--seed", type=int, default=None, help="随机种子：同一数据库与时间下结果可复现")
        parser.add_argument("--batch", type=int, default=5000, help="每批写入的案件数（默认 5000）")
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "insert"],
            default="auto",
            help="auto：PostgreSQL 用 COPY，其他用 INSERT",
        )

    def handle(self, *, count, days, seed, batch, method, verbosity, **options):
        say = self.stdout.write if verbosity else (lambda line: None)
        try:
            result = generate_cases(
                count, days=days, seed=seed, batch=batch, method=method, progress=verbosity > 0, note=say
            )
        except (EmptyWorld, ValueError) as exc:
            raise CommandError(str(exc)) from None
        say(
            self.style.SUCCESS(f"已生成 {result.cases} 件案件")
            + f"：事件 {result.events}，环节时限 {result.steps}，审批台账 {result.requests}，协办 {result.co_departments}；"
            f"{result.seconds:.1f} s，{result.rate:.0f} 件/s（{result.method}）"
        )
