"""Registration of enforcement's case panel and 我的任务 source (pages: enforcement/views.py)."""


def register() -> None:
    from cases.web.extensions import CasePanel, TaskSource, register_panel, register_task_source
    from enforcement import views

    register_panel(
        CasePanel(
            key="enforcement", template="enforcement/_case_panel.html", context=views.panel_context, order=50
        )
    )
    register_task_source(TaskSource(key="enforcement-checks", tasks=views.check_tasks))
