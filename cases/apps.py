from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "案件"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from cases import channels
        from cases.timing import recompute_deadlines
        from dispatch.signals import calendar_year_entered

        # A year's holidays entered: the running deadlines across it move with them (issue #24.3).
        calendar_year_entered.connect(recompute_deadlines, dispatch_uid="cases.recompute_deadlines")
        # Channels as data: the seeded rows after every migrate (and test flush); the cache follows edits.
        post_migrate.connect(channels.ensure_seed_channels, sender=self, dispatch_uid="cases.seed_channels")
        post_save.connect(channels.clear_cache, sender=channels.Channel, dispatch_uid="cases.channel_saved")
        post_delete.connect(
            channels.clear_cache, sender=channels.Channel, dispatch_uid="cases.channel_deleted"
        )

        from cases.web import hotline_loop

        hotline_loop.register()  # the case page's 12345 panel (docs/hotline-12345.md)
