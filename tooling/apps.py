from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Demo district, case generator, benchmarks and load test: management commands, imported by no product module."""

    name = "tooling"
    verbose_name = "CityOps tooling"
