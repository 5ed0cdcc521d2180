"""What the layers above `cases` may react to, without `cases` knowing them (campaigns, notices, the wall …).

`events_recorded` is sent with `events` (a list of CaseEvent rows just written) inside the transaction
that wrote them, by every writer of the case log: the services, the SLA sweep and the intake. A receiver
that writes rows of its own joins that transaction, so both commit or neither does; one that talks to
the outside world must defer it with `transaction.on_commit`. A receiver that raises aborts the action.
"""

from django.dispatch import Signal

events_recorded = Signal()


def send_events_recorded(events) -> None:
    events = list(events)
    if events:
        events_recorded.send(sender="cases", events=events)
