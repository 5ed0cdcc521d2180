"""The inspector's pages (docs/domain.md §1, phone first): report a problem, my 核实/核查 tasks, my reports.

The report form and its two widgets (the position on a map, the category picker) are shared with the
hotline intake (cases/web/hotline.py). The server re-checks everything the browser shows: a position
outside every grid is refused here and by the service, not only by report.js.
"""

import uuid
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cases import services
from cases.errors import ActionError, AlreadySubmitted
from cases.models import Case, Urgency
from cases.photos import attach_capture
from cases.selectors import with_open_step
from cases.web.extensions import extra_tasks
from cases.web.lists import case_filterset
from cases.web.sorting import Sorting
from cases.web.suggestions import log_choice
from cases.workflow import Status
from core.roles import Role
from dispatch.categories import search_categories
from dispatch.filters import NEAR_RADIUS_M, ComponentFilter
from dispatch.models import Category, Component
from grids.locator import locate

PICK_LIMIT = 60  # category matches shown at once: refine the search for more
HISTORY_PAGE = 20
TASK_STATUSES = (Status.VERIFYING, Status.PENDING_CHECK)
# Strings for report.js, translated on the server (the page passes them with json_script).
JS_STRINGS = {
    "pin": _("问题位置（可拖动）"),
    "locating": _("正在确定所在网格…"),
    "grid": _("所在网格："),
    "outside": _("该位置不在本区任何单元网格内，不能上报"),
    "locateFailed": _("暂时无法确定网格，提交时由服务器核对"),
    "noGeolocation": _("此浏览器不支持定位：请在地图上点选问题位置"),
    "denied": _("未获得定位权限：请在地图上点选问题位置"),
    "unavailable": _("无法获取当前位置：请在地图上点选问题位置"),
    "timeout": _("定位超时：请重试，或在地图上点选问题位置"),
    "accuracy": _("定位精度约 {m} 米，请核对图钉位置"),
    "noAddress": _("请先填写地址"),
    "matched": _("已按地名「{place}」定位，请核对图钉位置"),
    "noMatch": _("地址未能匹配地名库，请在地图上点选位置"),
    "chosen": _("已选："),
    "remove": _("移除"),
    "removeNamed": _("移除照片 {name}"),
    "count": _("共 {n} 张"),
    "noPart": _("不关联部件"),
    "partOwner": _("权属：{owner}"),
    "partDistance": _("{m} 米"),
    "partPicked": _("已选部件 {code}，类别随之选为「{category}」"),
}
# Strings for outbox.js (reports made offline, docs/domain.md §12).
OUTBOX_STRINGS = {
    "waiting": _("待发送"),
    "failed": _("发送未成功，需要重新填写"),
    "sent": _("已发送"),
    "count": _("{n} 件上报保存在手机上，恢复网络后自动发送"),
    "queued": _("当前无网络：上报已保存在手机上，恢复网络后自动发送。"),
}
TASK_LABELS = {Status.VERIFYING: _("核实"), Status.PENDING_CHECK: _("核查")}


