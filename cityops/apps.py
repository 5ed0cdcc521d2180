from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CityopsConfig(AppConfig):
    name = "cityops"
    verbose_name = "CityOps"

    def ready(self):
        from cityops.permissions_sync import sync_role_groups

        # No sender filter: the groups need the permissions of every app, which exist only once all
        # apps have had their post_migrate.
        post_migrate.connect(sync_role_groups, dispatch_uid="cityops.sync_role_groups")
