"""Admin changes are audited (core/audit.py, core/admin_site.py): who, when, which object, and
the field values before and after, for every add, change and delete made through the admin, on every
registered model; the trail is visible in the admin and nobody can change or delete it."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, InternalError, connection, transaction

from core.admin_site import AuditedModelAdmin
from core.audit import AdminAudit
from dispatch.models import Category, Department
from tests.cases.conftest import fast_passwords  # noqa: F401
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.security.sec_support import private_cache, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords", "own_counters")]


@pytest.fixture
def own_counters(settings):
    private_cache(settings)


@pytest.fixture
def admin_user(db):
    """The admin *role* (staff, not superuser): what ROLE_PERMISSIONS grants is what is tested."""
    return UserFactory(username="master", roles=["admin"], is_staff=True)


class _FormData(HTMLParser):
    """The values a browser would submit from the admin's change form, as the page shows them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(
                a.get("value") or ("on" if a.get("type") == "checkbox" else "")
            )
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def change_form(browser, url: str) -> dict:
    page = browser.get(url)
    assert page.status_code == 200, url
    parser = _FormData()
    parser.feed(page.content.decode())
    return {name: values if len(values) != 1 else values[0] for name, values in parser.data.items()}


def test_every_registered_admin_is_audited():
    unaudited = [
        m._meta.label for m, a in admin.site._registry.items() if not isinstance(a, AuditedModelAdmin)
    ]
    assert unaudited == []
    assert {"dispatch.Department", "grids.Grid", "core.User", "auth.Group", "kpi.KpiSettings"} <= {
        m._meta.label for m in admin.site._registry
    }


def test_renaming_a_department_writes_who_when_and_the_old_and_new_name(admin_user):
    dept = DepartmentFactory(name="区市容园林委", contact_phone="022-1234")
    browser = signed_in(admin_user)
    url = f"/admin/dispatch/department/{dept.pk}/change/"
    data = change_form(browser, url)
    data["name"] = "区城市管理委员会"
    response = browser.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    dept.refresh_from_db()
    assert dept.name == "区城市管理委员会"

    row = AdminAudit.objects.get()
    assert (row.action, row.model, row.object_pk) == ("change", "dispatch.department", str(dept.pk))
    assert (row.actor_username, row.actor_pk) == ("master", admin_user.pk)
    assert row.before == {"name": "区市容园林委"} and row.after == {"name": "区城市管理委员会"}
    assert row.object_repr == str(dept) and row.at is not None and row.ip_address


def test_changing_a_users_roles_records_the_groups_before_and_after(admin_user):
    person = UserFactory(username="zhang", roles=["inspector"])
    browser = signed_in(admin_user)
    url = f"/admin/core/user/{person.pk}/change/"
    data = change_form(browser, url)
    operator = Group.objects.get(name="operator")
    inspector = Group.objects.get(name="inspector")
    data["groups"] = [str(inspector.pk), str(operator.pk)]
    assert browser.post(url, data).status_code == 302
    row = AdminAudit.objects.get(model="core.user")
    assert row.before == {"groups": [inspector.pk]}
    assert row.after == {"groups": sorted([inspector.pk, operator.pk])}