def role_required(*roles: Role):
    """Signed in and holding one of `roles`, else 403 (the menu only shows a page to its roles)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


# ---------------------------------------------------------------- the report form (shared with hotline)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (camera or files); the service checks each is a real image."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        attrs = {"accept": "image/*", "capture": "environment", "multiple": True}
        kwargs.setdefault("required", False)
        super().__init__(widget=MultipleFileInput(attrs=attrs), **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class CasePositionForm(forms.Form):
    """Position (a pin on the map), address text and the category: what every report needs."""

    lng = forms.FloatField(
        label=_("经度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lat = forms.FloatField(
        label=_("纬度"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    address = forms.CharField(
        label=_("地址"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("如：友谊路32号门前")}),
    )
    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.filter(is_active=True),
        error_messages={
            "required": _("请选择问题类别"),
            "invalid_choice": _("所选类别不存在或已停用，请重新选择"),
        },
        widget=forms.HiddenInput,  # rendered by the picker as radio options
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("看到了什么问题，在哪个位置")}),
        error_messages={"required": _("请填写问题描述")},
    )

    # 部件 picked on the map near the pin (report.js): the case links it and 先属主 routing follows its owner.
    component = forms.CharField(required=False, max_length=17, widget=forms.HiddenInput)

    grid = None  # the located grid, once the position is valid

    def __init__(self, data=None, *args, **kwargs):
        # A part picked without a category chosen: the part's own type is the category (its 小类).
        if data is not None and data.get("component") and not data.get("category"):
            part = Component.objects.filter(code=data["component"]).only("category_id").first()
            if part is not None:
                data = data.copy()
                data["category"] = str(part.category_id)
        super().__init__(data, *args, **kwargs)

    def clean_component(self):
        code = self.cleaned_data.get("component") or ""
        if not code:
            return None
        part = Component.objects.select_related("category", "owner").filter(code=code).first()
        if part is None:
            raise forms.ValidationError(_("所选部件不存在，请重新选择"))
        return part

    def clean(self):
        data = super().clean()
        lng, lat = data.get("lng"), data.get("lat")
        if "lng" in self.errors or "lat" in self.errors:
            return data
        if lng is None or lat is None:
            found = self.fallback_position(data)
            if found is None:
                self.add_error("lng", self.missing_position_message)
                return data
            lng, lat = data["lng"], data["lat"] = found
        try:
            self.grid = locate(lng, lat)
        except ValueError as exc:  # outside every grid, or not a position at all
            self.add_error("lng", str(exc))
        return data

    missing_position_message = _("请点“定位”或在地图上点选问题位置")

    def fallback_position(self, data) -> tuple[float, float] | None:
        """A position when no pin was placed (the hotline form looks the address up); none by default."""
        return None

    def apply_error(self, error: ActionError) -> None:
        """A refusal from the service, next to the field it names (the map for a position)."""
        name = {"lat": "lng", "component": "category"}.get(error.field or "", error.field)
        shown = name in self.fields and not self.fields[name].widget.is_hidden
        self.add_error(name if shown else None, error.message)


class ReportForm(CasePositionForm):
    photos = PhotosField(label=_("现场照片"), help_text=_("可拍照或从相册选择多张"))
    self_resolved = forms.BooleanField(
        label=_("已自行处置"), required=False, help_text=_("小问题当场解决：上传处置后照片，直接待结案")
    )
    after_photos = PhotosField(label=_("处置后照片"))
    # One key per report page: sent twice (a double tap, the browser retrying on a bad connection), the
    # report is saved once and the second answer is the same case (services.case_report).
    submission_key = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["category", "urgency", "description", "photos", "address", "self_resolved", "after_photos"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4().hex

    def clean(self):
        data = super().clean()
        if data.get("self_resolved") and not data.get("after_photos") and "after_photos" not in self.errors:
            self.add_error("after_photos", _("自行处置须上传处置后照片"))
        return data


def picker_context(request, form: CasePositionForm) -> dict:
    """The picker on a full page: a re-rendered form keeps its search words and its chosen category."""
    chosen = (getattr(form, "cleaned_data", None) or {}).get("category") if form.is_bound else None
    q = request.POST.get("category_q", "") if form.is_bound else ""
    return {"category_q": q, **picker_options(q=q, chosen=chosen)}


def picker_options(*, q: str = "", major: str = "", kind: str = "", chosen: Category | None = None) -> dict:
    """The picker's options: matches for the search words, one 大类 to browse, or the 大类 list itself.

    The chosen category always stays on top (checked), so searching again never loses the choice.
    """
    # Typed search words, not stored: U+0000 (which PostgreSQL cannot compare) is simply dropped.
    q, major = q.replace("\x00", "").strip()[:50], major.replace("\x00", "")
    active = Category.objects.filter(is_active=True)
    context = {"q": q, "chosen": chosen, "browsing": None, "groups": [], "majors": [], "more": False}
    if q:
        found = list(search_categories(q, active)[: PICK_LIMIT + 1])
    elif major and kind in Category.Kind.values:
        found = list(active.filter(kind=kind, major_code=major).order_by("code")[: PICK_LIMIT + 1])
        context["browsing"] = (
            f"{found[0].get_kind_display()} {major} {found[0].major_name}" if found else major
        )
    else:
        context["majors"] = _majors(active)
        return context
    context["more"] = len(found) > PICK_LIMIT
    context["groups"] = _group(c for c in found[:PICK_LIMIT] if not chosen or c.pk != chosen.pk)
    return context


def _majors(active) -> list:
    """The 大类 of 部件 and 事项, to browse when nothing is searched yet (one small query)."""
    rows = active.order_by("kind", "major_code").values_list("kind", "major_code", "major_name").distinct()
    kinds = dict(Category.Kind.choices)
    groups: dict[str, list] = {}
    for kind, code, name in rows:
        groups.setdefault(kind, []).append({"kind": kind, "code": code, "name": name})
    return [(kinds.get(kind, kind), items) for kind, items in groups.items()]


def _group(categories) -> list:
    """[(kind label, [(major code, major name, [category…])…])…] in the published order."""
    kinds = dict(Category.Kind.choices)
    grouped: dict[str, dict[str, tuple]] = {}
    for category in categories:
        majors = grouped.setdefault(category.kind, {})
        majors.setdefault(category.major_code, (category.major_code, category.major_name, []))[2].append(
            category
        )
    return [(kinds.get(kind, kind), list(majors.values())) for kind, majors in grouped.items()]


@login_required
@require_GET
def category_options(request):
    """The picker's options as an HTML fragment (htmx), for any signed-in user who reports."""
    chosen = None
    if (chosen_id := request.GET.get("category", "")).isdigit():
        chosen = Category.objects.filter(pk=chosen_id, is_active=True).first()
    context = picker_options(
        q=request.GET.get("category_q", ""),
        major=request.GET.get("major", ""),
        kind=request.GET.get("kind", ""),
        chosen=chosen,
    )
    # Rendered without the request: a keystroke needs no menu or unread count (context processors).
    return HttpResponse(render_to_string("cases/inspector/_category_options.html", context))


