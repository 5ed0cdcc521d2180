import pytest

from cases.web.queues import QUEUES
from cityops.navigation import MENU
from tests.factories import UserFactory


@pytest.mark.django_db
def test_home_is_chinese_first_whatever_the_browser_asks(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="zh-hans"' in html and "登录 CityOps" in html


@pytest.mark.django_db
def test_the_language_switch_chooses_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en"' in client.get("/login/").content.decode()


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/login/"


@pytest.mark.django_db
def test_sign_in_lands_on_the_own_work_queues(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="lead", roles=["shift_leader"])
    user.set_password("pw-123456")
    user.save()
    response = client.post("/login/", {"username": "lead", "password": "pw-123456"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/"
    queues = [q for q in QUEUES if "shift_leader" in q.roles]
    assert queues and all(f'data-queue="{q.key}"' in html for q in queues)
    assert 'data-queue="dispatch"' not in html  # the dispatcher's queue is not the shift leader's
    assert "没有未读通知" in html


@pytest.mark.django_db
def test_a_wrong_password_is_refused_on_the_form(client):
    UserFactory(username="lead", roles=["shift_leader"])
    response = client.post("/login/", {"username": "lead", "password": "wrong"})
    assert response.status_code == 200 and "form-error" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("entry", MENU, ids=lambda e: e.url_name)
def test_every_menu_entry_opens_for_its_roles(client, entry):
    """The menu is data: each entry must resolve and open (200) for a user holding its first role."""
    from core.roles import STREET_ROLES
    from streets.models import Unit
    from tests.factories import StreetFactory

    role = sorted(entry.roles)[0] if entry.roles else None
    # A street's staff work for a street; a unit's staff hold no role, only their unit (docs/domain.md §13).
    street = StreetFactory() if role in STREET_ROLES or role is None else None
    user = UserFactory(roles=[role.value] if role else [], street=street if role else None)
    if role is None:
        Unit.objects.create(name="友谊社区", kind=Unit.Kind.COMMUNITY, street=street).staff.add(user)
    client.force_login(user)
    assert client.get(entry.url).status_code == 200


@pytest.mark.django_db
def test_district_wide_roles_read_cases_in_the_admin_and_department_staff_do_not(client):
    supervisor = UserFactory(roles=["supervisor"], is_staff=True)
    client.force_login(supervisor)
    assert client.get("/admin/cases/case/").status_code == 200
    staff = UserFactory(roles=["inspector"], is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/cases/case/").status_code == 403
