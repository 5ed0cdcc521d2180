from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("工作通知")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.signals import events_recorded
        from cases.web.extensions import CasePanel, register_panel
        from notices import panel, services

        events_recorded.connect(services.on_events_recorded, dispatch_uid="notices.services")
        register_panel(
            CasePanel(key="notices", template="notices/case_panel.html", context=panel.context, order=60)
        )
