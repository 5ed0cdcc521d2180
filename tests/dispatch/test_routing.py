"""Routing suggestions (docs/domain.md §5): 部件 to the owner first, 事项 by the ordered rules, else the street office."""

import pytest

from dispatch.models import Category, Department, RoutingRule
from dispatch.routing import suggest_department
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    ComponentFactory,
    DepartmentFactory,
    GridFactory,
    StreetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    street = StreetFactory()
    grid = GridFactory(community=CommunityFactory(street=street))
    office = DepartmentFactory(kind=Department.Kind.STREET_OFFICE, street=street, is_street_default=True)
    return street, grid, office


def test_a_component_problem_goes_to_the_owner_first(place):
    _, grid, _ = place
    owner, maintainer = DepartmentFactory(name="水务集团"), DepartmentFactory(name="养护公司")
    component = ComponentFactory(grid=grid, owner=owner, maintainer=maintainer)
    suggestion = suggest_department(category=component.category, component=component, grid=grid)
    assert suggestion.department == owner and "先属主" in suggestion.reason


def test_an_inactive_owner_passes_to_the_maintainer(place):
    _, grid, _ = place
    maintainer = DepartmentFactory(name="养护公司")
    component = ComponentFactory(grid=grid, owner=DepartmentFactory(is_active=False), maintainer=maintainer)
    assert (
        suggest_department(category=component.category, component=component, grid=grid).department
        == maintainer
    )


def test_an_event_without_a_rule_goes_to_the_street_office(place):
    _, grid, office = place
    event = CategoryFactory(kind=Category.Kind.EVENT, major_code="06")
    suggestion = suggest_department(category=event, grid=grid)
    assert suggestion.department == office and "先属地" in suggestion.reason


def test_the_first_matching_rule_wins_and_narrower_rules_only_match_their_place(place):
    street, grid, _ = place
    event = CategoryFactory(kind=Category.Kind.EVENT, major_code="09")
    enforcement, greenery, elsewhere = (DepartmentFactory(name=n) for n in ("执法大队", "园林中心", "别处"))
    RoutingRule.objects.create(
        order=5, kind="event", major_code="09", street=StreetFactory(), department=elsewhere
    )
    RoutingRule.objects.create(order=10, kind="event", major_code="09", street=street, department=enforcement)
    RoutingRule.objects.create(order=20, category=event, department=greenery)
    assert suggest_department(category=event, grid=grid).department == enforcement
    RoutingRule.objects.filter(department=enforcement).update(is_active=False)
    assert suggest_department(category=event, grid=grid).department == greenery
