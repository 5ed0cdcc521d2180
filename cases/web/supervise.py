"""Supervisor pages (docs/domain.md §1 领导/督查, issue #5 point 8): the map of open cases by light and the
overdue list with 督办.

The map's data is a GeoJSON endpoint sized for a large city: with 100,000 open cases it never ships
them all. For the map's current view (bbox) and filters it returns the cases themselves, most urgent
first, up to POINT_CAP; above that it returns one circle per cell of a grid laid over the view (count
and worst light), computed by PostgreSQL in one GROUP BY. Either way it is a fixed number of queries.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, IntegerField, Max, Min, Value, When
from django.db.models import Case as SqlCase
from django.db.models.functions import Floor
from django.http import JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases import channels, services
from cases.errors import ActionError
from cases.filters import CaseFilterSet
from cases.models import OPEN_STATES, Case, Light, TimedStep
from cases.selectors import cases_visible_to, with_open_step
from cases.web.sorting import Sorting
from cases.workflow import STATUS_LABELS
from core.roles import Role
from dispatch.models import Category, Department
from grids.models import Street

MAP_ROLES = frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER})
OVERDUE_ROLES = frozenset({Role.SUPERVISOR, Role.SHIFT_LEADER})
POINT_CAP = 3000  # above this many cases in view, the map shows cells instead of points
CELLS_ACROSS = 32  # cells across the view in aggregate mode
PAGE_SIZE = 30
_SENTINEL = 987654321987

# Worst light first: red 3, yellow 2, green 1, no timed step 0.
LIGHT_RANK = {Light.RED.value: 3, Light.YELLOW.value: 2, Light.GREEN.value: 1}
RANK_LIGHT = {rank: light for light, rank in LIGHT_RANK.items()}


def _require(user, roles: frozenset) -> None:
    if not user.roles & roles:
        raise PermissionDenied(_("该页面仅供领导/督查和值班长使用"))


def _case_url_maker():
    """case id → case page URL, reversing once (a list of 3,000 cases would otherwise reverse 3,000 times)."""
    pattern = reverse("case-detail", args=[_SENTINEL])
    return lambda pk: pattern.replace(str(_SENTINEL), str(pk))


def _with_open_step(qs):
    """Each case with its running step's deadline and light, and the light's rank (worst first)."""
    return with_open_step(qs).annotate(
        light_rank=SqlCase(
            *(When(light=light, then=Value(rank)) for light, rank in LIGHT_RANK.items()),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


# ---------------------------------------------------------------- filters


def _major_choices() -> list[tuple[str, str]]:
    majors = (
        Category.objects.order_by("kind", "major_code")
        .values_list("kind", "major_code", "major_name")
        .distinct()
    )
    kinds = dict(Category.Kind.choices)
    return [("", _("全部大类"))] + [
        (f"{kind}-{code}", f"{kinds[kind]} {code} {name}") for kind, code, name in majors
    ]


class MapFilterForm(forms.Form):
    street = forms.ChoiceField(label=_("街道"), required=False)
    major = forms.ChoiceField(label=_("大类"), required=False)
    light = forms.ChoiceField(
        label=_("亮灯"), required=False, choices=[("", _("全部"))] + list(Light.choices)
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=lambda: [("", _("全部来源")), *channels.choices()]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [("", _("全部街道"))] + list(
            Street.objects.order_by("code").values_list("code", "name")
        )
        self.fields["major"].choices = _major_choices()

    def filter_data(self) -> dict:
        """The CaseFilterSet parameters (the API's names) for what is asked. The FilterSet validates them as
        the API does: an unknown street code finds nothing, a malformed light is ignored."""
        data = {k: (self.data.get(k) or "").strip() for k in self.fields}
        params = {k: data[k] for k in ("street", "light") if data[k]}
        if data["source"]:
            params["source"] = [data["source"]]
        if "-" in data["major"]:
            params["kind"], params["major_code"] = data["major"].split("-", 1)
        return params


def _filtered(user, params: dict):
    base = cases_visible_to(user).filter(status__in=OPEN_STATES)
    return CaseFilterSet(params, queryset=base).qs


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except (AttributeError, ValueError):
        return None
    if not (west < east and south < north and -180 <= west and east <= 180 and -90 <= south and north <= 90):
        return None
    return west, south, east, north


# ---------------------------------------------------------------- the map


@login_required
def supervise_map(request):
    _require(request.user, MAP_ROLES)
    form = MapFilterForm(request.GET or None)
    form.is_valid()
    return render(
        request,
        "cases/supervise/map.html",
        {"form": form, "data_url": reverse("supervise-cases"), "cap": POINT_CAP},
    )


@login_required
def cases_geojson(request):
    """Open cases in view as GeoJSON: points (≤ POINT_CAP, most urgent first) or an aggregate of cells.

    Parameters: the map filters (street, major, light, source) and bbox=west,south,east,north.
    """
    _require(request.user, MAP_ROLES)
    form = MapFilterForm(request.GET)
    qs = _filtered(request.user, form.filter_data())
    bbox = _bbox(request.GET.get("bbox", ""))
    if bbox:
        west, south, east, north = bbox
        qs = qs.filter(lng__gte=west, lng__lte=east, lat__gte=south, lat__lte=north)
    extent = qs.aggregate(n=Count("id"), west=Min("lng"), south=Min("lat"), east=Max("lng"), north=Max("lat"))
    total = extent["n"]
    if total <= POINT_CAP:
        features, mode = _points(qs), "points"
    else:
        features, mode = (
            _cells(qs, bbox or (extent["west"], extent["south"], extent["east"], extent["north"])),
            "cells",
        )
    return JsonResponse(
        {"type": "FeatureCollection", "mode": mode, "total": total, "cap": POINT_CAP, "features": features}
    )


def _points(qs) -> list[dict]:
    url = _case_url_maker()
    labels = {s.value: str(label) for s, label in STATUS_LABELS.items()}
    rows = (
        _with_open_step(qs)
        .order_by("-light_rank", F("due_at").asc(nulls_last=True), "id")
        .values_list("pk", "number", "lng", "lat", "category_name", "status", "light_rank")[:POINT_CAP]
    )
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "number": number,
                "url": url(pk),
                "light": RANK_LIGHT.get(rank, ""),
                "label": f"{category} · {labels.get(status, status)}",
            },
        }
        for pk, number, lng, lat, category, status, rank in rows
    ]


def _cells(qs, bbox) -> list[dict]:
    """One feature per non-empty cell of a CELLS_ACROSS-wide grid over the view, at the cases' mean
    position, with the count and the worst light."""
    west, south, east, north = bbox
    size = max((east - west) / CELLS_ACROSS, (north - south) / CELLS_ACROSS, 1e-6)
    rows = (
        _with_open_step(qs)
        .annotate(cx=Floor((F("lng") - west) / size), cy=Floor((F("lat") - south) / size))
        .values("cx", "cy")
        .annotate(n=Count("id"), worst=Max("light_rank"), mlng=Avg("lng"), mlat=Avg("lat"))
        .order_by()
    )
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(r["mlng"], 6), round(r["mlat"], 6)]},
            "properties": {"count": r["n"], "light": RANK_LIGHT.get(r["worst"], "")},
        }
        for r in rows
    ]


# ---------------------------------------------------------------- the overdue list

STEP_CHOICES = TimedStep._meta.get_field("step").choices


class OverdueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("编号、地址、描述")}),
    )
    street = forms.ChoiceField(label=_("街道"), required=False)
    department = forms.ChoiceField(label=_("主办部门"), required=False)
    step = forms.ChoiceField(
        label=_("环节"), required=False, choices=[("", _("全部环节"))] + list(STEP_CHOICES)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [("", _("全部街道"))] + list(
            Street.objects.order_by("code").values_list("code", "name")
        )
        self.fields["department"].choices = [("", _("全部部门"))] + list(
            Department.objects.order_by("name").values_list("code", "name")
        )


class SuperviseForm(forms.Form):
    note = forms.CharField(
        label=_("督办意见"),
        max_length=500,
        initial=_("已超期，请尽快处置并反馈"),
        error_messages={"required": _("请填写督办意见")},
    )


@dataclass
class Row:
    """One overdue case: its late step, and the 督办 form (with an error after a refused submit)."""

    step: TimedStep
    url: str
    form: SuperviseForm
    error: str = ""
    done: bool = False

    @property
    def case(self) -> Case:
        return self.step.case


# Sortable columns (cases/web/sorting.py) over the late steps: "deadline" (the default) is the most
# overdue first.
OVERDUE_SORTS = {
    "number": ("case__number",),
    "category": ("case__category_code", "id"),
    "street": ("case__street__code", "case__grid__code", "id"),
    "department": ("case__department__name", "due_at", "id"),
    "step": ("step", "due_at", "id"),
    "deadline": ("due_at", "id"),
    "supervised": ("case__supervise_count", "due_at", "id"),
}
OVERDUE_HEADERS = (
    ("number", _("案件编号")),
    ("category", _("类别")),
    ("street", _("街道 / 网格")),
    ("department", _("主办部门")),
    ("step", _("环节")),
    ("deadline", _("截止时间")),
    ("", _("已超期")),
    ("supervised", _("督办次数")),
)


def _overdue_steps(user, data: dict):
    """The late running steps of the open cases in scope that match the filters (the case filters go
    through the API's CaseFilterSet), most overdue first."""
    filters = {k: data[k] for k in ("q", "street", "department") if data.get(k)}
    cases = _filtered(user, filters)
    steps = TimedStep.objects.filter(finished_at__isnull=True, light=Light.RED, case__in=cases)
    if data.get("step"):
        steps = steps.filter(step=data["step"])
    return steps.select_related("case__department", "case__street", "case__grid").order_by("due_at", "id")


def _can_supervise(user) -> bool:
    return Role.SUPERVISOR in user.roles


@login_required
def supervise_overdue(request):
    _require(request.user, OVERDUE_ROLES)
    return _overdue_page(request, request.GET)


def _overdue_page(request, query: QueryDict, errors: dict | None = None):
    """The list for the filters in `query`; `errors` = {case id: (message, bound form)} after a refusal."""
    form = OverdueFilterForm(query or None)
    data = form.cleaned_data if form.is_valid() else {}
    sorting = Sorting(query, OVERDUE_SORTS, "deadline", OVERDUE_HEADERS, path=reverse("supervise-overdue"))
    steps = sorting.order(_overdue_steps(request.user, data))
    page = Paginator(steps, PAGE_SIZE).get_page(query.get("page"))
    url = _case_url_maker()
    errors = errors or {}
    rows = []
    for step in page.object_list:
        failed = errors.get(step.case_id)
        rows.append(
            Row(
                step=step,
                url=url(step.case_id),
                form=failed[1] if failed else SuperviseForm(prefix=f"c{step.case_id}"),
                error=failed[0] if failed else "",
            )
        )
    return render(
        request,
        "cases/supervise/overdue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "now": timezone.now(),
            "can_supervise": _can_supervise(request.user),
            "filtered": any(query.get(name) for name in form.fields),
            "sort": sorting.sort,
            "columns": sorting.columns,
            "back": request.get_full_path()
            if request.method == "GET"
            else reverse("supervise-overdue") + "?" + query.urlencode(),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def supervise_case(request, pk: int):
    """督办 one case from the overdue list. htmx swaps the row; without JavaScript the page reloads."""
    _require(request.user, OVERDUE_ROLES)
    case = get_object_or_404(cases_visible_to(request.user).filter(status__in=OPEN_STATES), pk=pk)
    form = SuperviseForm(request.POST, prefix=f"c{pk}")
    error = ""
    if form.is_valid():
        try:
            case = services.case_supervise(case=case, actor=request.user, note=form.cleaned_data["note"])
        except ActionError as exc:
            error = exc.message
    else:
        error = "; ".join(form.errors.get("note", [])) or str(_("请填写督办意见"))
    if request.htmx:
        step = (
            TimedStep.objects.filter(case_id=pk, finished_at__isnull=True)
            .select_related("case__department", "case__street", "case__grid")
            .order_by("-id")
            .first()
        )
        if step is None:  # the case moved on meanwhile: nothing left to show on this row
            return render(request, "cases/supervise/_gone_row.html", {"case": case})
        row = Row(
            step=step,
            url=_case_url_maker()(pk),
            form=form if error else SuperviseForm(prefix=f"c{pk}"),
            error=error,
            done=not error,
        )
        return render(
            request,
            "cases/supervise/_overdue_row.html",
            {"row": row, "now": timezone.now(), "can_supervise": True},
            status=200,
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}) or not back.startswith("/"):
        back = reverse("supervise-overdue")
    if error:
        query = QueryDict(back.split("?", 1)[1] if "?" in back else "")
        return _overdue_page(request, query, errors={pk: (error, form)})
    messages.success(
        request, _("已督办 %(number)s（累计 %(n)s 次）") % {"number": case.number, "n": case.supervise_count}
    )
    return redirect(back)


urlpatterns = [
    path("supervise/map/", supervise_map, name="supervise-map"),
    path("supervise/cases.geojson", cases_geojson, name="supervise-cases"),
    path("supervise/overdue/", supervise_overdue, name="supervise-overdue"),
    path("supervise/overdue/<int:pk>/supervise/", supervise_case, name="supervise-case"),
]
