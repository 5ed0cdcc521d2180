"""create_demo_campaigns: a 金桥-style campaign with tasks done and overdue, a 挂号 list, a 回头看 rule
with 巩固 and 回潮 results, and a hazard register with open, overdue and closed hazards; made once."""

import pytest

from campaigns import kpis
from campaigns.models import Campaign, CampaignTask, FollowUp, Hazard, RegisterItem
from notices.models import Notice
from tests.tooling.test_demo_cases import small_district  # noqa: F401 (fixture)
from tooling.demo.campaigns import create_demo_campaigns
from tooling.demo.cases import create_demo_cases

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def test_the_demo_campaign_has_done_and_overdue_work_and_is_made_once(small_district):  # noqa: F811
    create_demo_cases(60, note=lambda line: None)
    assert create_demo_campaigns(note=lambda line: None) is True
    campaign = Campaign.objects.get()
    figures = kpis.campaign_figures(campaign)
    assert figures["tasks"] == 12 and figures["tasks_done"] >= 4 and figures["tasks_overdue"] >= 1
    assert figures["cases_found"] > 0
    assert RegisterItem.objects.filter(status="cleared").count() == 3
    assert RegisterItem.objects.filter(overdue_at__isnull=False).exists()
    states = set(FollowUp.objects.values_list("state", flat=True))
    assert {"held", "back"} <= states
    assert FollowUp.objects.filter(state="back", new_case__isnull=False).exists()
    assert set(Hazard.objects.values_list("status", flat=True)) == {"open", "pending_verify", "closed"}
    assert Hazard.objects.filter(overdue_at__isnull=False).exists()
    # Its units heard of a task due tomorrow and of the overdue ones (campaigns/task_notices.py).
    due = CampaignTask.objects.get(due_notified_at__isnull=False)
    assert Notice.objects.filter(key=f"task_due:{due.pk}:d{due.department_id}").exists()
    overdue = CampaignTask.objects.filter(overdue_at__isnull=False)
    assert Notice.objects.filter(key__startswith="task_overdue:").count() == overdue.count() >= 1
    assert create_demo_campaigns(note=lambda line: None) is False
    assert Campaign.objects.count() == 1
