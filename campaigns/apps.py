from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "专项行动"

    def ready(self) -> None:
        # The extension points of the layers below (docs/architecture.md): case events, the case page,
        # the inspector's 我的任务 and the KPI reports.
        from campaigns import extensions, receivers  # noqa: F401

        extensions.register()