@login_required
@require_GET
def position_locate(request):
    """The grid at a position, for the pin (report.js). Always 200 for a request we understand: outside
    the district is an answer the page shows, not a failed request (the API's /grids/locate/ says 400)."""
    try:
        grid = locate(request.GET.get("lng"), request.GET.get("lat"))
    except ValueError as exc:  # outside every grid, or not a position
        return JsonResponse({"inside": False, "detail": str(exc)})
    community = grid.community
    return JsonResponse(
        {
            "inside": True,
            "code": grid.code,
            "name": grid.name,
            "community": {"code": community.code, "name": community.name},
            "street": {"code": community.street.code, "name": community.street.name},
        }
    )


COMPONENTS_NEAR_LIMIT = 30


@login_required
@require_GET
def components_near(request):
    """部件 near the pin (report.js draws them and offers them to pick), nearest first, with the owner
    that 先属主 routing will send the case to. `?lng=&lat=&radius=` (m, default 80)."""
    from grids.coords import distance_m

    try:
        lng, lat = float(request.GET["lng"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        return JsonResponse({"detail": str(_("需要 lng 和 lat"))}, status=400)
    params = {"near": f"{lng},{lat}", "radius": request.GET.get("radius") or NEAR_RADIUS_M}
    found = ComponentFilter(
        params, queryset=Component.objects.select_related("category", "owner").exclude(status="removed")
    )
    if not found.is_valid():
        return JsonResponse({"detail": found.errors}, status=400)
    parts = sorted(
        ((distance_m(lng, lat, part.lng, part.lat), part) for part in found.qs[:500]),
        key=lambda pair: pair[0],
    )[:COMPONENTS_NEAR_LIMIT]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [part.lng, part.lat]},
                    "properties": {
                        "code": part.code,
                        "name": part.name or part.category.name,
                        "category": part.category.name,
                        "category_id": part.category_id,
                        "owner": part.owner.name if part.owner else "",
                        "status": part.get_status_display(),
                        "distance_m": round(distance, 1),
                    },
                }
                for distance, part in parts
            ],
        }
    )


