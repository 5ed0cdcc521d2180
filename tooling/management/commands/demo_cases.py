"""`manage.py demo_cases`: a few hundred demo cases in every state, made by the demo personas."""

from django.core.management.base import BaseCommand, CommandError

from tooling.demo.cases import DEFAULT_SEED, create_demo_cases


class Command(BaseCommand):
    help = "为演示辖区生成数百个处于各环节的演示案件（经由业务服务，可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=300, help="案件数（默认 300）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")

    def handle(self, *, count, seed, verbosity, **options):
        say = self.stdout.write if verbosity else (lambda line: None)
        try:
            made = create_demo_cases(count, seed=seed, note=say)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if made:
            say(self.style.SUCCESS(f"已生成 {made} 个演示案件"))
