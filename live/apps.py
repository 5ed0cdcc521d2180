from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("指挥大屏")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.signals import events_recorded
        from live import relay

        events_recorded.connect(relay.on_events_recorded, dispatch_uid="live.relay")
