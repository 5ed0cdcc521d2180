"""Hotline and suspect routes, included by cases/api_urls.py.

`{id}/locate/` comes before `{channel}/{ticket_no}/`: both have two segments after tickets/, and the
first match wins whatever the method.
"""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from cases.intake.api import DuplicateSuspectViewSet, HotlineMessageView, HotlineTicketViewSet

tickets = HotlineTicketViewSet
suspects = DuplicateSuspectViewSet


@csrf_exempt  # it changes nothing; a CSRF 403 would hide the 404
def no_such_ticket(request, pk):
    return JsonResponse({"detail": f"工单 id 须为正整数，而不是 {pk!r}", "field": "id"}, status=404)


urlpatterns = [
    path("hotline/messages/", HotlineMessageView.as_view(), name="hotline-message"),
    path("hotline/tickets/", tickets.as_view({"get": "list", "post": "create"}), name="hotline-ticket-list"),
    path(
        "hotline/tickets/<int:pk>/locate/", tickets.as_view({"post": "locate"}), name="hotline-ticket-locate"
    ),
    # Any other id: a 404 that says so, rather than the pull route below answering the POST with 405.
    path("hotline/tickets/<str:pk>/locate/", no_such_ticket),
    path(
        "hotline/tickets/<str:channel>/<str:ticket_no>/",
        tickets.as_view({"get": "pull"}),
        name="hotline-ticket-pull",
    ),
    path("cases/<int:case_pk>/suspects/", suspects.as_view({"get": "list"}), name="case-suspect-list"),
    path(
        "cases/<int:case_pk>/suspects/<int:pk>/confirm/",
        suspects.as_view({"post": "confirm"}),
        name="case-suspect-confirm",
    ),
    path(
        "cases/<int:case_pk>/suspects/<int:pk>/dismiss/",
        suspects.as_view({"post": "dismiss"}),
        name="case-suspect-dismiss",
    ),
]
