"""GET /api/v1/ lists the whole API, not only the first router's grid routes (issue 16.9)."""

from rest_framework.test import APIClient


def test_the_api_root_lists_every_area_of_the_api(db):
    response = APIClient().get("/api/v1/")

    assert response.status_code == 200
    routes = response.json()["routes"]
    for route in (
        "grids",
        "categories",
        "departments",
        "cases",
        "notifications",
        "hotline/tickets",
        "me",
        "auth/token",
        "kpi/summary",
        "categories/suggest",
    ):
        assert route in routes, (route, sorted(routes))
    assert routes["cases"] == "http://testserver/api/v1/cases/"
    assert response.json()["schema"] == "http://testserver/api/schema/"
    assert not [r for r in routes if "<" in r or "(" in r or "\\" in r]
