import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from core.models import User
from core.permissions_sync import sync_role_groups
from core.roles import Role
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def perms(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_migrate_leaves_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    assert (
        len(Role) == 11
    )  # the eight of the district, the city supervisor and the street sub-centre's two (§13)


def test_the_city_supervisor_reads_cases_and_changes_nothing():
    city = perms(Role.CITY_SUPERVISOR)
    assert "cases.view_case" in city
    assert not {p for p in city if not p.split(".")[1].startswith("view_")}


def test_admin_group_changes_master_data():
    admin = perms(Role.ADMIN)
    assert {
        "grids.change_grid",
        "grids.add_grid",
        "dispatch.change_department",
        "dispatch.change_category",
    } <= admin
    assert {"dispatch.change_component", "core.change_user"} <= admin


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_other_roles_only_read_master_data(role):
    granted = perms(role)
    assert {"grids.view_grid", "dispatch.view_department", "dispatch.view_category"} <= granted
    # Operational records of the assessment (抽查, 代为整改, 月度考核) are no master data: below.
    master = [name for name in granted if not name.startswith("assessment.")]
    assert not any(name.split(".")[1].startswith(("add_", "change_", "delete_")) for name in master)


def test_assessment_permissions_follow_the_matrix():
    supervisor, inspector, admin = perms(Role.SUPERVISOR), perms(Role.INSPECTOR), perms(Role.ADMIN)
    assert {
        "assessment.add_inspection",
        "assessment.add_rectification",
        "assessment.add_monthlyassessment",
    } <= supervisor
    assert (
        not {"assessment.change_contractor", "assessment.change_checklist", "assessment.change_gradeband"}
        & supervisor
    )
    assert {
        "assessment.change_contractor",
        "assessment.change_checklist",
        "assessment.change_gradeband",
    } <= admin
    # An inspector carries out their own inspections (checked per inspection by the service).
    assert {name for name in inspector if name.startswith("assessment.")} == {
        "assessment.view_inspection",
        "assessment.view_checklist",
    }
    assert not any(name.startswith("assessment.") for name in perms(Role.DISPATCHER))


def test_sync_restores_the_declared_permissions():
    inspector = Group.objects.get(name=Role.INSPECTOR.value)
    inspector.permissions.clear()
    Group.objects.filter(name=Role.SUPERVISOR.value).delete()

    sync_role_groups()

    assert "grids.view_grid" in perms(Role.INSPECTOR)
    assert "dispatch.view_component" in perms(Role.SUPERVISOR)


def test_a_user_may_hold_two_roles():
    user = UserFactory(roles=["operator", "shift_leader"])

    user = User.objects.get(pk=user.pk)
    assert user.roles == {"operator", "shift_leader"}
    assert user.has_role("shift_leader", "dispatcher")
    assert not user.has_role("dispatcher")
    assert user.has_perm("dispatch.view_category") and not user.has_perm("dispatch.change_category")


def test_groups_that_are_not_roles_are_not_roles():
    user = UserFactory(roles=["inspector"])
    user.groups.add(Group.objects.create(name="羽毛球队"))
    user.forget_roles()
    assert user.roles == {"inspector"}


def test_department_staff_must_have_a_department():
    user = UserFactory(roles=["department"])

    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert excinfo.value.message_dict["department"] == ["专业部门角色的用户必须指定所属部门"]

    user.department = DepartmentFactory()
    user.full_clean()


def test_unknown_role_codes_are_refused_by_the_factory():
    with pytest.raises(ValueError):
        UserFactory(roles=["mayor"])


def _post_change(admin_client, user: User, roles: list[str], department=None):
    data = {
        "username": user.username,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "groups": [Group.objects.get(name=code).pk for code in roles],
        "department": department.pk if department else "",
        "is_active": "on",
    }
    return admin_client.post(f"/admin/core/user/{user.pk}/change/", data)


def test_user_admin_judges_the_roles_being_given_not_the_old_ones(admin_client):
    inspector = UserFactory(roles=["inspector"])
    refused = _post_change(admin_client, inspector, ["department"])
    assert refused.status_code == 200  # the form again, with the error on it
    assert "专业部门角色的用户必须指定所属部门" in refused.content.decode()

    staff = UserFactory(roles=["department"])  # e.g. left over from before the rule
    accepted = _post_change(admin_client, staff, ["inspector"])
    assert accepted.status_code == 302
    assert User.objects.get(pk=staff.pk).roles == {"inspector"}

    department = DepartmentFactory()
    assert _post_change(admin_client, inspector, ["department", "inspector"], department).status_code == 302
    assert User.objects.get(pk=inspector.pk).department == department


def test_user_admin_pages_render(admin_client):
    UserFactory(roles=["department"], department=DepartmentFactory(name="区市政局"))

    changelist = admin_client.get("/admin/core/user/")
    assert changelist.status_code == 200
    assert "区市政局" in changelist.content.decode() and "专业部门" in changelist.content.decode()
    assert admin_client.get("/admin/core/user/add/").status_code == 200


def test_street_staff_must_have_a_street():
    from tests.factories import StreetFactory

    user = UserFactory(username="sdisp", roles=["street_dispatcher"])
    with pytest.raises(ValidationError) as refused:
        user.full_clean()
    assert "street" in refused.value.message_dict
    user.street = StreetFactory()
    user.full_clean()
