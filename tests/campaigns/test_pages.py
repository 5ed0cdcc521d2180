"""The pages of each role: the office sets up and works a campaign, the department reports, the inspector
does a 回头看 on the phone, the supervisor reads the 督办 list and the 通报 (page and xlsx)."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import CampaignTask, FollowUp, Hazard
from campaigns.services import campaigns as svc
from campaigns.services import followups as followup_svc
from campaigns.services import hazards as hazard_svc
from tests.campaigns.conftest import case_in, photo

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_office_adds_a_task_and_a_deadline_outside_the_period_is_shown_on_the_field(ctx):
    office = client_for(ctx.office)
    url = f"/campaigns/{ctx.c.pk}/tasks/new/"
    bad = office.post(
        url,
        {
            "content": "违法建设",
            "deadline": str(ctx.c.period_end + timedelta(days=3)),
            "department": ctx.w.office.pk,
        },
    )
    assert bad.status_code == 400 and "不在专项行动期间" in bad.content.decode()
    ok = office.post(
        url, {"content": "违法建设", "deadline": str(ctx.c.period_end), "department": ctx.w.office.pk}
    )
    assert ok.status_code == 302
    page = office.get(f"/campaigns/{ctx.c.pk}/").content.decode()
    assert "违法建设" in page and "报告进度" in page


def test_the_department_reports_progress_on_its_task(ctx):
    task = svc.task_add(
        campaign=ctx.c,
        actor=ctx.office,
        content="门前三包",
        deadline=ctx.c.period_end,
        department=ctx.w.office,
    )
    dept = client_for(ctx.p.department)
    response = dept.post(
        f"/campaigns/tasks/{task.pk}/report/", {"progress": 100, "note": "已全部签订", "done": "on"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == CampaignTask.Status.DONE
    refused = client_for(ctx.p.other_department).post(
        f"/campaigns/tasks/{task.pk}/report/", {"progress": 10, "note": "x"}
    )
    assert refused.status_code == 400


def test_overdue_tasks_are_on_the_supervisors_list_and_can_be_urged(ctx):
    task = svc.task_add(
        campaign=ctx.c,
        actor=ctx.office,
        content="拆除违建",
        deadline=ctx.c.period_end,
        department=ctx.w.office,
    )
    CampaignTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    boss = client_for(ctx.p.supervisor)
    page = boss.get("/campaigns/overdue/").content.decode()
    assert "拆除违建" in page
    boss.post(f"/campaigns/tasks/{task.pk}/urge/", {"next": "/campaigns/overdue/"})
    task.refresh_from_db()
    assert task.urge_count == 1


def test_the_bulletin_names_units_and_downloads_as_xlsx(ctx):
    done = svc.task_add(
        campaign=ctx.c,
        actor=ctx.office,
        content="道路清整",
        deadline=ctx.c.period_end,
        department=ctx.w.office,
    )
    svc.task_report(task=done, actor=ctx.p.department, progress=100, note="完成")
    late = svc.task_add(
        campaign=ctx.c,
        actor=ctx.office,
        content="绿化补植",
        deadline=ctx.c.period_end,
        department=ctx.w.other_dept,
    )
    CampaignTask.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    boss = client_for(ctx.p.supervisor)
    page = boss.get(f"/campaigns/{ctx.c.pk}/bulletin/").content.decode()
    best = page.split("data-best>")[1].split("</p>")[0]
    worst = page.split("data-worst>")[1].split("</p>")[0]
    assert ctx.w.office.name in best and ctx.w.other_dept.name in worst
    xlsx = boss.get(f"/campaigns/{ctx.c.pk}/bulletin.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["通报", "单位排名", "超期任务"]
    assert book["超期任务"]["B2"].value == "绿化补植"


def test_the_inspector_records_a_relapse_on_the_phone_and_the_chain_shows_on_both_cases(ctx, media_root):
    followup_svc.rule_create(actor=ctx.p.supervisor, name="回头看", days_after=1)
    case = case_in(ctx.w, "closed")
    followup = FollowUp.objects.get(case=case)
    FollowUp.objects.filter(pk=followup.pk).update(state=FollowUp.State.OPEN)
    phone = client_for(ctx.p.inspector)
    assert case.number in phone.get("/inspector/tasks/").content.decode()  # 我的任务, after 核实/核查
    page = phone.get(f"/followups/{followup.pk}/").content.decode()
    assert "原案件照片" in page and "<img" in page
    missing = phone.post(f"/followups/{followup.pk}/", {"held": "0", "note": "又脏了"})
    assert missing.status_code == 400 and "现场照片" in missing.content.decode()
    done = phone.post(f"/followups/{followup.pk}/", {"held": "0", "note": "又脏了", "photos": [photo()]})
    assert done.status_code == 302
    followup.refresh_from_db()
    new = followup.new_case
    boss = client_for(ctx.p.supervisor)
    assert new.number in boss.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in boss.get(f"/cases/{new.pk}/").content.decode()


def test_hazard_pages_run_to_close(ctx, media_root):
    lng, lat = ctx.w.inside
    hazard = hazard_svc.hazard_register(
        actor=ctx.p.inspector,
        kind="tree",
        level="major",
        title="行道树倾斜",
        lng=lng,
        lat=lat,
        department=ctx.w.office,
        person_name="赵工",
        plan="修剪加固",
        deadline=timezone.localdate() + timedelta(days=2),
    )
    boss = client_for(ctx.p.supervisor)
    assert "重大隐患" in boss.get("/hazards/").content.decode()
    dept = client_for(ctx.p.department)
    assert (
        dept.post(f"/hazards/{hazard.pk}/act/submit/", {"note": "已加固", "photos": [photo()]}).status_code
        == 302
    )
    phone = client_for(ctx.p.inspector)
    no_photo = phone.post(f"/hazards/{hazard.pk}/act/verify/", {"passed": "1"})
    assert no_photo.status_code == 400 and "验收须附现场核查照片" in no_photo.content.decode()
    phone.post(f"/hazards/{hazard.pk}/act/verify/", {"passed": "1", "photos": [photo()]})
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.CLOSED


def test_register_pages(ctx, media_root):
    lng, lat = ctx.w.inside
    phone = client_for(ctx.p.inspector)
    response = phone.post(
        "/register/new/",
        {
            "title": "乱堆物料",
            "lng": lng,
            "lat": lat,
            "department": ctx.w.office.pk,
            "deadline": str(timezone.localdate()),
            "campaign": ctx.c.pk,
            "photos": [photo()],
        },
    )
    assert response.status_code == 302, response.content.decode()
    detail = phone.get(response["Location"]).content.decode()
    no_photo = phone.post(response["Location"] + "clear/", {"note": "ok"})
    assert "销号须附核查照片" in no_photo.content.decode()
    assert "乱堆物料" in detail
    assert "乱堆物料" in client_for(ctx.office).get(f"/campaigns/{ctx.c.pk}/").content.decode()


def test_leaders_see_the_campaign_figures_on_their_workbench(ctx):
    task = svc.task_add(
        campaign=ctx.c, actor=ctx.office, content="拆违", deadline=ctx.c.period_end, department=ctx.w.office
    )
    CampaignTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    page = client_for(ctx.p.supervisor).get("/").content.decode()
    card = page.split('data-campaign-card="tasks_overdue"')[1].split("</a>")[0]
    assert "专项超期任务" in card and ">1<" in card
    assert "data-campaign-card" not in client_for(ctx.p.department).get("/").content.decode()


def test_filter_forms_say_all_not_dashes(world, client):
    """Issue #25: an untouched filter reads 全部 (not "---------" or 未知), and filtering with it is no error."""
    from campaigns.filters import HazardFilterSet
    from campaigns.models import Hazard

    form = HazardFilterSet({}, queryset=Hazard.objects.all()).form
    html = str(form)
    assert "---------" not in html and "未知" not in html
    assert html.count(">全部</option>") == len(form.fields)
    bound = HazardFilterSet({"status": "", "overdue": "unknown"}, queryset=Hazard.objects.all())
    assert bound.is_valid(), bound.errors


@pytest.mark.parametrize("url", ["/hazards/new/", "/register/new/"])
def test_the_inspector_places_the_position_on_the_map_and_takes_photos_with_the_report_buttons(ctx, url):
    """Issue #25: 登记隐患 and 挂号 use the report page's map picker (定位, tap to place the pin; lng/lat filled
    in by report.js) and its 拍照 / 从相册或文件选择 buttons, not bare coordinate boxes and a bare file input."""
    phone = client_for(ctx.p.inspector)
    page = phone.get(url).content.decode()
    assert "data-position" in page and "data-locate" in page and 'id="position-map"' in page
    assert 'id="report-strings"' in page and "cityops/report.js" in page
    assert '<details class="coords">' in page  # the coordinates tucked away, still the fields lng and lat
    assert 'name="lng"' in page and 'name="lat"' in page
    assert "data-photo-camera" in page and 'capture="environment"' in page and "从相册或文件选择" in page
    assert page.count('name="photos"') == 2 and "data-parts" not in page  # no 部件 list: no component field

    # Submitted without a pin: the error says what to do, next to the map.
    refused = phone.post(url, {"title": "乱堆物料"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "请在地图上点选位置，或点“定位”" in body and "data-position-error" in body
