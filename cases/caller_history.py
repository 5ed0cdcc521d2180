"""A caller's history (repeat callers): how often the same phone number has called before, and about what.

The hotline agent sees it while taking a call (热线登记), and the agent and the operator see it on the
case page: a caller who rings for the third time about the same bin is a different call from a first
one. A phone number is personal data (core/privacy.py): the history is looked up and shown only for
the roles that may see the caller, and never names the number anywhere else.

Counted: earlier cases with the number as the reporter's, and hotline tickets with it that have not
become a case (parked for a position, or failed) — a ticket that became a case is counted once, as it.
"""

from dataclasses import dataclass

from django.db.models import Q

from cases.models import Case, HotlineTicket

RECENT = 5


@dataclass
class CallerHistory:
    earlier: int
    recent: list  # the latest earlier cases: number, created_at, category_name, status


def normalise_phone(phone: str) -> str:
    """The digits people mean, whatever they typed between them (139-0000 1111 → 13900001111)."""
    return "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")


def caller_history(phone: str, *, before=None, exclude_case: int | None = None) -> CallerHistory | None:
    """Earlier calls from `phone` (before the moment `before`, when given); None without a number."""
    phone = (phone or "").strip()
    if not phone:
        return None
    variants = {phone, normalise_phone(phone)} - {""}
    cases = Case.objects.filter(reporter_phone__in=variants)
    tickets = HotlineTicket.objects.filter(caller_phone__in=variants, case__isnull=True)
    if before is not None:
        cases = cases.filter(created_at__lt=before)
        tickets = tickets.filter(created_at__lt=before)
    if exclude_case is not None:
        cases = cases.filter(~Q(pk=exclude_case))
    recent = list(
        cases.order_by("-created_at", "-id").only("number", "created_at", "category_name", "status")[:RECENT]
    )
    earlier = len(recent) if len(recent) < RECENT else cases.count()
    return CallerHistory(earlier=earlier + tickets.count(), recent=recent)
