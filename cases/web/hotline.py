"""The hotline agent's pages (docs/domain.md §1): quick intake of a caller, recent hotline cases, the 回访 queue.

The intake form shares the position map and the category picker with the inspector's report form
(cases/web/inspector.py, cityops/static/cityops/report.js). An address the gazetteer knows places the
pin (cases/intake/gazetteer.py), in the browser as the agent types and again on the server when no pin
was placed. A ticket number already registered is refused by the service (or by the API inbox here).
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cases import channels, services
from cases.caller_history import caller_history
from cases.errors import ActionError
from cases.filters import CaseFilterSet
from cases.intake import gazetteer
from cases.intake.hotline import source_for_channel
from cases.intake.loop import awaiting_centre
from cases.models import Case, CaseEvent, HotlineTicket, RequestNature, Satisfaction
from cases.selectors import cases_visible_to, district_limit, with_open_step
from cases.web.inspector import JS_STRINGS, CasePositionForm, picker_context, role_required
from cases.web.lists import case_filterset
from cases.web.sorting import Sorting
from cases.web.suggestions import log_choice
from cases.workflow import STATUS_CHOICES, Action, Status
from core.roles import Role

TICKETS_PAGE = 30
CALLBACKS_PAGE = 20
CALLBACK_FILTERS = ("q", "source")
INBOX_PREVIEW = 20


def hotline_channel_choices() -> list[tuple[str, str]]:
    """The active hotline channels (their rows, cases/channels.py), as (number, name)."""
    return [(c.hotline_number, c.name) for c in channels.registry().values() if c.is_hotline and c.is_active]


def hotline_source_choices() -> list[tuple[str, str]]:
    """Every hotline channel as (source code, name), for filters (a switched-off one keeps its cases)."""
    return [(c.code, c.name) for c in channels.registry().values() if c.is_hotline]


SESSION_CHANNEL = "hotline_channel"  # the agent's line: most agents answer one all day


# ---------------------------------------------------------------- intake


class IntakeForm(CasePositionForm):
    channel = forms.ChoiceField(
        label=_("热线渠道"), choices=hotline_channel_choices, initial="12345", widget=forms.RadioSelect
    )
    hotline_ticket_no = forms.CharField(
        label=_("热线工单号"),
        max_length=64,
        error_messages={"required": _("请填写热线工单号")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    reporter_name = forms.CharField(label=_("来电人姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=_("来电电话"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "off",
                "inputmode": "tel",
                # The caller's history appears beside the number as the agent types it (caller_history).
                "hx-get": reverse_lazy("hotline-caller-history"),
                "hx-trigger": "input changed delay:500ms, change",
                "hx-target": "#caller-history",
                "hx-swap": "innerHTML",
            }
        ),
    )
    request_nature = forms.ChoiceField(
        label=_("诉求性质"),
        choices=RequestNature.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    missing_position_message = _("请在地图上点选位置，或填写能在地名库中找到的地址")
    geocoded: gazetteer.Position | None = None

    def clean_hotline_ticket_no(self) -> str:
        return self.cleaned_data["hotline_ticket_no"].strip()

    def fallback_position(self, data) -> tuple[float, float] | None:
        self.geocoded = gazetteer.locate_address(data.get("address", ""))
        return (self.geocoded.lng, self.geocoded.lat) if self.geocoded else None

    def clean(self):
        data = super().clean()
        if not (data.get("reporter_name") or data.get("reporter_phone")):
            self.add_error("reporter_phone", _("请填写来电人姓名或电话"))
        channel, ticket_no = data.get("channel"), data.get("hotline_ticket_no")
        if channel and ticket_no:
            # The hotline system may have delivered it through the API already (cases/intake/hotline.py).
            inbox = HotlineTicket.objects.filter(channel=channel, ticket_no=ticket_no).only("state").first()
            if inbox is not None:
                self.add_error(
                    "hotline_ticket_no",
                    gettext("%(channel)s 工单 %(no)s 已由热线系统接口接收（%(state)s），无需重复登记")
                    % {"channel": channel, "no": ticket_no, "state": inbox.get_state_display()},
                )
        return data


@role_required(Role.HOTLINE)
def intake(request):
    """热线登记: one caller, one case; on success a confirmation and a fresh form for the next call."""
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            note = form.geocoded.describe() if form.geocoded else ""
            try:
                case = services.case_report(
                    actor=request.user,
                    source=source_for_channel(data["channel"]),
                    hotline_ticket_no=data["hotline_ticket_no"],
                    request_nature=data.get("request_nature", ""),
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    category=data["category"],
                    lng=data["lng"],
                    lat=data["lat"],
                    address=data["address"],
                    description=data["description"],
                    urgency=data["urgency"],
                    component=data.get("component"),
                    note=note,
                )
            except ActionError as error:
                form.apply_error(error)
            else:
                log_choice(request, case=case, where="hotline", chosen=data["category"])
                request.session[SESSION_CHANNEL] = data["channel"]
                return redirect(f"{reverse('hotline-intake')}?case={case.pk}")
        confirmed = None
    else:
        form = IntakeForm(initial={"channel": request.session.get(SESSION_CHANNEL, "12345")})
        confirmed = None
        if (pk := request.GET.get("case", "")).isdigit():
            confirmed = (
                Case.objects.filter(pk=pk, reporter=request.user)
                .only("number", "hotline_channel", "hotline_ticket_no", "grid__name", "category_name")
                .select_related("grid")
                .first()
            )
    return render(
        request,
        "cases/hotline/intake.html",
        {"form": form, "confirmed": confirmed, "js_strings": JS_STRINGS, **picker_context(request, form)},
    )


@role_required(Role.HOTLINE, Role.OPERATOR)
@require_GET
def caller_history_fragment(request):
    """The caller's earlier calls (htmx fragment beside the phone field): only these two roles may see
    a caller (core/privacy.py), and the number never leaves the page it was typed in."""
    phone = request.GET.get("reporter_phone", "")[:30]
    history = caller_history(phone) if len(phone.strip()) >= 5 else None
    return render(request, "cases/hotline/_caller_history.html", {"history": history})


@role_required(Role.HOTLINE, Role.OPERATOR)
@require_GET
def geocode(request):
    """Address text → a position from the gazetteer (JSON), for the intake map's pin. An address it cannot
    match is an answer too (found: false, with what to do), not a 404 the page would hide in the console."""
    position = gazetteer.locate_address(request.GET.get("address", "")[:200])
    if position is None:
        return JsonResponse({"found": False, "detail": gettext("地址未能匹配地名库，请在地图上点选位置")})
    return JsonResponse(
        {
            "found": True,
            "lng": position.lng,
            "lat": position.lat,
            "place": position.place.name,
            "kind": position.how,
        }
    )


# ---------------------------------------------------------------- recent tickets


# Sortable columns (cases/web/sorting.py): (sort key or "", header) in the table's order.
TICKET_SORTS = {
    "ticket": ("hotline_channel", "hotline_ticket_no", "id"),
    "number": ("number",),
    "category": ("category_code", "id"),
    "created_at": ("created_at", "id"),
}
TICKET_HEADERS = (
    ("ticket", _("工单号")),
    ("number", _("案件编号")),
    ("", _("来电人")),
    ("category", _("类别")),
    ("", _("状态")),
    ("created_at", _("登记时间")),
    ("", _("满意度")),
)
CALLBACK_SORTS = {
    "closed_at": ("closed_at", "id"),
    "created_at": ("created_at", "id"),
    "number": ("number",),
    "tries": ("tries", "closed_at", "id"),
}
CALLBACK_HEADERS = (
    ("closed_at", _("结案时间")),
    ("created_at", _("登记时间")),
    ("tries", _("已回访次数")),
    ("number", _("案件编号")),
)


@role_required(Role.HOTLINE)
def tickets(request):
    """Recent hotline cases with their state now (filter by channel, status, words), and the API inbox's
    tickets that are not cases yet."""
    hotline_cases = cases_visible_to(request.user).filter(source__in=channels.hotline_codes())
    # Selects left at 全部 send an empty value: that means "any", not an invalid choice.
    params = request.GET.copy()
    for key in [k for k in params if not any(v.strip() for v in params.getlist(k))]:
        del params[key]
    filterset = CaseFilterSet(params or None, queryset=hotline_cases)
    rows = filterset.qs if filterset.is_bound else hotline_cases
    sorting = Sorting(
        request.GET, TICKET_SORTS, "-created_at", TICKET_HEADERS, path=reverse("hotline-tickets")
    )
    rows = sorting.order(
        with_open_step(rows)
        .select_related("grid")
        .only(
            "number",
            "status",
            "source",
            "hotline_channel",
            "hotline_ticket_no",
            "reporter_name",
            "reporter_phone",
            "category_name",
            "address",
            "satisfaction",
            "request_nature",
            "created_at",
            "grid__name",
        )
    )
    page = Paginator(rows, TICKETS_PAGE).get_page(request.GET.get("page"))
    inbox = list(
        HotlineTicket.objects.exclude(state=HotlineTicket.State.DONE)
        .only("channel", "ticket_no", "received_at", "state", "address", "last_error", "caller_name")
        .order_by("-created_at")[:INBOX_PREVIEW]
    )
    return render(
        request,
        "cases/hotline/tickets.html",
        {
            "page": page,
            "filterset": filterset,
            "inbox": inbox,
            "loop": awaiting_centre(),
            "source_choices": hotline_source_choices(),
            "status_choices": STATUS_CHOICES,
            "chosen_source": request.GET.get("source", ""),
            "chosen_status": request.GET.get("status", ""),
            "nature_choices": RequestNature.choices,
            "chosen_nature": request.GET.get("request_nature", ""),
            "q": request.GET.get("q", ""),
            "sort": sorting.sort,
            "columns": sorting.columns,
        },
    )


# ---------------------------------------------------------------- 回访


class CallbackForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("满意度"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意度")},
    )
    note = forms.CharField(
        label=_("回访记录"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def callback_queue(user=None):
    """Closed hotline cases not yet called back since they closed (未联系上 keeps a case in the queue);
    a district's agent calls back their district's callers (docs/domain.md §13)."""
    since_closed = CaseEvent.objects.filter(
        case=OuterRef("pk"), action=Action.CALLBACK, at__gte=OuterRef("closed_at")
    )
    reached = since_closed.exclude(payload__satisfaction=Satisfaction.UNREACHABLE)
    tries = since_closed.order_by().values("case").annotate(n=Count("id")).values("n")
    cases = Case.objects.all()
    if user is not None and (district := district_limit(user)) is not None:
        cases = cases.filter(district_id=district)
    return (
        cases.filter(status=Status.CLOSED, source__in=channels.hotline_codes())
        .exclude(Exists(reached))
        .annotate(tries=Coalesce(Subquery(tries, output_field=IntegerField()), Value(0)))
        .only(
            "number",
            "hotline_channel",
            "hotline_ticket_no",
            "reporter_name",
            "reporter_phone",
            "category_name",
            "address",
            "description",
            "closed_at",
            "created_at",
        )
        .order_by("closed_at", "id")
    )


def _callback_form(case, data=None) -> CallbackForm:
    return CallbackForm(data, prefix=f"cb{case.pk}")


def _callbacks_page(
    request, params: QueryDict, *, failed: tuple[int, CallbackForm] | None = None, status=200
):
    """The 回访 queue narrowed by the API's filters (words, channel) and sorted; `failed` = a refused
    row's (case id, bound form), shown again with its errors."""
    fs = case_filterset(request, callback_queue(request.user), CALLBACK_FILTERS, params=params)
    fs.form.fields["source"].label = _("渠道")
    fs.form.fields["source"].widget.choices = [("", _("全部")), *hotline_source_choices()]
    fs.form.fields["source"].widget.attrs["data-autosubmit"] = ""
    sorting = Sorting(
        params, CALLBACK_SORTS, "closed_at", CALLBACK_HEADERS, path=reverse("hotline-callbacks")
    )
    page = Paginator(sorting.order(fs.qs), CALLBACKS_PAGE).get_page(params.get("page"))
    for case in page.object_list:
        case.form = failed[1] if failed and case.pk == failed[0] else _callback_form(case)
    context = {
        "page": page,
        "filter_fields": [fs.form[name] for name in CALLBACK_FILTERS],
        "filtered": any(params.get(n) for n in CALLBACK_FILTERS),
        "sort": sorting.sort,
        "columns": sorting.columns,
    }
    return render(request, "cases/hotline/callbacks.html", context, status=status)


