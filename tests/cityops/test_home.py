import pytest

from tests.factories import UserFactory


@pytest.mark.django_db
def test_home_is_chinese_first_whatever_the_browser_asks(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.content.decode() and "数字城管平台" in page.content.decode()


@pytest.mark.django_db
def test_the_language_switch_chooses_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_district_wide_roles_read_cases_in_the_admin_and_department_staff_do_not(client):
    supervisor = UserFactory(roles=["supervisor"], is_staff=True)
    client.force_login(supervisor)
    assert client.get("/admin/cases/case/").status_code == 200
    staff = UserFactory(roles=["inspector"], is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/cases/case/").status_code == 403
