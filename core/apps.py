from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    """The kernel: users and roles, and what every app shares (API base, privacy, limits, logging)."""

    name = "core"
    verbose_name = "CityOps 核心"

    def ready(self):
        from core.permissions_sync import sync_role_groups

        # No sender filter: the groups need the permissions of every app, which exist only once all
        # apps have had their post_migrate.
        post_migrate.connect(sync_role_groups, dispatch_uid="core.sync_role_groups")