def test_a_password_change_is_recorded_without_the_password(admin_user):
    person = UserFactory(username="li")
    browser = signed_in(admin_user)
    url = f"/admin/core/user/{person.pk}/password/"
    secret = "a-New-passw0rd-2026"
    response = browser.post(url, {"password1": secret, "password2": secret, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AdminAudit.objects.get(model="core.user", object_pk=str(person.pk))
    assert set(row.before) == {"password"} and row.before["password"] != row.after["password"]
    person.refresh_from_db()
    for text in (row.before["password"], row.after["password"]):
        assert text.startswith("已隐藏") and secret not in text and person.password not in text


def test_adding_records_the_new_values(admin_user):
    browser = signed_in(admin_user)
    data = change_form(browser, "/admin/dispatch/department/add/")
    data.update({"code": "D-NEW-1", "name": "区排水管理所", "kind": "bureau"})
    assert browser.post("/admin/dispatch/department/add/", data).status_code == 302
    dept = Department.objects.get(code="D-NEW-1")
    row = AdminAudit.objects.get()
    assert (row.action, row.object_pk, row.before) == ("add", str(dept.pk), {})
    assert (
        row.after["name"] == "区排水管理所"
        and row.after["code"] == "D-NEW-1"
        and row.after["kind"] == "bureau"
    )


def test_deleting_records_the_values_it_had(admin_user):
    dept = DepartmentFactory(name="临时指挥部", code="D-TMP")
    pk = dept.pk
    browser = signed_in(admin_user)
    response = browser.post(f"/admin/dispatch/department/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Department.objects.filter(pk=pk).exists()
    row = AdminAudit.objects.get()
    assert (row.action, row.object_pk, row.object_repr, row.after) == ("delete", str(pk), str(dept), {})
    assert row.before["name"] == "临时指挥部" and row.before["code"] == "D-TMP"


def test_a_bulk_delete_records_each_object(admin_user):
    first, second = DepartmentFactory(name="甲"), DepartmentFactory(name="乙")
    browser = signed_in(admin_user)
    response = browser.post(
        "/admin/dispatch/department/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    rows = AdminAudit.objects.filter(action="delete").order_by("object_pk")
    assert [(r.object_pk, r.before["name"]) for r in rows] == sorted(
        [(str(first.pk), "甲"), (str(second.pk), "乙")]
    )


def test_a_list_editable_change_is_recorded(admin_user):
    category = CategoryFactory(name="暴露垃圾", is_active=True)
    browser = signed_in(admin_user)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(category.pk),
        "_save": "保存",
    }  # is_active unticked
    response = browser.post("/admin/dispatch/category/", data)
    assert response.status_code == 302
    assert not Category.objects.get(pk=category.pk).is_active
    row = AdminAudit.objects.get()
    assert row.before == {"is_active": True} and row.after == {"is_active": False}


def test_a_refused_change_records_nothing(admin_user):
    dept = DepartmentFactory()
    browser = signed_in(admin_user)
    url = f"/admin/dispatch/department/{dept.pk}/change/"
    data = change_form(browser, url)
    data["name"] = ""  # required
    assert browser.post(url, data).status_code == 200  # the form again, with the error
    assert not AdminAudit.objects.exists()


# ---------------------------------------------------------------- the trail itself


def _a_row(admin_user) -> AdminAudit:
    dept = DepartmentFactory(name="旧名")
    browser = signed_in(admin_user)
    url = f"/admin/dispatch/department/{dept.pk}/change/"
    data = change_form(browser, url)
    data["name"] = "新名"
    browser.post(url, data)
    return AdminAudit.objects.get()


def test_the_trail_is_visible_in_the_admin(admin_user):
    row = _a_row(admin_user)
    browser = signed_in(admin_user)
    listing = browser.get("/admin/core/adminaudit/").content.decode()
    assert "master" in listing and "dispatch.department" in listing
    page = browser.get(f"/admin/core/adminaudit/{row.pk}/change/").content.decode()
    assert "旧名" in page and "新名" in page
    assert 'name="before"' not in page and 'name="_save"' not in page  # read only


def test_nobody_can_edit_or_delete_audit_rows_in_the_admin(admin_user):
    row = _a_row(admin_user)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    for user in (admin_user, superuser):
        browser = signed_in(user)
        assert (
            browser.post(f"/admin/core/adminaudit/{row.pk}/change/", {"actor_username": "x"}).status_code
            == 403
        )
        assert browser.post(f"/admin/core/adminaudit/{row.pk}/delete/", {"post": "yes"}).status_code == 403
        assert browser.get("/admin/core/adminaudit/add/").status_code == 403
        bulk = browser.post(
            "/admin/core/adminaudit/",
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)  # no such action: the list again
    row.refresh_from_db()
    assert row.actor_username == "master" and AdminAudit.objects.count() == 1
    # There is no permission to grant that would allow it.
    perms = Permission.objects.filter(content_type__app_label="core", content_type__model="adminaudit")
    assert {p.codename for p in perms} == {"view_adminaudit"}


def test_the_database_refuses_to_change_or_delete_audit_rows(admin_user):
    row = _a_row(admin_user)
    refused = (IntegrityError, InternalError)
    with pytest.raises(refused), transaction.atomic():
        AdminAudit.objects.filter(pk=row.pk).update(after={"name": "篡改"})
    with pytest.raises(refused), transaction.atomic():
        AdminAudit.objects.filter(pk=row.pk).delete()
    with pytest.raises(refused), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cityops_adminaudit")
    row.refresh_from_db()
    assert row.after == {"name": "新名"}


def test_deleting_a_user_keeps_their_trail(admin_user):
    row = _a_row(admin_user)
    other_admin = UserFactory(username="second", roles=["admin"], is_staff=True)
    browser = signed_in(other_admin)
    assert browser.post(f"/admin/core/user/{admin_user.pk}/delete/", {"post": "yes"}).status_code == 302
    row.refresh_from_db()
    assert (row.actor_username, row.actor_pk) == ("master", admin_user.pk)
    assert AdminAudit.objects.filter(action="delete", model="core.user", actor_username="second").exists()
