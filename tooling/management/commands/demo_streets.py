"""`manage.py demo_streets`: a street's sub-centre in the demo district — units, street staff, a few
二级派遣 and a 提级 (tooling/demo/streets.py). Run after load_demo and demo_cases."""

from django.core.management.base import BaseCommand, CommandError

from tooling.demo.streets import create_demo_streets


class Command(BaseCommand):
    help = "为演示辖区的街道生成下属单位、街道指挥和领导账号、二级派遣和提级（经由业务服务，可重复运行）"

    def handle(self, *, verbosity, **options):
        say = self.stdout.write if verbosity else (lambda line: None)
        try:
            create_demo_streets(note=say)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