# ---------------------------------------------------------------- report


@role_required(Role.INSPECTOR)
def report(request):
    """上报: position, category, photos; 自行处置 with after-photos goes straight to 待结案."""
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            # What the phone recorded when each photo was picked (report.js; the shrunk copies carry no EXIF).
            attach_capture(data["photos"], request.POST.get("photos_capture"))
            attach_capture(data["after_photos"], request.POST.get("after_photos_capture"))
            try:
                case = services.case_report(
                    actor=request.user,
                    category=data["category"],
                    lng=data["lng"],
                    lat=data["lat"],
                    address=data["address"],
                    description=data["description"],
                    urgency=data["urgency"],
                    component=data["component"],
                    photos=data["photos"],
                    self_resolved=data["self_resolved"],
                    after_photos=data["after_photos"] if data["self_resolved"] else None,
                    submission_key=data["submission_key"],
                )
            except ActionError as error:
                form.apply_error(error)
            except AlreadySubmitted as replay:  # sent before, and saved then: show that case
                messages.info(request, gettext("这次上报之前已经收到，以下是该案件。"))
                return redirect(f"{reverse('case-detail', args=[replay.case.pk])}?reported=1")
            else:
                log_choice(request, case=case, where="report", chosen=data["category"])
                if data["self_resolved"]:
                    done = gettext("上报成功：案件 %(number)s 已自行处置，等待值班长结案。")
                else:
                    done = gettext("上报成功：案件 %(number)s 已提交指挥中心受理。")
                messages.success(request, done % {"number": case.number})
                return redirect(f"{reverse('case-detail', args=[case.pk])}?reported=1")
    else:
        form = ReportForm()
    return render(
        request,
        "cases/inspector/report.html",
        {
            "form": form,
            "reselect": set(request.FILES),
            "js_strings": JS_STRINGS,
            "outbox_strings": OUTBOX_STRINGS,
            **picker_context(request, form),
        },
    )


# ---------------------------------------------------------------- my tasks


def my_tasks(user) -> QuerySet[Case]:
    """核实 and 核查 waiting in the user's grids, nearest deadline first. A 核实 sent to a colleague who
    shares the grid is theirs alone (cases.rules.scope_error), so it is not listed here."""
    not_mine = Q(status=Status.VERIFYING, verify_inspector__isnull=False) & ~Q(verify_inspector=user)
    tasks = Case.objects.filter(status__in=TASK_STATUSES, grid__in=user.grids.values("pk")).exclude(not_mine)
    return with_open_step(tasks).order_by(F("due_at").asc(nulls_last=True), "created_at")


# Sortable columns of the task list and the report history (cases/web/sorting.py).
TASK_SORTS = {
    "deadline": ("due_at", "created_at"),
    "number": ("number",),
    "category": ("category_code", "id"),
    "created_at": ("created_at", "id"),
}
TASK_HEADERS = (
    ("deadline", _("期限")),
    ("created_at", _("上报时间")),
    ("category", _("类别")),
    ("number", _("编号")),
)
HISTORY_SORTS = {
    "created_at": ("created_at", "id"),
    "number": ("number",),
    "category": ("category_code", "id"),
}
HISTORY_HEADERS = (("created_at", _("上报时间")), ("category", _("类别")), ("number", _("编号")))
TASK_FILTERS = ("q", "status", "light")
HISTORY_FILTERS = ("q", "status")


def _task_filters(request):
    """The API's CaseFilterSet over my tasks: words, 核实 or 核查, the light."""
    fs = case_filterset(request, my_tasks(request.user), TASK_FILTERS)
    fs.form.fields["status"].label = _("任务")
    fs.form.fields["status"].widget.choices = [("", _("全部")), *TASK_LABELS.items()]
    return fs


