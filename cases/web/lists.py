"""The centre's lists (issue #5 points 5, 6, 7, 9): the work queues, the case search and the ledger.

A queue page (`/queues/<key>/`) is one queue of cases/web/queues.py in the user's scope, filtered with
the API's `CaseFilterSet`, sortable, 25 rows a page, with the bulk action that fits it (受理, 立案, 派遣,
结案) for the role that may take it. The case search (`/cases/`) is every case the user may see. The
ledger (`/ledger/`) holds the pending 回退 / 延期 / 挂账 / 作废 requests the user may decide.

Speed with 100,000 open cases: each open case has exactly one open TimedStep (finished_at IS NULL)
holding its deadline and light. A queue joins its cases to that step, so sorting by deadline walks the
partial index `timedstep_open_due` (step, due_at) and stops after one page; the page's rows carry
their deadline and light from the same query. The page count is taken without the join.
"""

import datetime as dt
from functools import cached_property

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases.actions import SERVICES
from cases.errors import ActionError
from cases.filters import CaseFilterSet
from cases.models import Case, CaseRequest, Source
from cases.selectors import cases_visible_to, with_open_step
from cases.web.queues import QUEUES_BY_KEY, Queue
from cases.web.sorting import Sorting, chosen_sort, columns, order
from cases.workflow import ACTION_LABELS, LEDGER, STATUS_CHOICES, STEP_FOR_STATUS, Action, transitions_for
from dispatch.models import Category
from dispatch.routing import suggest_department
from grids.models import Street

PER_PAGE = 25
STALE = dt.timedelta(days=1)  # a ledger request waiting longer stands out
BULK_CAP = 100  # cases per bulk POST: a page is 25 rows, select-all never comes near it

# Sortable columns: the `sort` parameter → the order. "deadline" is the open step's due time.
SORTS = {
    "number": ("number",),
    "created_at": ("created_at", "id"),
    "category": ("category_code", "id"),
    "street": ("street__code", "id"),
    "deadline": ("due_at", "id"),
}
COLUMNS = (  # (sort key or "", header)
    ("number", _("案件编号")),
    ("category", _("类别")),
    ("street", _("地址 / 网格")),
    ("", _("来源")),
    ("", _("紧急程度")),
    ("deadline", _("当前环节时限")),
    ("created_at", _("上报时间")),
)

# The bulk action of each queue; shown only to users holding a role the workflow table allows.
BULK_ACTIONS = {
    "accept": Action.ACCEPT,
    "file": Action.FILE,
    "dispatch": Action.DISPATCH,
    "close": Action.CLOSE,
}

# The filters shown on the compact form, in order (the search page puts status first). Any other
# CaseFilterSet parameter in the URL (a KPI drill-down's flags, grid, department) still filters and is
# carried along as a hidden field.
FILTER_FIELDS = (
    "q",
    "source",
    "urgency",
    "kind",
    "major_code",
    "street",
    "light",
    "overdue",
    "created_after",
    "created_before",
)
FILTER_LABELS = {
    "q": _("搜索"),
    "status": _("状态"),
    "source": _("来源"),
    "urgency": _("紧急程度"),
    "kind": _("部件/事项"),
    "major_code": _("大类"),
    "street": _("街道"),
    "light": _("亮灯"),
    "overdue": _("超期"),
    "created_after": _("上报日期起"),
    "created_before": _("上报日期止"),
}


# ---------------------------------------------------------------- filters


class OneOrAllSelect(forms.SelectMultiple):
    """A plain <select> ("全部" or one value) for a multiple-choice filter: the URL may still carry
    several values (?source=a&source=b, as the API takes them), the form offers one."""

    allow_multiple_selected = False

    def value_from_datadict(self, data, files, name):
        return [v for v in super().value_from_datadict(data, files, name) if v]


def case_filterset(request, queryset: QuerySet, fields: tuple[str, ...], params=None) -> CaseFilterSet:
    """The API's FilterSet, its form dressed for a compact row of labelled fields (the query is
    `params`, by default the request's)."""
    params = request.GET if params is None else params
    fs = CaseFilterSet(params or None, queryset=queryset)
    form = fs.form
    every = [("", _("全部"))]
    for name in fields:
        field = form.fields[name]
        field.label = FILTER_LABELS[name]
        if name in ("source", "status"):
            choices = Source.choices if name == "source" else STATUS_CHOICES
            field.widget = OneOrAllSelect(choices=every + list(choices))
        elif name in ("urgency", "kind", "light"):
            field.widget.choices = every + [c for c in field.choices if c[0] != ""]
        elif name == "overdue":
            field.widget = forms.Select(choices=[*every, ("true", _("已超期")), ("false", _("未超期"))])
        elif name == "street":
            streets = Street.objects.order_by("code").values_list("code", "name")
            field.widget = forms.Select(choices=every + list(streets))
        elif name == "major_code":
            majors = (
                Category.objects.order_by("major_code").values_list("major_code", "major_name").distinct()
            )
            field.widget = forms.Select(choices=every + [(c, f"{c} {n}") for c, n in majors])
        elif name in ("created_after", "created_before"):
            field.widget = forms.DateInput(attrs={"type": "date"})
        elif name == "q":
            field.widget = forms.TextInput(
                attrs={"type": "search", "placeholder": _("编号、工单号、地址、描述")}
            )
    return fs


