"""考核期 pages (issue #24.1): close a week, 旬 or month; read a frozen table and its revisions; correct
a figure; appeal a case and decide an appeal. Every change goes through kpi/periods/services.py."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases.errors import ActionError
from kpi.dates import validate_kpi_date
from kpi.definitions import KPIS, formulas_in_force
from kpi.models import AssessmentPeriod, KpiAppeal, PeriodKind
from kpi.periods import export, services
from kpi.periods.table import LEVELS


def _require(user, *actions) -> None:
    if not any(services.can(user, a) for a in actions):
        raise PermissionDenied(_("无权查看考核期"))


class CloseForm(forms.Form):
    kind = forms.ChoiceField(label=_("周期类型"), choices=PeriodKind.choices)
    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_kpi_date],
        help_text=_("考核期内的任一天"),
    )
    cutoff = forms.DateTimeField(
        label=_("截止时刻"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("考核表按此刻的案件状态冻结；留空为现在"),
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(forms.Form):
    period = forms.ModelChoiceField(label=_("考核期"), queryset=AssessmentPeriod.objects.all())
    case = forms.CharField(label=_("案件编号"), max_length=32)
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 2}))


LEVEL_LABELS = {
    "street": _("街道"),
    "community": _("社区"),
    "grid": _("网格"),
    "department": _("部门"),
    "inspector": _("监督员"),
    "operator": _("受理员"),
    "shift_leader": _("值班长"),
    "dispatcher": _("派遣员"),
}
LOG_LABELS = {"close": _("关账"), "adjust": _("调整"), "appeal": _("申诉"), "decide_appeal": _("审批申诉")}


class AdjustForm(forms.Form):
    level = forms.ChoiceField(label=_("对象类型"), choices=[(lv, LEVEL_LABELS[lv]) for lv in LEVELS])
    object_id = forms.IntegerField(label=_("对象"))
    figure = forms.CharField(
        label=_("指标"), max_length=40, help_text=_("score（综合得分）或指标键，如 closure_rate")
    )
    value = forms.FloatField(label=_("调整后"))
    reason = forms.CharField(label=_("调整原因"), widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批"), choices=[("1", _("批准")), ("0", _("驳回"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _act(request, call, success: str):
    try:
        result = call()
    except ActionError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result


@login_required
def period_list(request):
    user = request.user
    _require(user, "view", "appeal")
    close_form = CloseForm(request.POST or None) if services.can(user, "close") else None
    appeal_form = AppealForm(request.POST or None, prefix="appeal") if services.can(user, "appeal") else None
    if request.method == "POST":
        if "close" in request.POST and close_form is not None and close_form.is_valid():
            v = close_form.cleaned_data
            period = _act(
                request,
                lambda: services.close_period(
                    kind=v["kind"], day=v["date"], actor=user, cutoff=v["cutoff"], note=v["note"]
                ),
                _t("已关账，考核表已冻结"),
            )
            if period:
                return redirect("kpi-period", pk=period.pk)
        elif "appeal" in request.POST and appeal_form is not None and appeal_form.is_valid():
            v = appeal_form.cleaned_data
            if _act(
                request,
                lambda: services.submit_appeal(
                    period=v["period"], case=v["case"], reason=v["reason"], actor=user
                ),
                _t("申诉已提交，待审批"),
            ):
                return redirect("kpi-periods")
        elif "close" in request.POST and close_form is None:
            raise PermissionDenied(_("无权关账"))
    periods = AssessmentPeriod.objects.select_related("closed_by").prefetch_related("revisions")
    appeals = KpiAppeal.objects.select_related("case", "period", "requested_by", "decided_by")
    if not services.can(user, "view"):
        appeals = appeals.filter(requested_by=user)
    return render(
        request,
        "kpi/periods.html",
        {
            "periods": periods[:60],
            "close_form": close_form,
            "appeal_form": appeal_form,
            "appeals": appeals[:50],
            "can_view": services.can(user, "view"),
            "glossary_url": reverse("kpi-glossary"),
        },
    )


def _figure_label(key: str) -> str:
    return str(KPIS[key].label) if key in KPIS else key


@login_required
def period_detail(request, pk: int):
    user = request.user
    _require(user, "view")
    period = get_object_or_404(AssessmentPeriod.objects.select_related("closed_by"), pk=pk)
    revisions = list(period.revisions.select_related("created_by", "appeal__case").order_by("number"))
    number = request.GET.get("revision")
    revision = next((r for r in revisions if str(r.number) == number), revisions[-1])
    level = request.GET.get("level") if request.GET.get("level") in LEVELS else "street"
    rows = revision.table.get(level, [])
    adjustments = {}
    for a in revision.adjustments.select_related("created_by"):
        adjustments.setdefault((a.level, a.object_id, a.figure), []).append(a)
    counts = list(dict.fromkeys(k for r in rows for k in r["counts"]))[:8]
    parts = list(dict.fromkeys(k for r in rows for k in r["parts"]))
    columns = [*counts, *parts, "score"]
    table = [
        {
            "row": r,
            "cells": [
                {
                    "key": k,
                    "value": r["score"] if k == "score" else services.figure_value(r, k),
                    "adjustments": adjustments.get((level, r["id"], k), []),
                }
                for k in columns
            ],
        }
        for r in rows
    ]
    context = {
        "period": period,
        "revisions": revisions,
        "revision": revision,
        "level": level,
        "levels": [(lv, LEVEL_LABELS[lv]) for lv in LEVELS],
        "columns": [(k, _figure_label(k)) for k in columns],
        "table": table,
        "in_force": formulas_in_force(revision.formula),
        "excluded": revision.excluded,
        "appeals": period.appeals.select_related("case", "requested_by", "decided_by"),
        "log": [(e, LOG_LABELS.get(e.action, e.action)) for e in period.log.select_related("actor")],
        "adjust_form": AdjustForm(initial={"level": level}) if services.can(user, "adjust") else None,
        "decide": services.can(user, "decide_appeal"),
        "is_current": revision == revisions[-1],
        "xlsx_url": reverse("kpi-period-xlsx", args=[period.pk, revision.number]),
        "glossary_url": reverse("kpi-glossary"),
        "now": timezone.now(),
    }
    return render(request, "kpi/period.html", context)


@login_required
@require_POST
def period_adjust(request, pk: int, number: int):
    _require(request.user, "adjust")
    period = get_object_or_404(AssessmentPeriod, pk=pk)
    revision = get_object_or_404(period.revisions, number=number)
    form = AdjustForm(request.POST)
    if form.is_valid():
        _act(
            request,
            lambda: services.adjust_figure(revision=revision, actor=request.user, **form.cleaned_data),
            _t("调整已记录"),
        )
    else:
        messages.error(request, "；".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect(
        f"{reverse('kpi-period', args=[pk])}?revision={number}&level={form.data.get('level', '')}"
    )


@login_required
@require_POST
def appeal_decide(request, pk: int):
    _require(request.user, "decide_appeal")
    appeal = get_object_or_404(KpiAppeal, pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        _act(
            request,
            lambda: services.decide_appeal(appeal=appeal, actor=request.user, **form.cleaned_data),
            _t("申诉已审批"),
        )
    return redirect("kpi-period", pk=appeal.period_id)


@login_required
def revision_xlsx(request, pk: int, number: int):
    _require(request.user, "view")
    period = get_object_or_404(AssessmentPeriod, pk=pk)
    revision = get_object_or_404(period.revisions, number=number)
    response = HttpResponse(export.to_xlsx(revision), content_type=export.XLSX_CONTENT_TYPE)
    name = quote(export.filename(revision))
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


urlpatterns = [
    path("kpi/periods/", period_list, name="kpi-periods"),
    path("kpi/periods/<int:pk>/", period_detail, name="kpi-period"),
    path("kpi/periods/<int:pk>/v<int:number>/adjust/", period_adjust, name="kpi-period-adjust"),
    path("kpi/periods/<int:pk>/v<int:number>/xlsx/", revision_xlsx, name="kpi-period-xlsx"),
    path("kpi/appeals/<int:pk>/decide/", appeal_decide, name="kpi-appeal-decide"),
]
