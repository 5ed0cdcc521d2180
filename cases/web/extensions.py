"""Where the apps above `cases` show their part on the case pages without `cases` knowing them.

- A case page panel (a campaign's tag, a 回潮 chain, enforcement outcomes, messages with the hotline
  centre …): `register_panel(CasePanel(...))` in the app's `AppConfig.ready()`. Its `context(case, user)`
  returns the context for its template, or None when it has nothing to show for that case and user.
- A task source for the inspector's 我的任务 (回头看 re-inspections, enforcement follow-ups, assessment
  inspections …): `register_task_source(TaskSource(...))`. Its `tasks(user)` returns `Task`s, shown after
  the 核实/核查 cases, nearest deadline first, with the same lights.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CasePanel:
    key: str
    template: str
    context: Callable[[object, object], dict | None]
    order: int = 100  # lower first


@dataclass(frozen=True)
class Task:
    kind: str  # a short label, e.g. 回头看
    title: str
    url: str
    due_at: datetime | None = None
    light: str = ""  # green / yellow / red, as the cases' lights
    where: str = ""


@dataclass(frozen=True)
class TaskSource:
    key: str
    tasks: Callable[[object], Iterable[Task]]


_panels: dict[str, CasePanel] = {}
_task_sources: dict[str, TaskSource] = {}


def register_panel(panel: CasePanel) -> None:
    _panels[panel.key] = panel  # by key: a second ready() (tests, reloads) replaces, never doubles


def register_task_source(source: TaskSource) -> None:
    _task_sources[source.key] = source


def panels_for(case, user) -> list[dict]:
    out = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(case, user)
        if context is not None:
            out.append({"key": panel.key, "template": panel.template, "context": context})
    return out


def extra_tasks(user) -> list[Task]:
    tasks = [task for source in _task_sources.values() for task in source.tasks(user)]
    return sorted(tasks, key=lambda t: (t.due_at is None, t.due_at or datetime.max, t.title))
