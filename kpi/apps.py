from django.apps import AppConfig


class KpiConfig(AppConfig):
    name = "kpi"
    verbose_name = "综合评价"

    def ready(self) -> None:
        from kpi import enforcement, reports
        from kpi.web.dashboard_sections import register_dashboard_section
        from kpi.web.pages import ENFORCEMENT_SECTION

        register_dashboard_section(ENFORCEMENT_SECTION)

        # The enforcement figures after the case figures (issue #20.4); by function, so a reload never doubles.
        for section in (enforcement.by_street, enforcement.by_department):
            if section not in reports.EXTRA_SECTIONS:
                reports.EXTRA_SECTIONS.append(section)
