from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = _("执法与门前三包")

    def ready(self) -> None:
        from enforcement import receivers, web

        receivers.connect()
        web.register()
