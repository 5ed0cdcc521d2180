"""What the campaigns hear from the case log (cases.signals.events_recorded, inside the writer's
transaction): a case reported in a campaign's scope is tagged; a closed case gets its 回头看 scheduled."""

from django.dispatch import receiver
from django.utils import timezone

from campaigns.models import Campaign, CampaignCase
from campaigns.services.campaigns import in_scope, tag_case
from campaigns.services.followups import schedule_for
from cases.signals import events_recorded
from cases.workflow import Action, Status


@receiver(events_recorded, dispatch_uid="campaigns")
def on_case_events(sender, events, **kwargs) -> None:
    for event in events:
        if event.action == Action.REPORT:
            _tag(event.case, event.at)
        if event.to_status == Status.CLOSED and event.from_status != Status.CLOSED:
            schedule_for(event.case, event.at)


def _tag(case, at) -> None:
    day = timezone.localdate(at)
    campaigns = Campaign.objects.filter(
        status=Campaign.Status.ACTIVE, period_start__lte=day, period_end__gte=day
    ).prefetch_related("scope_streets", "scope_grids", "scope_categories")
    for campaign in campaigns:
        if in_scope(campaign, case):
            tag_case(campaign=campaign, case=case, how=CampaignCase.How.AUTO)
