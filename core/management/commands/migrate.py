"""Django's migrate, after relabelling a database made before the kernel app existed (core/adoption.py)."""

from django.core.management.commands import migrate
from django.db import connections

from core.adoption import adopt


class Command(migrate.Command):
    def handle(self, *args, **options):
        if adopt(connections[options["database"]]) and options["verbosity"]:
            self.stdout.write(
                "Adopted a database from before the kernel app: users and audit now belong to core."
            )
        return super().handle(*args, **options)
