"""Hotline machine intake (docs/domain.md §2): POST /api/v1/hotline/tickets/ → inbox row → Celery task → case."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.intake import gazetteer, hotline
from cases.models import ApiClient, Case, HotlineTicket, Source
from cases.workflow import Status
from dispatch.models import Category, CategoryMapping
from grids.models import Place
from tests.cases.conftest import case_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

URL = "/api/v1/hotline/tickets/"
KEYS = {"12345": "key-12345", "8890": "key-8890"}


def make_clients(webhook: str = "") -> dict[str, ApiClient]:
    return {
        channel: ApiClient.objects.create(
            name=f"{channel} 热线",
            kind=ApiClient.Kind.HOTLINE,
            channel=channel,
            api_key=key,
            webhook_url=webhook,
        )
        for channel, key in KEYS.items()
    }


def ticket_body(world, ticket_no="T0001", channel="12345", **overrides) -> dict:
    lng, lat = world.inside
    body = {
        "ticket_no": ticket_no,
        "channel": channel,
        "received_at": "2026-03-02T09:15:00+08:00",
        "caller_name": "王女士",
        "caller_phone": "13900001111",
        "address": "河西区友谊路 3 号门口",
        "lng": lng,
        "lat": lat,
        "category_hint": world.event_cat.code,
        "description": "小区门口垃圾堆了三天没人清",
        "urgency": "normal",
        "photo_urls": ["https://img.12345.example/a.jpg"],
    }
    body.update(overrides)
    return body


def post_ticket(api, body, key=None):
    return api.post(URL, body, format="json", HTTP_X_API_KEY=key or KEYS[body["channel"]])


@pytest.fixture
def hot(world):
    world.clients = make_clients()
    return world


# ---------------------------------------------------------------- intake


def test_intake_answers_202_at_once_and_stores_the_ticket(api, hot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_ticket(api, ticket_body(hot))
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "received" and response.json()["case_number"] is None
    ticket = HotlineTicket.objects.get()
    assert (ticket.channel, ticket.ticket_no, ticket.caller_phone) == ("12345", "T0001", "13900001111")
    assert ticket.raw["description"] == "小区门口垃圾堆了三天没人清"
    # Stamped as it is stored, so the task that follows the commit finds the row unlocked; a ticket
    # whose task never went out is requeued by the beat once the stamp is old.
    assert ticket.enqueued_at is not None and Case.objects.count() == 0
    assert len(callbacks) == 1  # the enqueue waits for the commit


def test_the_task_turns_the_ticket_into_a_hotline_case(api, hot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post_ticket(api, ticket_body(hot)).status_code == 202
    ticket = HotlineTicket.objects.select_related("case").get()
    case = ticket.case
    assert ticket.state == "done" and ticket.attempts == 1
    assert (case.source, case.hotline_channel, case.hotline_ticket_no) == (
        Source.HOTLINE_12345,
        "12345",
        "T0001",
    )
    assert (case.reporter_name, case.reporter_phone, case.status) == (
        "王女士",
        "13900001111",
        Status.REPORTED,
    )
    assert case.category == hot.event_cat and case.grid == hot.grid
    event = case.events.get()
    assert (event.actor.username, event.actor_role) == ("hotline_intake", "hotline")
    assert "https://img.12345.example/a.jpg" in event.note


def test_a_repeat_is_one_ticket_and_answers_with_the_first_ones_status(
    api, hot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post_ticket(api, ticket_body(hot))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = post_ticket(api, ticket_body(hot, description="重复推送，内容略有不同"))
    assert not callbacks  # nothing new to enqueue
    assert (first.status_code, again.status_code) == (202, 200)
    number = Case.objects.get().number
    assert again.json()["state"] == "done" and again.json()["case_number"] == number
    assert HotlineTicket.objects.get().description == "小区门口垃圾堆了三天没人清"
    # The same number on the other channel is another ticket.
    with django_capture_on_commit_callbacks(execute=True):
        assert post_ticket(api, ticket_body(hot, channel="8890")).status_code == 202
    assert Case.objects.filter(hotline_ticket_no="T0001").count() == 2


def test_a_key_of_another_channel_is_403_and_stores_nothing(api, hot):
    response = post_ticket(api, ticket_body(hot, channel="12345"), key=KEYS["8890"])
    assert response.status_code == 403 and "8890" in response.json()["detail"]
    assert not HotlineTicket.objects.exists()


@pytest.mark.parametrize("key", [None, "wrong", "open311-key", "disabled-key"])
def test_no_valid_hotline_key_is_refused(api, hot, key):
    ApiClient.objects.create(name="app", kind=ApiClient.Kind.OPEN311, api_key="open311-key")
    ApiClient.objects.create(
        name="old", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key="disabled-key", is_active=False
    )
    headers = {"HTTP_X_API_KEY": key} if key else {}
    response = api.post(URL, ticket_body(hot), format="json", **headers)
    assert response.status_code == 401
    assert not HotlineTicket.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"lng": None, "lat": None, "address": ""}, "address"),
        ({"lat": None}, "lat"),
        ({"lng": 200}, "lng"),
        ({"description": " "}, "description"),
        ({"channel": "110"}, "channel"),
        ({"urgency": "asap"}, "urgency"),
    ],
)
def test_bad_tickets_are_400_naming_the_field(api, hot, overrides, field):
    response = post_ticket(api, {**ticket_body(hot), **overrides}, key=KEYS["12345"])
    assert response.status_code == 400 and field in response.json()
    assert not HotlineTicket.objects.exists()


def test_the_task_is_idempotent(hot, django_capture_on_commit_callbacks):
    ticket, _ = hotline.receive(data=_data(hot), raw={})
    assert hotline.process_ticket(ticket.pk) == "done"
    assert hotline.process_ticket(ticket.pk) == "skipped"
    assert Case.objects.count() == 1


def test_a_ticket_an_agent_already_logged_is_linked_not_doubled(hot):
    services.case_report(
        actor=hot.p.hotline,
        category=hot.event_cat,
        lng=hot.inside[0],
        lat=hot.inside[1],
        description="坐席手工登记",
        source=Source.HOTLINE_12345,
        hotline_ticket_no="T0001",
        reporter_phone="139",
    )
    ticket, _ = hotline.receive(data=_data(hot), raw={})
    assert hotline.process_ticket(ticket.pk) == "done"
    assert Case.objects.count() == 1 and HotlineTicket.objects.get().case.description == "坐席手工登记"


def _data(world, **overrides) -> dict:
    body = ticket_body(world, **overrides)
    body["received_at"] = timezone.now()
    return body


# ---------------------------------------------------------------- the beat re-queues what was never processed


def test_the_beat_requeues_tickets_never_processed(hot, settings):
    from cases.intake.tasks import requeue_hotline_tickets

    # None of their on_commit publishes runs here.
    never, _ = hotline.receive(data=_data(hot, ticket_no="A"), raw={})
    lost, _ = hotline.receive(data=_data(hot, ticket_no="B"), raw={})
    recent, _ = hotline.receive(data=_data(hot, ticket_no="C"), raw={})
    now = timezone.now()
    # A's publish failed (the broker was down), which clears the stamp; B's task went out half an hour
    # ago and was lost (or the web process died between the commit and the publish).
    HotlineTicket.objects.filter(pk=never.pk).update(enqueued_at=None)
    HotlineTicket.objects.filter(pk=lost.pk).update(enqueued_at=now - timedelta(minutes=30))
    HotlineTicket.objects.filter(pk=recent.pk).update(enqueued_at=now - timedelta(minutes=1))
    requeue_hotline_tickets.delay()  # eager: the re-queued tasks run at once
    states = dict(HotlineTicket.objects.values_list("ticket_no", "state"))
    assert states == {"A": "done", "B": "done", "C": "received"}  # C's worker may still be at it
    assert Case.objects.count() == 2


def test_an_unexpected_error_leaves_the_ticket_for_the_next_try(hot, monkeypatch, settings):
    settings.HOTLINE_MAX_ATTEMPTS = 2
    ticket, _ = hotline.receive(data=_data(hot), raw={})
    monkeypatch.setattr(hotline.classify, "classify", lambda *a, **k: 1 / 0)
    assert hotline.process_ticket(ticket.pk) == "received"
    assert "ZeroDivisionError" in HotlineTicket.objects.get().last_error
    assert hotline.process_ticket(ticket.pk) == "failed"
    assert not Case.objects.exists()


# ---------------------------------------------------------------- gazetteer


@pytest.fixture
def places(hot):
    west, south = hot.grid.min_lng, hot.grid.min_lat
    for n in (1, 3, 5, 8):
        Place.objects.create(
            name=f"友谊路{n}号", kind=Place.Kind.HOUSE, road="友谊路", house_number=str(n),
            lng=west + 0.0001 * n, lat=south + 0.0005,
        )  # fmt: skip
    Place.objects.create(name="友谊路", kind=Place.Kind.ROAD, lng=west + 0.0005, lat=south + 0.0002)
    ox, oy = hot.other_grid.min_lng, hot.other_grid.min_lat
    Place.objects.create(
        name="天塔", kind=Place.Kind.POI, aliases="天津广播电视塔", lng=ox + 0.0003, lat=oy + 0.0003
    )
    Place.objects.create(
        name="谊景园社区",
        kind=Place.Kind.COMMUNITY,
        lng=ox + 0.0007,
        lat=oy + 0.0007,
        community=hot.community,
    )
    Place.objects.create(name="珠江道", kind=Place.Kind.ROAD, lng=200.0, lat=0.0)  # outside every grid
    return hot


@pytest.mark.parametrize(
    "address, name",
    [
        ("天津市河西区友谊路3号", "友谊路3号"),
        ("河西区 友谊路 ５ 号 楼下", "友谊路5号"),  # full-width digits, spaces
        ("友谊路7号", "友谊路5号"),  # unknown number: nearest on the same side
        ("在友谊路8号对面", "友谊路8号"),
        ("天津广播电视塔东门", "天塔"),
        ("天塔附近友谊路3号", "友谊路3号"),  # the house number is more precise than the POI
        ("谊景园3号楼", "谊景园社区"),
        ("友谊路与围堤道交口", "友谊路"),
    ],
)
def test_gazetteer_finds_the_most_precise_entry(places, address, name):
    assert gazetteer.locate_address(address).place.name == name


def test_gazetteer_knows_nothing_of_unknown_places(places):
    assert gazetteer.locate_address("某某小区门口") is None
    assert gazetteer.locate_address("") is None


def test_a_ticket_without_position_is_located_by_its_address(places):
    ticket, _ = hotline.receive(data=_data(places, lng=None, lat=None, address="天塔东门"), raw={})
    assert hotline.process_ticket(ticket.pk) == "done"
    case = HotlineTicket.objects.get().case
    assert case.grid == places.other_grid and "天塔" in case.events.get().note


@pytest.mark.parametrize("address", ["某某小区门口", "珠江道 路口"])
def test_an_unlocatable_ticket_waits_for_an_operator_who_locates_it(api, places, address):
    ticket, _ = hotline.receive(data=_data(places, lng=None, lat=None, address=address), raw={})
    assert hotline.process_ticket(ticket.pk) == "needs_location"
    assert not Case.objects.exists()

    api.force_authenticate(places.p.operator)
    queue = api.get(URL, {"state": "needs_location"}).json()
    assert [row["ticket_no"] for row in queue["results"]] == ["T0001"]
    assert "人工补充位置" in queue["results"][0]["last_error"]

    api.force_authenticate(places.p.hotline)  # only the centre works this queue
    assert api.get(URL).status_code == 403
    assert api.post(f"{URL}{ticket.pk}/locate/", {"lng": 117.2005, "lat": 39.0505}).status_code == 403

    api.force_authenticate(places.p.operator)
    outside = api.post(f"{URL}{ticket.pk}/locate/", {"lng": 100.0, "lat": 30.0}, format="json")
    assert outside.status_code == 400 and outside.json()["field"] == "lng"
    response = api.post(f"{URL}{ticket.pk}/locate/", {"lng": 117.2005, "lat": 39.0505}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "done" and response.json()["case_number"]
    case = Case.objects.get()
    assert case.grid == places.grid and case.hotline_ticket_no == "T0001"
    assert api.post(f"{URL}{ticket.pk}/locate/", {"lng": 117.2005, "lat": 39.0505}).status_code == 409


# ---------------------------------------------------------------- categories


@pytest.fixture
def cats(hot):
    hot.litter = hot.event_cat
    hot.cover = Category.objects.create(
        kind=Category.Kind.EVENT, code="01555", major_code="01", major_name="市政公用设施异常",
        name="井盖缺失", keywords="井盖 马葫芦",
    )  # fmt: skip
    return hot


@pytest.mark.parametrize(
    "hint, channel, description, expected",
    [
        ("城市管理-市容环境-垃圾", "12345", "", "litter"),  # this channel's own classification
        ("城市管理-市容环境-垃圾", "8890", "", "cover"),  # the all-channel mapping
        ("01555", "12345", "", "cover"),  # our code
        ("马葫芦", "12345", "", "cover"),  # search by keyword
        ("市政-马葫芦", "12345", "", "cover"),  # the last segment of a hierarchy
        ("", "12345", "门口有人乱扔垃圾堆", "litter"),  # a mapping keyword in the description
    ],
)
def test_the_hint_is_mapped_to_a_category(cats, hint, channel, description, expected):
    from cases.intake.classify import classify

    CategoryMapping.objects.create(channel="12345", hint="城市管理-市容环境-垃圾", category=cats.litter)
    CategoryMapping.objects.create(channel="", hint="城市管理-市容环境-垃圾", category=cats.cover)
    CategoryMapping.objects.create(channel="", hint="垃圾堆", category=cats.litter)
    assert classify(hint, channel=channel, description=description) == getattr(cats, expected)


def test_a_hint_that_matches_nothing_fails_visibly_or_uses_the_fallback(cats, settings):
    ticket, _ = hotline.receive(data=_data(cats, category_hint="不知所云", description="说不清"), raw={})
    assert hotline.process_ticket(ticket.pk) == "failed"
    assert "分类" in HotlineTicket.objects.get().last_error
    settings.HOTLINE_FALLBACK_CATEGORY = "01555"
    second, _ = hotline.receive(data=_data(cats, ticket_no="T2", category_hint="不知所云"), raw={})
    assert hotline.process_ticket(second.pk) == "done"
    assert HotlineTicket.objects.get(pk=second.pk).case.category == cats.cover


# ---------------------------------------------------------------- pull and 回访


def test_pull_shows_the_case_and_offers_reopen_after_an_unsatisfied_callback(api, hot):
    ticket, _ = hotline.receive(data=_data(hot), raw={})
    hotline.process_ticket(ticket.pk)
    pull = f"{URL}12345/T0001/"
    body = api.get(pull, HTTP_X_API_KEY=KEYS["12345"]).json()
    assert (body["state"], body["case_status"], body["reopen_offered"]) == ("done", "reported", False)
    assert api.get(pull, HTTP_X_API_KEY=KEYS["8890"]).status_code == 403
    assert api.get(f"{URL}12345/NOPE/", HTTP_X_API_KEY=KEYS["12345"]).status_code == 404

    closed = case_in(hot, Status.CLOSED)
    Case.objects.filter(pk=closed.pk).update(hotline_channel="12345", hotline_ticket_no="T0002")
    HotlineTicket.objects.create(
        channel="12345",
        ticket_no="T0002",
        received_at=timezone.now(),
        description="x",
        state="done",
        case=closed,
    )
    services.case_callback(case=closed, actor=hot.p.hotline, satisfaction="unsatisfied", note="还是很脏")
    body = api.get(f"{URL}12345/T0002/", HTTP_X_API_KEY=KEYS["12345"]).json()
    assert (body["case_status"], body["satisfaction"], body["reopen_offered"]) == (
        "closed",
        "unsatisfied",
        True,
    )
    services.case_reopen(case=closed, actor=hot.p.shift_leader, reason="回访不满意")
    assert api.get(f"{URL}12345/T0002/", HTTP_X_API_KEY=KEYS["12345"]).json()["reopen_offered"] is False


def test_the_intake_keeps_its_broker_connection_and_drops_it_after_a_failure(
    api, hot, monkeypatch, request, django_capture_on_commit_callbacks
):
    """Connecting costs more than publishing: one connection serves ticket after ticket; a publish that
    fails drops it (the row waits for the requeue beat) and the next ticket connects afresh."""
    from cases.intake.tasks import process_hotline_ticket

    app = process_hotline_ticket.app
    made, published, broker = [], [], {"up": True}

    class Connection:
        released = False

        def release(self):
            self.released = True

    def connect(**options):
        assert options["transport_options"] == {"max_retries": 0}  # never retry inside a request
        made.append(Connection())
        return made[-1]

    def publish(args, connection=None, retry=None):
        assert retry is False
        if not broker["up"]:
            raise OSError("Connection refused")
        published.append((args[0], connection))

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # Celery's settings are no plain attributes for monkeypatch
    request.addfinalizer(lambda: setattr(app.conf, "task_always_eager", eager))
    monkeypatch.setattr(app, "connection_for_write", connect)
    monkeypatch.setattr(process_hotline_ticket, "apply_async", publish)
    hotline._drop_broker_connection()

    def deliver(number):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_ticket(api, ticket_body(hot, ticket_no=number)).status_code == 202
        return HotlineTicket.objects.get(ticket_no=number)

    first, second = deliver("C-1"), deliver("C-2")
    assert len(made) == 1 and [c for _, c in published] == [made[0], made[0]]
    assert first.enqueued_at is not None and second.enqueued_at is not None

    broker["up"] = False
    lost = deliver("C-3")
    assert lost.enqueued_at is None  # never reached a queue: the next beat takes it
    assert made[0].released

    broker["up"] = True
    deliver("C-4")
    assert len(made) == 2 and published[-1][1] is made[1]
    hotline._drop_broker_connection()
