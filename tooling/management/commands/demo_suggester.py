"""`manage.py demo_suggester`: the demo district's first category suggester (tooling/demo/suggester.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from tooling.demo.suggester import DEMO_HISTORY, train_demo_suggester
from tooling.generator import EmptyWorld


class Command(BaseCommand):
    help = "用演示辖区一年的生成历史训练类别推荐模型（已有启用的版本时跳过）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--history", type=int, default=DEMO_HISTORY, help=f"生成的历史案件数（默认 {DEMO_HISTORY}）"
        )

    def handle(self, *, history, verbosity, **options):
        say = self.stdout.write if verbosity else (lambda line: None)
        started = time.monotonic()
        try:
            version = train_demo_suggester(note=say, history=history)
        except (EmptyWorld, ValueError) as exc:
            raise CommandError(str(exc)) from None
        if version:
            say(
                self.style.SUCCESS(f"类别推荐模型 v{version.pk} 已启用（{time.monotonic() - started:.0f} s）")
                + f"：留出检验 {version.held_out} 件，首选 {version.top1:.1%}，前三 {version.top3:.1%}"
            )
