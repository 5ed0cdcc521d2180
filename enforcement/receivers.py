"""How enforcement hears about cases (cases.signals.events_recorded, inside the writer's transaction)."""

from cases.signals import events_recorded
from cases.workflow import Action


def on_events(sender, events, **kwargs) -> None:
    from enforcement.services import suggest_party

    for event in events:
        if event.action == Action.REPORT:
            # A case on or near a frontage suggests its party; staff confirm it (issue #20.1).
            suggest_party(event.case)


def connect() -> None:
    events_recorded.connect(on_events, dispatch_uid="enforcement.suggest_party")
