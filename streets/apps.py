from django.apps import AppConfig


class StreetsConfig(AppConfig):
    name = "streets"
    verbose_name = "街道二级平台"

    def ready(self):
        from django.urls import reverse
        from django.utils.translation import gettext

        from cases.web.extensions import CasePanel, register_panel
        from kpi import reports
        from kpi.web.dashboard_sections import DashboardSection, register_dashboard_section
        from streets import panels
        from streets.dashboard import dashboard_cards
        from streets.reports import sub_dispatch_section

        register_panel(CasePanel(key="streets", template="streets/case_panel.html", context=panels.context))
        register_dashboard_section(
            DashboardSection(
                key="streets",
                title=lambda: gettext("街道二级平台"),
                cards=dashboard_cards,
                link=lambda: (reverse("streets-dashboard"), gettext("街道看板")),
            )
        )
        if sub_dispatch_section not in reports.EXTRA_SECTIONS:
            reports.EXTRA_SECTIONS.append(sub_dispatch_section)
