"""Each role's 工作台 as its day (issue #25): what waits, with its lights and what is overdue; my figures;
the supervisor's headline figures against their targets; the admin's way into the admin.

Every block is a small dict the home template shows as cards; a role without a block gets nothing extra.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, HotlineTicket, Light
from cases.selectors import cases_visible_to, with_open_step
from cases.workflow import Status


def queue_lights(user, queues) -> dict[str, dict[str, int]]:
    """queue key → {"red": n, "yellow": n} of its cases' running steps, in one query."""
    statuses = {s for q in queues for s in q.statuses}
    if not statuses:
        return {}
    rows = (
        with_open_step(cases_visible_to(user).filter(status__in=statuses))
        .filter(light__in=[Light.RED, Light.YELLOW])
        .values_list("status", "light")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_status: dict[str, dict[str, int]] = {}
    for status, light, n in rows:
        by_status.setdefault(status, {})[light] = n
    return {
        q.key: {
            light: sum(by_status.get(s.value, {}).get(light, 0) for s in q.statuses)
            for light in (Light.RED, Light.YELLOW)
        }
        for q in queues
    }


def _card(key, label, value, url, *, red=0, yellow=0, help="") -> dict:
    return {
        "key": key,
        "label": label,
        "value": value,
        "url": url,
        "red": red,
        "yellow": yellow,
        "help": help,
    }


def inspector_day(user) -> list[dict]:
    """核实 and 核查 waiting in my grids (with their lights), and my reports this month."""
    mine = with_open_step(cases_visible_to(user).filter(grid__inspectors=user))
    waiting = mine.filter(status__in=[Status.VERIFYING, Status.PENDING_CHECK]).aggregate(
        verify=Count("id", filter=Q(status=Status.VERIFYING)),
        check=Count("id", filter=Q(status=Status.PENDING_CHECK)),
        red=Count("id", filter=Q(light=Light.RED)),
        yellow=Count("id", filter=Q(light=Light.YELLOW)),
    )
    month = timezone.localdate().replace(day=1)
    reports = Case.objects.filter(reporter=user, created_at__date__gte=month).aggregate(
        n=Count("id"), self_resolved=Count("id", filter=Q(self_resolved=True))
    )
    tasks = reverse("inspector-tasks")
    return [
        _card(
            "verify",
            _("待核实"),
            waiting["verify"],
            tasks,
            red=waiting["red"],
            help=_("热线等上报，请到现场核实"),
        ),
        _card(
            "check",
            _("待核查"),
            waiting["check"],
            tasks,
            yellow=waiting["yellow"],
            help=_("部门已处置，请到现场核查"),
        ),
        _card("reported", _("本月上报"), reports["n"], reverse("inspector-history")),
        _card("self_resolved", _("本月自行处置"), reports["self_resolved"], reverse("inspector-history")),
    ]


def hotline_day(user) -> list[dict]:
    """Today's tickets, the 回访 waiting, the API inbox's tickets that are not cases yet."""
    from cases.models import HOTLINE_SOURCES
    from cases.web.hotline import callback_queue

    today = timezone.localdate()
    hotline = cases_visible_to(user).filter(source__in=list(HOTLINE_SOURCES))
    registered = hotline.filter(created_at__date=today).count()
    callbacks = callback_queue().count()
    inbox = HotlineTicket.objects.exclude(state=HotlineTicket.State.DONE).count()
    return [
        _card("today", _("今日登记"), registered, reverse("hotline-tickets")),
        _card("callbacks", _("待回访"), callbacks, reverse("hotline-callbacks"), help=_("已结案的热线案件")),
        _card("inbox", _("接口待处理工单"), inbox, reverse("hotline-tickets") + "#inbox-title", red=inbox),
    ]


def headline_figures(user) -> list[dict]:
    """This month's headline figures with their targets (the KPI dashboard's cards, the first six)."""
    from kpi.queries import summary
    from kpi.web.figures import Figures

    today = timezone.localdate()
    period = (today.replace(day=1), today)
    cards, _all = Figures(user, {}, period).cards(summary(*period))
    targeted = [c for c in cards if c.get("target") is not None][:4]
    counts = {c["key"]: c for c in cards if c.get("target") is None}
    return targeted + [counts[k] for k in ("overdue_open", "reported", "closed") if k in counts][:2]


def admin_links(user) -> list[dict]:
    """The admin keeps the master data: the way in, and the lists most asked for."""
    if not user.is_staff:
        return []
    return [
        {"label": _("管理后台（基础数据）"), "url": reverse("admin:index")},
        {"label": _("网格"), "url": reverse("admin:grids_grid_changelist")},
        {"label": _("问题类别"), "url": reverse("admin:dispatch_category_changelist")},
        {"label": _("用户"), "url": reverse("admin:core_user_changelist")},
    ]


def street_day(user) -> list[dict]:
    """A street sub-centre's day (docs/domain.md §13): its open cases (with their lights), the units'
    reports waiting for 验收, the units' work still out (overdue in red), its 提级 the district has not
    taken yet."""
    from streets.models import Escalation, SubDispatch
    from streets.selectors import escalations_visible_to, street_cases, sub_dispatches_visible_to

    street = user.street_id
    open_cases = with_open_step(
        street_cases(user).filter(status__in=(Status.IN_PROGRESS, Status.PENDING_CHECK, Status.SUSPENDED))
    ).aggregate(
        n=Count("id"),
        red=Count("id", filter=Q(light=Light.RED)),
        yellow=Count("id", filter=Q(light=Light.YELLOW)),
    )
    subs = (
        sub_dispatches_visible_to(user)
        .filter(street_id=street)
        .aggregate(
            reported=Count("id", filter=Q(state=SubDispatch.State.REPORTED)),
            out=Count("id", filter=Q(state=SubDispatch.State.DISPATCHED)),
            late=Count("id", filter=Q(state=SubDispatch.State.DISPATCHED, due_at__lt=timezone.now())),
        )
    )
    pending = escalations_visible_to(user).filter(street_id=street, state=Escalation.State.PENDING).count()
    home = reverse("streets-home")
    return [
        _card(
            "street_open",
            _("本街道在办"),
            open_cases["n"],
            home,
            red=open_cases["red"],
            yellow=open_cases["yellow"],
            help=_("派给本街道、尚未结案的案件"),
        ),
        _card("street_accept", _("待验收反馈"), subs["reported"], home, help=_("单位已反馈，请验收或退回")),
        _card(
            "street_out",
            _("单位处理中"),
            subs["out"],
            home,
            red=subs["late"],
            help=_("二级派遣，红色为已超单位时限"),
        ),
        _card(
            "street_escalated",
            _("提级待受理"),
            pending,
            reverse("streets-escalations"),
            help=_("已提级到区，等待区级受理"),
        ),
    ]
