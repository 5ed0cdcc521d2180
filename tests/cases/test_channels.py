"""Channels as data (docs/domain.md §2, issue #22.4): added in the admin, used, counted, trusted or not."""

import datetime as dt

import pytest
from django.utils import timezone

from cases import channels, services
from cases.channels import Channel
from cases.errors import ActionRefused, InvalidInput
from cases.models import Case
from cases.workflow import Status
from core.audit import AdminAudit
from kpi import rollup
from tests.cases.conftest import photo, report
from tests.security.sec_support import signed_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture(autouse=True)
def fresh_channels():
    # Each test rolls its rows back; the process's cached table must not outlive them.
    channels.clear_cache()
    yield
    channels.clear_cache()


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return signed_in(user)


def test_the_seeded_channels_include_the_new_ones_with_their_trust(db):
    table = channels.registry()
    assert {"hotline_400", "zmljl", "media", "community"} <= set(table)
    assert table["zmljl"].name == "政民零距离" and table["community"].name == "社区/志愿者"
    assert table["hotline_400"].hotline_number == "400"
    assert channels.trusted_codes() == {"inspector", "video", "leader"}


def test_a_channel_added_in_the_admin_is_reported_through_and_counted(world, api):
    p = world.p
    admin = staff(p.admin)
    response = admin.post(
        "/admin/cases/channel/add/",
        {
            "code": "wechat",
            "name": "微信公众号",
            "needs_verification": "on",
            "is_active": "on",
            "sort_order": 120,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AdminAudit.objects.filter(model="cases.channel", action="add", object_repr="微信公众号").exists()

    # No code change: the operator reports a case through the API with it …
    api.force_authenticate(p.operator)
    lng, lat = world.inside
    body = {
        "category": world.event_cat.pk,
        "lng": lng,
        "lat": lat,
        "description": "公众号留言：路边垃圾堆积",
        "source": "wechat",
        "reporter_phone": "13700001111",
    }
    created = api.post("/api/v1/cases/", body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["source"], created.json()["source_label"]) == ("wechat", "微信公众号")
    case = Case.objects.get(number=created.json()["number"])
    # … it is a channel that needs 核实 (as set in the admin), so it cannot be accepted straight away …
    with pytest.raises(ActionRefused, match="微信公众号"):
        services.case_accept(case=case, actor=p.operator)
    case = services.case_send_verify(case=case, actor=p.operator)
    case = services.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    services.case_file(case=case, actor=p.shift_leader)

    # … and the 来源分布 shows it by its name, with its figures.
    rollup.rebuild()
    api.force_authenticate(p.supervisor)
    today = timezone.localdate().isoformat()
    rows = api.get(f"/api/v1/kpi/breakdown/?by=source&date_from={today}&date_to={today}").json()
    (row,) = [r for r in rows if r["key"] == "wechat"]
    assert row["name"] == "微信公众号"
    assert (row["counts"]["reported"], row["counts"]["filed"]) == (1, 1)
    assert api.get(row["cases_url"]).json()["count"] == 1
    # The filters offer it too: the cases list filtered by it finds the case.
    assert api.get("/api/v1/cases/?source=wechat").json()["count"] == 1


def test_an_unknown_or_switched_off_channel_is_a_400_naming_it(world, api):
    api.force_authenticate(world.p.operator)
    lng, lat = world.inside
    body = {"category": world.event_cat.pk, "lng": lng, "lat": lat, "description": "路灯不亮"}
    refused = api.post("/api/v1/cases/", {**body, "source": "carrier_pigeon"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "source" and "carrier_pigeon" in refused.json()["detail"]
    Channel.objects.filter(code="media").update(is_active=False)
    channels.clear_cache()
    refused = api.post("/api/v1/cases/", {**body, "source": "media"}, format="json")
    assert refused.status_code == 400 and "media" in refused.json()["detail"]
    assert Case.objects.count() == 0
    # A filter naming an unknown channel is a 400 too, not an empty answer.
    api.force_authenticate(world.p.supervisor)
    assert api.get("/api/v1/kpi/breakdown/?by=source&source=carrier_pigeon").status_code == 400


def test_the_trust_level_of_the_row_decides_whether_a_case_is_verified_first(world):
    p = world.p
    with pytest.raises(ActionRefused):
        services.case_accept(case=report(world, p.operator, source="media"), actor=p.operator)
    Channel.objects.filter(code="media").update(needs_verification=False)
    channels.clear_cache()
    accepted = services.case_accept(case=report(world, p.operator, source="media"), actor=p.operator)
    assert accepted.status == Status.PENDING_FILING
    # And the other way: video made untrusted goes to an inspector first.
    Channel.objects.filter(code="video").update(needs_verification=True)
    channels.clear_cache()
    with pytest.raises(ActionRefused, match="视频"):
        services.case_accept(case=report(world, p.operator, source="video"), actor=p.operator)


def test_saving_a_channel_reaches_the_cache_at_once(world):
    assert channels.needs_verification("media")
    media = Channel.objects.get(code="media")
    media.needs_verification = False
    media.save()
    assert not channels.needs_verification("media")


def test_a_hotline_added_as_a_channel_takes_tickets_and_agents_log_calls(world, api):
    from cases.intake import hotline
    from cases.models import ApiClient, HotlineTicket

    client = ApiClient.objects.create(name="400 热线", kind="hotline", channel="400")
    lng, lat = world.inside
    ticket = {
        "ticket_no": "F-0001",
        "channel": "400",
        "received_at": timezone.now().isoformat(),
        "caller_phone": "13900002222",
        "lng": lng,
        "lat": lat,
        "category_hint": world.event_cat.code,
        "description": "小区门口垃圾没人清",
    }
    answer = api.post("/api/v1/hotline/tickets/", ticket, format="json", HTTP_X_API_KEY=client.api_key)
    assert answer.status_code == 202, answer.json()
    hotline.process_pending()
    case = HotlineTicket.objects.get(ticket_no="F-0001").case
    assert (case.source, case.hotline_channel, case.get_source_display()) == ("hotline_400", "400", "400热线")
    # A hotline number nobody set up is refused at the door, naming the field.
    answer = api.post(
        "/api/v1/hotline/tickets/", {**ticket, "channel": "999"}, format="json", HTTP_X_API_KEY=client.api_key
    )
    assert answer.status_code == 400 and "999" in str(answer.json()["channel"])
    # The agent's form offers it as a line.
    page = signed_in(world.p.hotline).get("/hotline/intake/")
    assert "400热线" in page.content.decode()


def test_an_application_linked_to_a_channel_reports_as_that_channel(world, client, settings):
    from cases.models import ApiClient
    from tests.security.sec_support import private_cache

    private_cache(settings)
    app = ApiClient.objects.create(name="政民零距离 App", kind="open311")
    Channel.objects.filter(code="zmljl").update(api_client=app)
    channels.clear_cache()
    lng, lat = world.inside
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": app.api_key,
            "service_code": str(world.event_cat.pk),
            "lat": lat,
            "long": lng,
            "description": "政民零距离留言：人行道破损",
            "phone": "13600003333",
        },
    )
    assert response.status_code == 200, response.content
    assert Case.objects.get().source == "zmljl"


def test_channels_api_staff_read_with_filters_admin_writes(world, api):
    api.force_authenticate(world.p.inspector)
    listed = api.get("/api/v1/channels/?hotline=true").json()["results"]
    assert {c["code"] for c in listed} == {"hotline_12345", "hotline_8890", "hotline_400"}
    untrusted = api.get("/api/v1/channels/?needs_verification=false").json()["results"]
    assert {c["code"] for c in untrusted} == {"inspector", "leader", "video"}
    assert api.post("/api/v1/channels/", {"code": "x_app", "name": "X"}, format="json").status_code == 403
    api.force_authenticate(world.p.admin)
    bad = api.post("/api/v1/channels/", {"code": "X App", "name": "X"}, format="json")
    assert bad.status_code == 400 and "code" in bad.json()
    made = api.post(
        "/api/v1/channels/", {"code": "x_app", "name": "某 App", "needs_verification": False}, format="json"
    )
    assert made.status_code == 201
    assert channels.get("x_app").needs_verification is False
    renamed = api.patch("/api/v1/channels/x_app/", {"code": "y_app"}, format="json")
    assert renamed.status_code == 400 and "code" in renamed.json()


def test_the_case_page_and_lists_show_the_channel_name(world):
    case = report(world, world.p.operator, source="community", reporter_phone="13500004444")
    page = signed_in(world.p.operator).get(f"/cases/{case.pk}/").content.decode()
    assert "社区/志愿者" in page
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    listing = signed_in(world.p.operator).get(f"/cases/?source=community&created_after={yesterday}")
    assert listing.status_code == 200 and case.number in listing.content.decode()


def test_an_unknown_source_in_the_service_names_the_field(world):
    with pytest.raises(InvalidInput) as refused:
        report(world, world.p.operator, source="nope")
    assert refused.value.field == "source"
