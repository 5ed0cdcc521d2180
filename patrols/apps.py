from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = "巡查"

    def ready(self):
        from cases.signals import events_recorded
        from kpi import reports
        from kpi.web.dashboard_sections import DashboardSection, register_dashboard_section
        from patrols import parts
        from patrols.reports import dashboard_cards, patrol_section

        events_recorded.connect(parts.follow_cases, dispatch_uid="patrols.parts.follow_cases")
        if patrol_section not in reports.EXTRA_SECTIONS:
            reports.EXTRA_SECTIONS.append(patrol_section)
        register_dashboard_section(
            DashboardSection(
                key="patrols",
                title=lambda: gettext("网格巡查"),
                cards=dashboard_cards,
                link=lambda: (reverse("patrol-map"), gettext("巡查轨迹")),
            )
        )
