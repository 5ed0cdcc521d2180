from django.core.management.base import BaseCommand, CommandParser

from dispatch.calendar import SEED_YEARS, package_years, seed_calendar


class Command(BaseCommand):
    help = "从 chinese_calendar 包导入法定节假日与调休上班日（可重复运行；不覆盖管理员设置的日期）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "years",
            nargs="*",
            type=int,
            default=list(SEED_YEARS),
            help=f"年份，默认 {SEED_YEARS.start}–{SEED_YEARS.stop - 1}",
        )

    def handle(self, *args, **options) -> None:
        report = seed_calendar(options["years"])
        covered = sorted(package_years())
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入 {', '.join(map(str, report.years)) or '无'}：新增 {report.created} 天，"
                f"更新 {report.updated} 天，删除 {report.deleted} 天，保留管理员设置 {report.kept_admin} 天"
            )
        )
        if report.missing_years:
            # The State Council publishes each year's arrangement in the previous November; until the
            # package carries it, those years run on Monday–Friday plus whatever an admin enters.
            self.stdout.write(
                self.style.WARNING(
                    f"chinese_calendar 包（覆盖 {covered[0]}–{covered[-1]} 年）没有 "
                    f"{', '.join(map(str, report.missing_years))} 年的安排：未导入，请升级该包后重新运行，"
                    "或在管理后台手工录入"
                )
            )
