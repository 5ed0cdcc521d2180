from django.apps import AppConfig


class CityopsConfig(AppConfig):
    """The project wiring: settings, URLs, the Celery app, the home page, health, metrics, the pages' assets."""

    name = "cityops"
    verbose_name = "CityOps"
