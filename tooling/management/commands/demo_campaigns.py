"""`manage.py demo_campaigns`: a 专项行动 modelled on the 金桥 plan, a 回头看 rule with results and a
隐患台账 (tooling/demo/campaigns.py). Run after load_demo and demo_cases."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from tooling.demo.campaigns import create_demo_campaigns


class Command(BaseCommand):
    help = "为演示辖区生成专项行动、挂号清单、回头看和隐患台账（经由业务服务，可重复运行）"

    def handle(self, *, verbosity, **options):
        say = self.stdout.write if verbosity else (lambda line: None)
        try:
            create_demo_campaigns(note=say)
        except ObjectDoesNotExist as exc:
            raise CommandError(f"请先运行 load_demo 和 demo_cases：{exc}") from None
