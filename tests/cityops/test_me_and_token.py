import pytest
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, DepartmentFactory, GridFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN = "/api/v1/auth/token/"


def test_me_for_an_inspector_lists_their_grids(api):
    inspector = UserFactory(username="zhangsan", first_name="三", last_name="张", roles=["inspector"])
    grids = [GridFactory(inspectors=[inspector]) for _ in range(2)]
    GridFactory()  # someone else's grid
    api.force_authenticate(inspector)

    body = api.get(ME).json()

    assert body["username"] == "zhangsan"
    assert body["roles"] == ["inspector"]
    assert body["department"] is None
    assert body["grid_codes"] == sorted(g.code for g in grids)


def test_me_for_department_staff_names_the_department(api):
    department = DepartmentFactory(code="SZJ", name="区市政局")
    api.force_authenticate(UserFactory(roles=["department", "hotline"], department=department))

    body = api.get(ME).json()

    assert body["roles"] == ["department", "hotline"]
    assert body["department"] == {"id": department.pk, "code": "SZJ", "name": "区市政局"}
    assert body["grid_codes"] == []


def test_me_needs_a_signed_in_user(api):
    assert api.get(ME).status_code == 401


def test_token_end_to_end():
    UserFactory(username="lisi", roles=["dispatcher"])
    client = APIClient()

    response = client.post(TOKEN, {"username": "lisi", "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "lisi" and me.json()["roles"] == ["dispatcher"]

    again = APIClient().post(TOKEN, {"username": "lisi", "password": DEFAULT_PASSWORD}, format="json")
    assert again.json()["token"] == token  # one token per user, reused


def test_wrong_password_is_a_400_that_says_so():
    UserFactory(username="lisi")

    response = APIClient().post(TOKEN, {"username": "lisi", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["用户名或密码错误，或账号已停用"]}


def test_missing_fields_are_named():
    response = APIClient().post(TOKEN, {"username": "lisi"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_a_disabled_account_gets_no_token():
    UserFactory(username="wangwu", is_active=False)
    response = APIClient().post(TOKEN, {"username": "wangwu", "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 400


def test_a_bad_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(ME).status_code == 401


@pytest.mark.postgres
def test_a_token_request_reads_the_user_and_their_roles_in_one_query(django_assert_num_queries):
    """Every API request checks roles: the token's query brings them along (cityops/api.py)."""
    from rest_framework.authtoken.models import Token

    from core.authentication import TokenAuthentication

    user = UserFactory(roles=["department", "hotline"], department=DepartmentFactory())
    key = Token.objects.create(user=user).key
    with django_assert_num_queries(1):
        found, token = TokenAuthentication().authenticate_credentials(key)
        assert found.roles == {"department", "hotline"} and token.key == key


def test_a_token_of_a_disabled_account_is_refused():
    from rest_framework.authtoken.models import Token

    user = UserFactory(roles=["dispatcher"])
    key = Token.objects.create(user=user).key
    user.is_active = False
    user.save(update_fields=["is_active"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(ME)
    assert response.status_code == 401 and response.json()["detail"]
