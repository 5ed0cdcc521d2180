from django.db.models import Count
from django.shortcuts import render

from cases.selectors import cases_visible_to
from cases.workflow import STATUS_LABELS, Status


def home(request):
    """Landing page: what the platform is, and for a signed-in user, their cases by state."""
    counts, unread = [], 0
    if request.user.is_authenticated:
        unread = request.user.notifications.filter(read_at__isnull=True).count()
        by_status = dict(
            cases_visible_to(request.user).values_list("status").annotate(n=Count("id")).order_by()
        )
        counts = [(STATUS_LABELS[s], by_status.get(s.value, 0)) for s in Status]
    return render(request, "home.html", {"counts": counts, "unread": unread})
