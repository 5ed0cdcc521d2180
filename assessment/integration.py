"""How the assessment shows elsewhere: the KPI reports' sections, the inspector's 我的任务, and the
case page of a case registered from an inspection (docs/architecture.md: apps above cases)."""


def connect() -> None:
    from assessment import reports
    from cases.web.extensions import CasePanel, TaskSource, register_panel, register_task_source
    from kpi import reports as kpi_reports

    for section in (reports.contractor_section, reports.street_target_section):
        if section not in kpi_reports.EXTRA_SECTIONS:
            kpi_reports.EXTRA_SECTIONS.append(section)
    register_task_source(TaskSource("assessment", reports.inspector_tasks))
    register_panel(
        CasePanel(
            key="assessment",
            template="assessment/_case_panel.html",
            context=reports.case_panel,
            order=60,
        )
    )
