"""Pages: the case panel, parties (list, page, import), outcomes, figures; 我的任务 follow-up checks."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.web.extensions import Task
from enforcement import permissions, services
from enforcement.models import Agency, CaseParty, Outcome


def panel_context(case, user) -> dict | None:
    """The 执法 panel on the case page: the party (suggested/confirmed), outcomes, and the forms."""
    link = CaseParty.objects.filter(case=case).select_related("party").first()
    outcomes = list(
        Outcome.objects.filter(case=case).select_related("agency", "unit").order_by("issued_at", "pk")
    )
    staff = permissions.is_enforcement_staff(user) and permissions.case_in_scope(user, case)
    checker = staff or (
        user.has_role("inspector")
        and any(o.kind == Outcome.Kind.RECTIFICATION and not o.checked_at for o in outcomes)
    )
    if link is None and not outcomes and not staff:
        return None
    eligible, why = (
        services.waiver_eligibility(case) if link and link.state == CaseParty.State.CONFIRMED else (False, "")
    )
    return {
        "case": case,
        "link": link,
        "outcomes": outcomes,
        "staff": staff,
        "checker": checker,
        "can_confirm": permissions.can_confirm(user) and (staff or user.has_role("shift_leader")),
        "open": case.status in services.OPEN_FOR_OUTCOMES,
        "waiver_eligible": eligible,
        "waiver_why": why,
        "agencies": Agency.objects.filter(is_active=True) if staff else (),
        "show_contact": permissions.can_see_contact(user),
        "today": timezone.localdate(),
    }


def check_tasks(user):
    """复查 tasks for the inspector of the case's grid, from the deadline of each 责令改正 order on."""
    if not user.has_role("inspector"):
        return []
    today = timezone.localdate()
    due = services.due_checks(on=today).filter(case__grid__inspectors=user).select_related("case", "party")
    out = []
    for outcome in due:
        deadline = timezone.make_aware(
            timezone.datetime.combine(outcome.deadline, timezone.datetime.max.time())
        )
        out.append(
            Task(
                kind=_("执法复查"),
                title=f"{outcome.case.number} {outcome.party or ''} {outcome.number}".strip(),
                url=reverse("case-detail", args=[outcome.case_id]) + "#enforcement",
                due_at=deadline,
                light="red" if outcome.deadline < today else "yellow",
                where=outcome.case.address,
            )
        )
    return out