def _autosubmit(fs, names) -> None:
    for name in names:
        fs.form.fields[name].widget.attrs["data-autosubmit"] = ""


@role_required(Role.INSPECTOR)
def tasks(request):
    fs = _task_filters(request)
    _autosubmit(fs, ("status", "light"))
    sorting = Sorting(request.GET, TASK_SORTS, "deadline", TASK_HEADERS, path=reverse("inspector-tasks"))
    rows = list(sorting.order(fs.qs).select_related("grid").only(*_TASK_FIELDS, "grid__code", "grid__name"))
    for case in rows:
        case.task_label = TASK_LABELS.get(case.status, case.status)
    grid_codes = list(request.user.grids.order_by("code").values_list("code", flat=True))
    filtered = any(request.GET.get(n) for n in TASK_FILTERS)
    geojson = reverse("inspector-tasks-geojson")
    filters = QueryDict(mutable=True)
    for name in TASK_FILTERS:
        if request.GET.get(name):
            filters.setlist(name, request.GET.getlist(name))
    return render(
        request,
        "cases/inspector/tasks.html",
        {
            "tasks": rows,
            "other_tasks": extra_tasks(request.user),
            "grid_codes": grid_codes,
            "filters": fs,
            "filter_fields": [fs.form[name] for name in TASK_FILTERS],
            "filtered": filtered,
            "sort": sorting.sort,
            "columns": sorting.columns,
            # The map shows the same tasks as the list.
            "tasks_url": f"{geojson}?{filters.urlencode()}" if filtered else geojson,
        },
    )


_TASK_FIELDS = (
    "number",
    "status",
    "category_name",
    "address",
    "description",
    "lng",
    "lat",
    "created_at",
    "grid",
)


@role_required(Role.INSPECTOR)
def tasks_geojson(request):
    """My tasks as GeoJSON points for the map (cityops/static/cityops/map.js showCases)."""
    url = case_url_maker()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [case.lng, case.lat]},
            "properties": {
                "number": case.number,
                "url": url(case.pk),
                "light": case.light or "",
                "label": f"{TASK_LABELS.get(case.status, '')} {case.category_name}",
            },
        }
        for case in _task_filters(request).qs.only(*_TASK_FIELDS)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def case_url_maker():
    """case id → case page URL, reversing once rather than once per row."""
    pattern = reverse("case-detail", args=[987654321])
    return lambda pk: pattern.replace("987654321", str(pk))


# ---------------------------------------------------------------- my reports


@role_required(Role.INSPECTOR)
def history(request):
    """My reports, newest first, with their state now (the API's filters narrow them; sortable)."""
    fs = case_filterset(request, Case.objects.filter(reporter=request.user), HISTORY_FILTERS)
    _autosubmit(fs, ("status",))
    sorting = Sorting(
        request.GET, HISTORY_SORTS, "-created_at", HISTORY_HEADERS, path=reverse("inspector-history")
    )
    reports = fs.qs.select_related("grid").only(
        "number",
        "status",
        "category_name",
        "address",
        "created_at",
        "self_resolved",
        "grid__code",
        "grid__name",
    )
    page = Paginator(sorting.order(reports), HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/inspector/history.html",
        {
            "page": page,
            "filters": fs,
            "filter_fields": [fs.form[name] for name in HISTORY_FILTERS],
            "filtered": any(request.GET.get(n) for n in HISTORY_FILTERS),
            "sort": sorting.sort,
            "columns": sorting.columns,
        },
    )


urlpatterns = [
    path("inspector/report/", report, name="inspector-report"),
    path("inspector/tasks/", tasks, name="inspector-tasks"),
    path("inspector/tasks.geojson", tasks_geojson, name="inspector-tasks-geojson"),
    path("inspector/history/", history, name="inspector-history"),
    path("categories/pick/", category_options, name="category-options"),
    path("map/locate/", position_locate, name="position-locate"),
    path("map/components/", components_near, name="components-near"),
]
