from django.core.management.base import BaseCommand

from dispatch.time_limits import seed_time_limits


class Command(BaseCommand):
    help = "创建缺少的各环节默认时限与按类别的处置时限（可重复运行；不修改已有规则）"

    def handle(self, *args, **options) -> None:
        report = seed_time_limits()
        self.stdout.write(
            self.style.SUCCESS(f"新增 {report.created} 条时限规则，已存在 {report.existing} 条")
        )
        if report.missing_names:
            self.stdout.write(
                self.style.WARNING(
                    f"未找到类别：{'、'.join(report.missing_names)}（未导入类别时请先运行 load_categories）"
                )
            )
