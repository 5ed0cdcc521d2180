from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CityopsConfig(AppConfig):
    """The project wiring: settings, URLs, the Celery app, the home page, health, metrics, the pages' assets."""

    name = "cityops"
    verbose_name = "CityOps"


class AxesConfig(AxesAppConfig):
    """django-axes under a Chinese name in the admin (it ships no zh-hans translation): the admin's index
    opened with English "AXES / Access attempts" (issue #25). Its model names are translated in
    locale/zh_Hans (third-party English strings only: the UI's own strings are Chinese at the source)."""

    verbose_name = _("登录安全")
