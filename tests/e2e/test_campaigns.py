"""A campaign end to end in a real browser: the office sets it up and plans a task (a deadline outside the
campaign is refused on the field), the department reports the task done, the inspector does a 回头看 on
the phone and records a 回潮, which opens a new case linked to the original; the office reads the 通报."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Campaign, FollowUp
from campaigns.services import followups as followup_svc
from tests.cases.conftest import case_in
from tests.e2e.conftest import PHONE


def test_a_campaign_walked_by_the_office_a_department_and_an_inspector(e2e_world, as_user, shot, jpeg):
    w = e2e_world
    today = timezone.localdate()

    # The office (a supervisor) sets up the campaign.
    office = as_user(w.p.supervisor)
    office.goto("/campaigns/")
    office.get_by_role("button", name="设立专项行动").click()
    office.get_by_label("专项行动名称").fill("金桥街环境综合整治")
    office.get_by_label("开始日期").fill(str(today))
    office.get_by_label("结束日期").fill(str(today + timedelta(days=30)))
    office.get_by_role("button", name="提交").click()
    expect(office.get_by_role("heading", name="金桥街环境综合整治")).to_be_visible()
    campaign = Campaign.objects.get(name="金桥街环境综合整治")

    # A task whose deadline is outside the campaign is refused on the field; inside, it is planned.
    office.get_by_role("link", name="布置任务").click()
    office.get_by_label("任务内容").fill("道路环境清整")
    office.get_by_label("时间节点").fill(str(today + timedelta(days=40)))
    office.get_by_label("责任单位").select_option(str(w.office.pk))
    office.get_by_role("button", name="提交").click()
    expect(office.locator(".field-error")).to_contain_text("不在专项行动期间")
    shot(office, "deadline-refused")
    office.get_by_label("时间节点").fill(str(today + timedelta(days=10)))
    office.get_by_role("button", name="提交").click()
    expect(office.locator("[data-task='1']")).to_contain_text("道路环境清整")
    shot(office, "campaign-page")

    # The department reports the task done.
    dept = as_user(w.p.department)
    dept.goto(f"/campaigns/{campaign.pk}/")
    dept.locator("[data-task='1']").get_by_role("link", name="报告进度").click()
    dept.get_by_label("进度（%）").fill("100")
    dept.get_by_label("进展情况").fill("主次干道清整完毕")
    dept.get_by_role("button", name="提交").click()
    expect(dept.locator("[data-task='1']")).to_contain_text("已完成")

    # A 回头看 rule; a case closed under it; its 回头看 is due in the inspector's 我的任务.
    followup_svc.rule_create(actor=w.p.supervisor, name="回头看", days_after=1)
    case = case_in(w, "closed")
    followup = FollowUp.objects.get(case=case)
    FollowUp.objects.filter(pk=followup.pk).update(state=FollowUp.State.OPEN)
    phone = as_user(w.p.inspector, PHONE)
    phone.goto("/inspector/tasks/")
    phone.get_by_role("link", name=f"回头看 {case.number}").first.click()
    expect(phone.get_by_role("heading", name="原案件照片")).to_be_visible()
    phone.get_by_label("回潮（问题又出现了）").check()
    phone.get_by_label("情况说明").fill("垃圾又堆起来了")
    phone.get_by_role("button", name="登记结果").click()
    expect(phone.locator(".field-error")).to_contain_text("现场照片")  # no photo: refused
    phone.get_by_label("回潮（问题又出现了）").check()
    phone.get_by_label("现场照片").set_input_files(str(jpeg("back")))
    phone.get_by_role("button", name="登记结果").click()
    new_link = phone.locator("[data-new-case]")
    expect(new_link).to_be_visible()
    shot(phone, "relapse-recorded")
    new_link.click()
    expect(phone.locator("[data-relapse-of]")).to_have_text(case.number)

    # The office reads the 通报.
    office.goto(f"/campaigns/{campaign.pk}/bulletin/")
    expect(office.locator("[data-best]")).to_contain_text(w.office.name)
    shot(office, "bulletin")
