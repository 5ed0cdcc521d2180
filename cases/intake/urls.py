"""Hotline and suspect routes, included by cases/api_urls.py.

`{id}/locate/` comes before `{channel}/{ticket_no}/`: both have two segments after tickets/, and the
first match wins whatever the method.
"""

from django.urls import path

from cases.intake.api import DuplicateSuspectViewSet, HotlineTicketViewSet

tickets = HotlineTicketViewSet
suspects = DuplicateSuspectViewSet

urlpatterns = [
    path("hotline/tickets/", tickets.as_view({"get": "list", "post": "create"}), name="hotline-ticket-list"),
    path(
        "hotline/tickets/<int:pk>/locate/", tickets.as_view({"post": "locate"}), name="hotline-ticket-locate"
    ),
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
