"""The people ranked in a deployment of several districts (docs/domain.md §13): a district's leaders see
their own district's operators, shift leaders, dispatchers and inspectors — by API and on the dashboard —
and a supervisor with no district sees everyone's."""

import pytest

from tests.kpi.test_city import month  # noqa: F401 (the fixture: both districts' cases, rolled up)

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _day(month):  # noqa: F811
    return {"date_from": month.today.isoformat(), "date_to": month.today.isoformat()}


@pytest.mark.parametrize(
    "level,a_name,b_name",
    [
        ("operator", "operator_a", "operator_b"),
        ("shift_leader", "shift_leader_a", "shift_leader_b"),
        ("dispatcher", "dispatcher_a", "dispatcher_b"),
        ("inspector", "insp_a", "insp_b"),  # held by their grids: their users name no district
    ],
)
def test_the_people_rankings_hold_a_district_to_its_people(api, month, level, a_name, b_name):  # noqa: F811
    url, day = "/api/v1/kpi/rankings/", _day(month)
    api.force_authenticate(month.a.supervisor)
    assert [r["code"] for r in api.get(url, {**day, "level": level}).json()] == [a_name]
    api.force_authenticate(month.b.shift_leader)
    assert [r["code"] for r in api.get(url, {**day, "level": level}).json()] == [b_name]
    api.force_authenticate(month.everywhere)
    assert {r["code"] for r in api.get(url, {**day, "level": level}).json()} == {a_name, b_name}
    # The people of the districts are the districts' to rank, not the city's (kpi/api.py RankingView).
    api.force_authenticate(month.city)
    assert api.get(url, {**day, "level": level}).status_code == 403


def test_the_dashboard_shows_a_districts_leaders_their_people(client, month):  # noqa: F811
    def name(user):  # as the row heads it: whole, so 用户1 does not match 用户12
        return f'<th scope="row">{user.get_full_name() or user.username}</th>'

    client.force_login(month.a.supervisor)
    html = client.get("/kpi/", _day(month)).content.decode()
    people = html[html.index('id="people"') :]
    assert name(month.a.operator) in people and name(month.b.operator) not in people
    assert name(month.a.dispatcher) in people and name(month.b.dispatcher) not in people
    client.force_login(month.everywhere)
    html = client.get("/kpi/", _day(month)).content.decode()
    people = html[html.index('id="people"') :]
    assert name(month.a.operator) in people and name(month.b.operator) in people
