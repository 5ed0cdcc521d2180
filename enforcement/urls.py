from django.urls import path, re_path

from enforcement import views

urlpatterns = [
    path("enforcement/parties/", views.party_list, name="enforcement-parties"),
    path("enforcement/parties/import/", views.party_import, name="enforcement-party-import"),
    path("enforcement/parties/<int:pk>/", views.party_detail, name="enforcement-party"),
    path("enforcement/outcomes/", views.outcome_list, name="enforcement-outcomes"),
    path("enforcement/figures/", views.figures_page, name="enforcement-figures-page"),
    path("enforcement/joint-operations/", views.joint_operations, name="enforcement-joint-operations"),
    re_path(
        r"^enforcement/cases/(?P<pk>[0-9]+)/(?P<action>{})/$".format("|".join(views.CASE_ACTIONS)),
        views.case_act,
        name="enforcement-case-act",
    ),
    re_path(
        r"^enforcement/outcomes/(?P<pk>[0-9]+)/(?P<action>{})/$".format("|".join(views.OUTCOME_ACTIONS)),
        views.outcome_act,
        name="enforcement-outcome-act",
    ),
]
