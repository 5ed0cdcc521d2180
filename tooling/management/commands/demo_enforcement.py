"""`manage.py demo_enforcement`: the demo district's 门前三包 parties and a year of enforcement outcomes."""

from django.core.management.base import BaseCommand, CommandError

from tooling.demo.enforcement import CASES, SEED, create_demo_enforcement


class Command(BaseCommand):
    help = "为演示辖区生成门前三包责任主体、责任书和一年的执法结果（经由业务服务，可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=CASES)
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *, count, seed, verbosity, **options):
        say = self.stdout.write if verbosity else (lambda line: None)
        try:
            made = create_demo_enforcement(cases=count, seed=seed, note=say)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if made:
            say(self.style.SUCCESS(f"已生成 {made} 个执法演示案件"))