def _carried(request, shown: tuple[str, ...], fs: CaseFilterSet) -> list[tuple[str, str]]:
    """Filter parameters in the URL that the compact form does not show: kept as hidden fields."""
    return [
        (name, value)
        for name in request.GET
        if name in fs.filters and name not in shown
        for value in request.GET.getlist(name)
    ]


# ---------------------------------------------------------------- ordering and rows


def _queue_rows(qs: QuerySet, queue: Queue) -> QuerySet:
    """The queue's cases joined to their open step (one per open case): its deadline and light ride
    along, and ordering by deadline can walk the partial index on (step, due_at)."""
    steps = sorted({STEP_FOR_STATUS[s] for s in queue.statuses})
    step = {"steps__step": steps[0]} if len(steps) == 1 else {"steps__step__in": steps}
    return qs.filter(steps__finished_at__isnull=True, **step).annotate(
        due_at=F("steps__due_at"), light=F("steps__light")
    )


class CountedPaginator(Paginator):
    """Counts the cases without the join to their open step: the same number, a cheaper query."""

    def __init__(self, object_list, per_page, *, count_from: QuerySet):
        super().__init__(object_list, per_page)
        self._count_from = count_from

    @cached_property
    def count(self) -> int:
        return self._count_from.count()


def _page_number(request) -> str:
    return request.GET.get("page") or "1"


# ---------------------------------------------------------------- the list pages


def _list_response(request, *, base: QuerySet, rows, default_sort: str, fields, context: dict):
    fs = case_filterset(request, base, fields)
    filtered = fs.qs
    sort = chosen_sort(request.GET, SORTS, default_sort)
    ordered = order(rows(filtered), SORTS, sort)
    for_rows = ordered.select_related("grid", "street")
    if context.get("dispatch"):
        for_rows = for_rows.select_related(
            "category",
            "grid__community",
            "component__owner",
            "component__maintainer",
            "component__regulator",
        )
    paginator = CountedPaginator(for_rows, PER_PAGE, count_from=filtered)
    page = paginator.get_page(_page_number(request))
    cases = list(page.object_list)
    _decorate(cases, context)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        {
            "filters": fs,
            "filter_fields": [fs.form[name] for name in fields],
            "filter_errors": [(fs.form[n].label, e) for n, errs in fs.form.errors.items() for e in errs],
            "carried": _carried(request, fields, fs),
            "filtered": any(request.GET.get(n) for n in fs.filters),
            "sort": sort,
            "columns": columns(request.GET, COLUMNS, sort),
            "page": page,
            "cases": cases,
            "now": timezone.now(),
            "query": request.GET.urlencode(),
        }
    )
    if request.htmx:  # the filter form, the sort links and the pager refresh only the results
        return render(request, "cases/lists/_results.html", context)
    return render(request, "cases/lists/list_page.html", context)


def _decorate(cases: list[Case], context: dict) -> None:
    """What a row shows beyond its own columns, for the page's rows only, in a fixed number of queries."""
    ids = [c.pk for c in cases]
    if context.get("show_requests") and ids:
        pending: dict[int, list[str]] = {}
        rows = CaseRequest.objects.filter(case_id__in=ids, state=CaseRequest.State.PENDING)
        for case_id, kind in rows.values_list("case_id", "kind").order_by("requested_at"):
            pending.setdefault(case_id, []).append(CaseRequest.Kind(kind).label)
        for case in cases:
            case.pending_requests = pending.get(case.pk, [])
    if context.get("dispatch"):
        # The routing rule depends on the category, the component and the grid: cases that share
        # them share one suggestion, computed once (suggest_department's queries are per call).
        memo: dict[tuple, object] = {}
        for case in cases:
            key = (case.category_id, case.component_id, case.grid_id)
            if key not in memo:
                memo[key] = suggest_department(
                    category=case.category, component=case.component, grid=case.grid
                )
            case.suggestion = memo[key]


def _may(user, action: Action) -> bool:
    return any(user.roles & t.roles for t in transitions_for(action))


