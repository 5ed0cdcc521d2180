"""The pages' side of category suggestions: log what the person chose among what the page showed."""

from cases.suggest.services import parse_shown, suggestion_feedback_record


def log_choice(request, *, case, where: str, chosen) -> None:
    """After a report or 立案 was saved: the suggestions the page showed (its hidden fields) and the choice."""
    shown = parse_shown(request.POST.get("suggest_version"), request.POST.get("suggested"))
    suggestion_feedback_record(case=case, actor=request.user, where=where, chosen=chosen, shown=shown)
