"""The 通报 as a printable page and as xlsx, for the campaign's period or ?from=&to=."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from campaigns import bulletin, selectors
from campaigns.web.common import require_staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request):
    def day(name):
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return day("from"), day("to")


@login_required
def bulletin_page(request, pk: int):
    require_staff(request.user)
    campaign = get_object_or_404(selectors.campaigns_for(request.user), pk=pk)
    return render(request, "campaigns/bulletin.html", {"b": bulletin.build(campaign, *_period(request))})


@login_required
def bulletin_xlsx(request, pk: int):
    require_staff(request.user)
    campaign = get_object_or_404(selectors.campaigns_for(request.user), pk=pk)
    b = bulletin.build(campaign, *_period(request))
    response = HttpResponse(bulletin.to_xlsx(b), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="bulletin-{campaign.pk}-{b.end}.xlsx"'
    return response


urlpatterns = [
    path("campaigns/<int:pk>/bulletin/", bulletin_page, name="campaign-bulletin"),
    path("campaigns/<int:pk>/bulletin.xlsx", bulletin_xlsx, name="campaign-bulletin-xlsx"),
]