@login_required
def queue_page(request, key: str):
    queue = QUEUES_BY_KEY.get(key)
    if queue is None:
        raise Http404(gettext("没有这个队列"))
    if not queue.roles & request.user.roles:
        raise PermissionDenied(gettext("这个队列不属于您的角色"))
    bulk = BULK_ACTIONS.get(key)
    if bulk is not None and not _may(request.user, bulk):
        bulk = None
    is_dispatcher = "dispatcher" in request.user.roles
    context = {
        "queue": queue,
        "title": queue.label,
        "help": queue.help,
        "form_url": reverse("queue", args=[key]),
        "bulk": bulk,
        "bulk_label": ACTION_LABELS[bulk] if bulk else "",
        "bulk_url": reverse("queue-bulk", args=[key]) if bulk else "",
        "dispatch": key == "dispatch" and bulk is not None,
        "show_requests": key in ("in_progress", "suspended"),
        # Dispatchers decide 回退 and 改派 on the case page; the queue links each row there.
        "redispatch": key in ("in_progress", "suspended") and is_dispatcher,
        "ledger": is_dispatcher and key in ("in_progress", "suspended"),
    }
    default = "deadline" if queue.ordering == "deadline" else "created_at"
    return _list_response(
        request,
        base=queue.cases(request.user),
        rows=lambda qs: _queue_rows(qs, queue),
        default_sort=default,
        fields=FILTER_FIELDS,
        context=context,
    )


@login_required
def case_search(request):
    context = {
        "title": _("案件查询"),
        "help": _("您有权查看的全部案件，含已办结的"),
        "form_url": reverse("case-search"),
        "search": True,
    }
    return _list_response(
        request,
        base=cases_visible_to(request.user),
        rows=with_open_step,  # every state: finished cases have no running step
        default_sort="-created_at",
        fields=("status", *FILTER_FIELDS),
        context=context,
    )


# ---------------------------------------------------------------- bulk actions


def _ids(values) -> list[int]:
    seen: dict[int, None] = {}
    for value in values:
        try:
            seen.setdefault(int(value), None)
        except (TypeError, ValueError):
            continue
    return list(seen)[:BULK_CAP]


def _back(key: str, query: str) -> str:
    url = reverse("queue", args=[key])
    query = QueryDict(query).urlencode()  # only a query string comes back: never another address
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def queue_bulk(request, key: str):
    """Run the queue's action on each chosen case, each in its own transaction (the service's), and
    report per case what was done and what was refused and why. A refusal leaves that case as it was
    and does not undo the others."""
    queue = QUEUES_BY_KEY.get(key)
    if queue is None:
        raise Http404(gettext("没有这个队列"))
    action = BULK_ACTIONS.get(key)
    if not queue.roles & request.user.roles or action is None or not _may(request.user, action):
        raise PermissionDenied(gettext("您不能在这个队列批量操作"))
    back = _back(key, request.POST.get("next", ""))
    only = request.POST.get("only")
    ids = _ids([only] if only else request.POST.getlist("case"))
    label = ACTION_LABELS[action]
    if not ids:
        messages.warning(request, gettext("请先勾选案件"))
        return redirect(back)
    # Only cases in the user's scope and still in this queue are touched.
    in_queue = dict(queue.cases(request.user).filter(pk__in=ids).values_list("pk", "number"))
    elsewhere = dict(
        cases_visible_to(request.user).filter(pk__in=set(ids) - set(in_queue)).values_list("pk", "number")
    )
    service = SERVICES[action]
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for pk in ids:
        if pk not in in_queue:
            number = elsewhere.get(pk)
            if number:
                refused.append(
                    (number, gettext("已不在「%(queue)s」队列（可能已被他人处理）") % {"queue": queue.label})
                )
            else:
                refused.append((f"#{pk}", gettext("不存在或不在您的范围内")))
            continue
        try:
            case = service(case=pk, actor=request.user)
        except ActionError as error:
            refused.append((in_queue[pk], error.message))
            continue
        if action == Action.DISPATCH and case.department_id:
            done.append(f"{case.number} → {case.department.name}")
        else:
            done.append(in_queue[pk])
    if done:
        messages.success(
            request,
            gettext("已%(action)s %(n)d 件：%(cases)s")
            % {"action": label, "n": len(done), "cases": "、".join(done)},
        )
    for number, reason in refused:
        messages.error(
            request,
            gettext("%(case)s 未能%(action)s：%(reason)s")
            % {"case": number, "action": label, "reason": reason},
        )
    return redirect(back)


# ---------------------------------------------------------------- the ledger (审批台账)


def _ledger_kinds(user) -> list[str]:
    """The request kinds this user may decide (dispatcher: 回退/延期/挂账; shift leader: 作废)."""
    return [kind for kind, (_req, approve, _deny) in LEDGER.items() if _may(user, approve)]


