import pytest


@pytest.mark.django_db
def test_home_page_in_chinese_and_english(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "数字城管平台" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/").status_code == 200
