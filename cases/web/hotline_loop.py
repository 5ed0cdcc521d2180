"""The 12345 接诉即办 loop on the pages: the case page's 12345 panel (registered in CasesConfig.ready)."""

from django.conf import settings

from cases.intake.loop import loop_state
from cases.models import HotlineTicket
from cases.web.extensions import CasePanel, register_panel


def panel_context(case, user) -> dict | None:
    """The ticket's loop state for a 12345 machine ticket's case; None (no query) for any other case."""
    if case.hotline_channel not in settings.HOTLINE_LOOP_CHANNELS:
        return None
    ticket = HotlineTicket.objects.filter(case_id=case.pk).first()
    if ticket is None:
        return None
    return {"ticket": ticket, "loop": loop_state(ticket)}


def register() -> None:
    register_panel(
        CasePanel(
            key="hotline_loop", template="cases/hotline/_loop_panel.html", context=panel_context, order=20
        )
    )
