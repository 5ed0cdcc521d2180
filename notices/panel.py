"""The case page's 通知投递 panel (cases/web/extensions.py): who was told of the case's work, through
which channel, and what became of each delivery — for the command centre's roles and the admin."""

from core.roles import DISTRICT_WIDE_ROLES
from notices.models import Notice


def context(case, user) -> dict | None:
    if not user.roles & DISTRICT_WIDE_ROLES:
        return None
    notices = list(
        Notice.objects.filter(case=case)
        .select_related("user", "department")
        .prefetch_related("deliveries__channel", "inbox")
        .order_by("created_at", "id")
    )
    if not notices:
        return None
    rows = []
    for notice in notices:
        rows.append(
            {
                "notice": notice,
                "recipient": notice.user.get_full_name() or notice.user.username
                if notice.user
                else notice.department,
                "read": notice.read_at is not None or any(n.read_at for n in notice.inbox.all()),
                "deliveries": list(notice.deliveries.all()),
            }
        )
    return {"rows": rows}