# Sortable ledger columns (cases/web/sorting.py): first come, first served by default.
LEDGER_SORTS = {
    "case": ("case__number", "requested_at", "id"),
    "kind": ("kind", "requested_at", "id"),
    "requested_at": ("requested_at", "id"),
}
LEDGER_HEADERS = (
    ("case", _("案件")),
    ("kind", _("申请")),
    ("", _("申请人")),
    ("", _("理由")),
    ("requested_at", _("申请时间")),
    ("", _("审批")),
)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("可选")}),
    )


def _ledger_requests(user, kinds: list[str]) -> QuerySet:
    qs = CaseRequest.objects.filter(state=CaseRequest.State.PENDING, kind__in=kinds)
    scope = cases_visible_to(user)
    if scope.query.has_filters():  # district-wide roles see every case: no subquery over the table
        qs = qs.filter(case__in=scope.values("pk"))
    return qs.select_related("case", "requested_by", "requested_department").order_by("requested_at", "id")


def _ledger_row(request, item: CaseRequest, *, form=None, error: str = "", decided: str = "") -> dict:
    item.form = form or DecisionForm(prefix=f"r{item.pk}")
    item.error = error
    item.decided = decided
    item.own = item.requested_by_id == request.user.pk
    return item


@login_required
def ledger(request):
    kinds = _ledger_kinds(request.user)
    if not kinds:
        raise PermissionDenied(gettext("审批台账仅供派遣员和值班长使用"))
    return _ledger_page(request, request.GET, kinds)


def _ledger_page(
    request, params: QueryDict, kinds: list[str], row_errors: dict | None = None, status: int = 200
):
    kind = params.get("kind", "")
    shown = [kind] if kind in kinds else kinds
    sorting = Sorting(params, LEDGER_SORTS, "requested_at", LEDGER_HEADERS, path=reverse("ledger"))
    paginator = Paginator(sorting.order(_ledger_requests(request.user, shown)), PER_PAGE)
    page = paginator.get_page(params.get("page") or "1")
    row_errors = row_errors or {}
    items = [_ledger_row(request, r, **row_errors.get(r.pk, {})) for r in page.object_list]
    now = timezone.now()
    context = {
        "page": page,
        "items": items,
        "kinds": [(k, CaseRequest.Kind(k).label) for k in kinds],
        "kind": kind if kind in kinds else "",
        "sort": sorting.sort,
        "columns": sorting.columns,
        "now": now,
        "query": params.urlencode(),
        "stale_after": now - STALE,
    }
    return render(request, "cases/lists/ledger.html", context, status=status)


@login_required
@require_POST
def ledger_decide(request, pk: int, decision: str):
    kinds = _ledger_kinds(request.user)
    if not kinds:
        raise PermissionDenied(gettext("审批台账仅供派遣员和值班长使用"))
    if decision not in ("approve", "deny"):
        raise Http404
    item = get_object_or_404(_ledger_requests(request.user, kinds), pk=pk)
    form = DecisionForm(request.POST, prefix=f"r{item.pk}")
    error = ""
    if form.is_valid():
        _request_action, approve, deny = LEDGER[item.kind]
        action = approve if decision == "approve" else deny
        try:
            SERVICES[action](case=item.case_id, actor=request.user, note=form.cleaned_data["note"])
        except ActionError as exc:
            error, status = exc.message, exc.status_code
        else:
            status = 200
    else:
        error, status = gettext("请检查审批意见"), 400
    verb = gettext("已批准") if decision == "approve" else gettext("已驳回")
    if request.htmx:
        row = _ledger_row(request, item, form=form, error=error, decided="" if error else verb)
        now = timezone.now()
        context = {"item": row, "now": now, "stale_after": now - STALE, "query": request.POST.get("next", "")}
        return render(request, "cases/lists/_ledger_row.html", context, status=status)
    if error:
        # Back to the list with the error on this row and the note kept.
        params = QueryDict(request.POST.get("next", ""))
        errors = {item.pk: {"form": form, "error": error}}
        return _ledger_page(request, params, kinds, row_errors=errors, status=status)
    messages.success(
        request,
        gettext("%(verb)s %(case)s 的%(kind)s申请")
        % {"verb": verb, "case": item.case.number, "kind": item.get_kind_display()},
    )
    query = QueryDict(request.POST.get("next", "")).urlencode()
    return redirect(f"{reverse('ledger')}?{query}" if query else reverse("ledger"))


urlpatterns = [
    path("queues/<str:key>/", queue_page, name="queue"),
    path("queues/<str:key>/bulk/", queue_bulk, name="queue-bulk"),
    path("cases/", case_search, name="case-search"),
    path("ledger/", ledger, name="ledger"),
    path("ledger/<int:pk>/<str:decision>/", ledger_decide, name="ledger-decide"),
]
