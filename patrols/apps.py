from django.apps import AppConfig


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = "巡查"

    def ready(self):
        from cases.signals import events_recorded
        from kpi import reports
        from patrols import parts
        from patrols.reports import patrol_section

        events_recorded.connect(parts.follow_cases, dispatch_uid="patrols.parts.follow_cases")
        if patrol_section not in reports.EXTRA_SECTIONS:
            reports.EXTRA_SECTIONS.append(patrol_section)
