from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "案件"

    def ready(self) -> None:
        from cases.timing import recompute_deadlines
        from dispatch.signals import calendar_year_entered

        # A year's holidays entered: the running deadlines across it move with them (issue #24.3).
        calendar_year_entered.connect(recompute_deadlines, dispatch_uid="cases.recompute_deadlines")

        from cases.web import hotline_loop

        hotline_loop.register()  # the case page's 12345 panel (docs/hotline-12345.md)
