"""The streets' panel on the case page: the case's 二级派遣 and 提级, and the 协办 form for an assisting
department (docs/domain.md §13)."""

from cases.workflow import OPEN
from streets.models import Escalation, SubDispatch
from streets.services import street_of


def context(case, user) -> dict | None:
    department = getattr(user, "department_id", None)
    co = getattr(case, "_prefetched_objects_cache", {}).get("co_departments")
    co_ids = {d.pk for d in co} if co is not None else set(case.co_departments.values_list("pk", flat=True))
    can_assist = bool(
        department and department in co_ids and user.has_role("department") and case.status in OPEN
    )
    subs = list(SubDispatch.objects.filter(case=case).select_related("unit").order_by("dispatched_at"))
    escalations = list(Escalation.objects.filter(case=case).order_by("raised_at"))
    street_link = street_of(user) == case.street_id
    if not (subs or escalations or can_assist or street_link):
        return None
    return {
        "subs": subs,
        "escalations": escalations,
        "can_assist": can_assist,
        "street_link": street_link,
        "case": case,
    }
