"""The assessment pages (issue #24.4): the month per contractor and street, the 随机抽查 draw, an
inspection carried out on the phone (items, photos, dust) with 挂号 per failed item, and 代为整改."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import reports, selectors, services
from assessment.filters import parse_month
from assessment.models import Finding, Inspection, WorkArea
from cases.errors import ActionError
from cases.web.inspector import JS_STRINGS


def _month_of(request) -> date:
    return parse_month(
        request.GET.get("month") or request.POST.get("month") or ""
    ) or timezone.localdate().replace(day=1)


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@login_required
def overview(request):
    """作业考核: each contractor's month and each street's, for supervisors and admins."""
    if not request.user.has_perm("assessment.view_monthlyassessment"):
        raise PermissionDenied
    first = _month_of(request)
    start, end = services.month_bounds(first)
    district = selectors.district_of(request.user)  # a district's staff: their district's (§13)
    inspectors = (
        get_user_model().objects.filter(groups__name="inspector", is_active=True).order_by("username")
    )
    context = {
        "month": first,
        "month_value": f"{first:%Y-%m}",
        "previous": f"{_shift(first, -1):%Y-%m}",
        "next": f"{_shift(first, 1):%Y-%m}",
        "contractors": reports.contractor_report(first, district=district),
        "streets": reports.street_report(start, end, district=district),
        "assigned": selectors.in_district(
            Inspection.objects.filter(planned_on__range=(start, end)), request.user
        )
        .select_related("area__street", "inspector")
        .order_by("planned_on", "id")[:200],
        "inspectors": inspectors,
        "can_draw": request.user.has_perm("assessment.add_inspection"),
        "can_assess": request.user.has_perm("assessment.add_monthlyassessment"),
        "can_rectify": request.user.has_perm("assessment.add_rectification"),
        "rectify_areas": selectors.in_district(WorkArea.objects.filter(is_active=True), request.user, "")
        .select_related("contract__contractor")
        .order_by("name"),
    }
    return render(request, "assessment/overview.html", context)


def _gate(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _back(first: date):
    return redirect(f"{reverse('assessment-overview')}?month={first:%Y-%m}")


@login_required
@require_POST
def draw(request):
    _gate(request, "assessment.add_inspection")
    first = _month_of(request)
    users = list(get_user_model().objects.filter(pk__in=request.POST.getlist("inspectors")))
    try:
        per = int(request.POST.get("per_contractor") or 4)
        drawn = services.draw_inspections(
            month=first, actor=request.user, inspectors=users, per_contractor=per
        )
    except (ActionError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, _("已随机抽取 %(n)d 次抽查") % {"n": len(drawn)})
    return _back(first)


@login_required
@require_POST
def assess(request, pk: int):
    _gate(request, "assessment.add_monthlyassessment")
    first = _month_of(request)
    contractor = get_object_or_404(selectors.contractors_for(request.user), pk=pk)
    try:
        row = services.month_assess(contractor=contractor, month=first, actor=request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(who)s %(month)s 考核完成：%(grade)s，扣款 %(amount)s 元")
            % {
                "who": contractor.name,
                "month": f"{first:%Y-%m}",
                "grade": row.grade or "—",
                "amount": row.total_deduction,
            },
        )
    return _back(first)


@login_required
@require_POST
def rectify(request):
    _gate(request, "assessment.add_rectification")
    first = _month_of(request)
    areas = selectors.in_district(WorkArea.objects.all(), request.user, "")
    area = get_object_or_404(areas.select_related("contract__contractor"), pk=request.POST.get("area"))
    try:
        done_on = date.fromisoformat(request.POST.get("done_on", ""))
        cost = Decimal(request.POST.get("cost", ""))
        services.rectification_record(
            contractor=area.contract.contractor,
            actor=request.user,
            done_on=done_on,
            description=request.POST.get("description", ""),
            cost=cost,
            area=area,
            performed_by=request.POST.get("performed_by", ""),
        )
    except (ActionError, ValueError, InvalidOperation) as exc:
        messages.error(request, getattr(exc, "message", None) or _("日期或费用格式有误"))
    else:
        messages.success(request, _("代为整改已登记"))
    return _back(first)


def _visible(request, pk: int) -> Inspection:
    inspection = get_object_or_404(
        selectors.in_district(Inspection.objects.all(), request.user).select_related(
            "area__street", "area__contract__contractor", "checklist", "inspector"
        ),
        pk=pk,
    )
    # The inspector it was given to, or someone who manages inspections (supervisors, admins).
    if inspection.inspector_id != request.user.pk and not request.user.has_perm(
        "assessment.change_inspection"
    ):
        raise PermissionDenied
    return inspection


@login_required
def inspection_page(request, pk: int):
    """Carry out an inspection: places found per item (with a photo), dust samples; then 挂号."""
    inspection = _visible(request, pk)
    items = list(inspection.checklist.items.order_by("order", "id"))
    if request.method == "POST" and inspection.state == Inspection.State.ASSIGNED:
        try:
            findings = []
            for item in items:
                count = int(request.POST.get(f"count_{item.pk}") or 0)
                if count:
                    findings.append(
                        services.FindingInput(
                            item=item,
                            count=count,
                            note=request.POST.get(f"note_{item.pk}", ""),
                            photo=request.FILES.get(f"photo_{item.pk}"),
                            lng=_float(request.POST.get("lng")),
                            lat=_float(request.POST.get("lat")),
                        )
                    )
            dust = []
            for n in range(3):
                weight = request.POST.get(f"dust_g_{n}")
                if weight:
                    dust.append(
                        services.DustInput(Decimal(weight), Decimal(request.POST.get(f"dust_m2_{n}") or "1"))
                    )
            services.inspection_record(
                inspection=inspection,
                actor=request.user,
                findings=findings,
                dust=dust,
                note=request.POST.get("note", ""),
            )
        except (ActionError, ValueError, InvalidOperation) as exc:
            messages.error(request, getattr(exc, "message", None) or _("输入有误"))
        else:
            messages.success(request, _("抽查已完成"))
            return redirect("assessment-inspection", pk=inspection.pk)
    context = {
        "inspection": inspection,
        "items": items,
        "findings": inspection.findings.select_related("item", "case"),
        "samples": inspection.dust_samples.all(),
        "dust_rows": range(3),
        "may_record": inspection.state == Inspection.State.ASSIGNED,
        # report.js's strings: each item's photo uses the report page's 拍照 / 相册 buttons.
        "js_strings": JS_STRINGS,
    }
    return render(request, "assessment/inspection.html", context)


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@login_required
@require_POST
def register(request, pk: int):
    findings = selectors.in_district(Finding.objects.all(), request.user, "inspection__area__")
    finding = get_object_or_404(findings.select_related("inspection"), pk=pk)
    _visible(request, finding.inspection_id)
    try:
        case = services.finding_register(finding=finding, actor=request.user)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已挂号为案件 %(number)s") % {"number": case.number})
    return redirect("assessment-inspection", pk=finding.inspection_id)


urlpatterns = [
    path("assessment/", overview, name="assessment-overview"),
    path("assessment/draw/", draw, name="assessment-draw"),
    path("assessment/contractors/<int:pk>/assess/", assess, name="assessment-assess"),
    path("assessment/rectifications/", rectify, name="assessment-rectify"),
    path("assessment/inspections/<int:pk>/", inspection_page, name="assessment-inspection"),
    path("assessment/findings/<int:pk>/register/", register, name="assessment-register"),
]
