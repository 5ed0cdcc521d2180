"""The work queues as data: which cases each queue holds and whose queue it is.

The home page shows the queues of the signed-in user's roles with their counts, the queue page lists
one queue (cases/web/lists.py), and the menu links to them. A queue is a set of states within the
user's scope (`cases.selectors.cases_visible_to`), so a department's 处置中 is its own cases only.
"""

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.selectors import cases_visible_to
from cases.workflow import Status
from core.roles import Role


@dataclass(frozen=True)
class Queue:
    key: str
    label: str | Promise
    statuses: tuple[Status, ...]
    roles: frozenset[Role]
    # The column a queue is worked in by default: oldest first, or nearest deadline first.
    ordering: str = "created_at"
    help: str | Promise = ""

    @property
    def url(self) -> str:
        return reverse("queue", args=[self.key])

    def cases(self, user) -> QuerySet:
        return cases_visible_to(user).filter(status__in=self.statuses)


_R = Role
QUEUES: tuple[Queue, ...] = (
    Queue(
        "accept",
        _("待受理"),
        (Status.REPORTED,),
        frozenset({_R.OPERATOR}),
        help=_("新上报的问题：受理、派发核实或不予受理"),
    ),
    Queue(
        "verify", _("待核实"), (Status.VERIFYING,), frozenset({_R.OPERATOR}), help=_("已派发监督员现场核实")
    ),
    Queue(
        "file",
        _("待立案"),
        (Status.PENDING_FILING,),
        frozenset({_R.SHIFT_LEADER}),
        help=_("已受理或核实属实：立案或不予立案"),
    ),
    Queue(
        "dispatch",
        _("待派遣"),
        (Status.PENDING_DISPATCH,),
        frozenset({_R.DISPATCHER}),
        help=_("已立案：派遣给处置部门"),
    ),
    Queue(
        "in_progress",
        _("处置中"),
        (Status.IN_PROGRESS,),
        frozenset({_R.DEPARTMENT, _R.DISPATCHER}),
        ordering="deadline",
        help=_("部门处置中，按处置时限排序"),
    ),
    Queue(
        "suspended",
        _("挂账"),
        (Status.SUSPENDED,),
        frozenset({_R.DISPATCHER, _R.DEPARTMENT}),
        help=_("批准挂账的案件"),
    ),
    Queue(
        "check",
        _("待核查"),
        (Status.PENDING_CHECK,),
        frozenset({_R.OPERATOR}),
        help=_("部门已反馈，等待监督员核查"),
    ),
    Queue(
        "close",
        _("待结案"),
        (Status.PENDING_CLOSURE,),
        frozenset({_R.SHIFT_LEADER}),
        help=_("核查通过：结案"),
    ),
)
QUEUES_BY_KEY = {q.key: q for q in QUEUES}


def queues_for(user) -> list[Queue]:
    roles = user.roles
    return [q for q in QUEUES if q.roles & roles]


def queue_counts(user, queues: list[Queue]) -> dict[str, int]:
    """Counts for several queues in one query (they are disjoint sets of states)."""
    if not queues:
        return {}
    statuses = {s for q in queues for s in q.statuses}
    by_status = dict(
        cases_visible_to(user)
        .filter(status__in=statuses)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {q.key: sum(by_status.get(s.value, 0) for s in q.statuses) for q in queues}
