"""Apps above `cases` add a panel to the case page and tasks to 我的任务 (cases/web/extensions.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.web import extensions
from cases.workflow import Status
from tests.cases.conftest import case_in

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")


@pytest.fixture
def registries(monkeypatch):
    monkeypatch.setattr(extensions, "_panels", {})
    monkeypatch.setattr(extensions, "_task_sources", {})


def test_a_panel_shows_on_the_case_page_for_whom_it_says(world, as_role, registries, settings, tmp_path):
    (tmp_path / "panel.html").write_text('<section class="chain">回潮链：{{ panel.chain }}</section>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    case = case_in(world, Status.IN_PROGRESS)
    seen = []

    def chain(c, user):
        seen.append((c.pk, user.username))
        return {"chain": "C-1 → C-2"} if user.has_role("supervisor") else None

    extensions.register_panel(extensions.CasePanel("chain", "panel.html", chain))
    extensions.register_panel(extensions.CasePanel("chain", "panel.html", chain))  # a second ready()

    supervisor = as_role("supervisor").get(reverse("case-detail", args=[case.pk])).content.decode()
    operator = as_role("operator").get(reverse("case-detail", args=[case.pk])).content.decode()
    assert supervisor.count("回潮链：C-1 → C-2") == 1
    assert "回潮链" not in operator
    assert seen == [(case.pk, world.p.supervisor.username), (case.pk, world.p.operator.username)]


def test_task_sources_add_to_my_tasks_nearest_deadline_first(world, as_role, registries):
    now = timezone.now()
    late = extensions.Task("回头看", "复查 A", "/a/", due_at=now + timedelta(days=2), light="green")
    soon = extensions.Task("回头看", "复查 B", "/b/", due_at=now + timedelta(hours=1), light="yellow")
    undated = extensions.Task("执法", "整改复查 C", "/c/")
    extensions.register_task_source(
        extensions.TaskSource("followups", lambda user: [late, soon] if user.has_role("inspector") else [])
    )
    extensions.register_task_source(extensions.TaskSource("enforcement", lambda user: [undated]))

    html = as_role("inspector").get(reverse("inspector-tasks")).content.decode()
    assert "其他任务" in html
    assert html.index("复查 B") < html.index("复查 A") < html.index("整改复查 C")
    assert 'href="/b/"' in html and "light-yellow" in html