@role_required(Role.HOTLINE)
def callbacks(request):
    return _callbacks_page(request, request.GET)


@role_required(Role.HOTLINE)
@require_POST
def callback(request, pk: int):
    """Record one 回访; with htmx the row is replaced (gone when the caller was reached)."""
    case = callback_queue(request.user).filter(pk=pk).first()
    if case is None:
        message = gettext("该案件已回访或不在回访队列中")
        if request.htmx:
            return HttpResponse(f'<li class="callback-item muted" role="status">{message}</li>')
        messages.info(request, message)
        return redirect("hotline-callbacks")
    form = _callback_form(case, request.POST)
    done = None
    if form.is_valid():
        satisfaction = form.cleaned_data["satisfaction"]
        try:
            services.case_callback(
                case=case, actor=request.user, satisfaction=satisfaction, note=form.cleaned_data["note"]
            )
        except ActionError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            done = gettext("已记录 %(number)s 的回访：%(result)s") % {
                "number": case.number,
                "result": Satisfaction(satisfaction).label,
            }
            if satisfaction == Satisfaction.UNREACHABLE:
                case.tries += 1  # still in the queue: call again later
                form = _callback_form(case)
            else:
                case = None
    if not request.htmx:
        if done:
            messages.success(request, done)
            return redirect("hotline-callbacks")
        return _callbacks_page(request, request.GET, failed=(pk, form), status=400)
    return render(request, "cases/hotline/_callback_item.html", {"case": case, "done": done, "form": form})


urlpatterns = [
    path("hotline/intake/", intake, name="hotline-intake"),
    path("hotline/geocode/", geocode, name="hotline-geocode"),
    path("hotline/caller-history/", caller_history_fragment, name="hotline-caller-history"),
    path("hotline/tickets/", tickets, name="hotline-tickets"),
    path("hotline/callbacks/", callbacks, name="hotline-callbacks"),
    path("hotline/callbacks/<int:pk>/", callback, name="hotline-callback"),
]
