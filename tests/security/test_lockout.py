"""Sign-in lock-out (django-axes, core/security.py): five wrong passwords for one username from one
address lock that pair out for the cool-off, on the /login/ form, the admin's login and the API token
endpoint; the right password is refused meanwhile; the cool-off or an admin unlocks; a good sign-in
clears the count. Attempts are rows in the database."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.audit import AdminAudit
from tests.cases.conftest import fast_passwords  # noqa: F401
from tests.factories import UserFactory
from tests.security.sec_support import OUTSIDE, PASSWORD, private_cache, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords", "own_counters")]

OTHER_ADDRESS = "198.51.100.7"


@pytest.fixture
def own_counters(settings):
    private_cache(settings)  # the failures-per-address limit counts in the cache


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", roles=["operator"])


def form_login(client, username, password, url="/login/"):
    return client.post(url, {"username": username, "password": password})


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username, times, url="/login/"):
    return [form_login(client, username, "wrong-password", url) for _ in range(times)]


def test_five_wrong_passwords_lock_and_the_right_one_is_then_refused(client, alice, settings):
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.LOGIN_LOCKOUT_MINUTES == 15
    client.defaults["REMOTE_ADDR"] = OUTSIDE
    *first, fifth = fail(client, "alice", 5)
    assert [r.status_code for r in first] == [200] * 4  # the form again, with its error
    assert "用户名" in first[0].content.decode()
    assert fifth.status_code == 429
    assert 14 * 60 <= int(fifth["Retry-After"]) <= 15 * 60

    right = form_login(client, "alice", PASSWORD)
    assert right.status_code == 429
    assert not is_signed_in(client)
    page = right.content.decode()
    assert "登录已暂时锁定" in page
    until = timezone.localtime(AccessAttempt.objects.get().attempt_time + timedelta(minutes=15))
    assert f"请于 {until:%Y-%m-%d %H:%M} 之后再试" in page  # the page says when
    assert client.get("/").status_code == 302  # still not signed in


def test_the_attempts_are_stored_in_the_database_per_username_and_address(client, alice):
    client.defaults["REMOTE_ADDR"] = OUTSIDE
    fail(client, "alice", 5)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("alice", OUTSIDE, 5)
    assert "wrong-password" not in attempt.post_data  # the password is never stored


def test_the_lock_is_per_username_and_address(alice):
    from django.test import Client

    attacker = Client(REMOTE_ADDR=OUTSIDE)
    fail(attacker, "alice", 5)
    assert form_login(attacker, "alice", PASSWORD).status_code == 429

    # Alice at her own desk is not locked out by someone guessing from elsewhere …
    desk = Client(REMOTE_ADDR=OTHER_ADDRESS)
    assert form_login(desk, "alice", PASSWORD).status_code == 302
    assert is_signed_in(desk)
    # … and the attacker's address can still sign in as another user.
    bob = UserFactory(username="bob", roles=["dispatcher"])
    assert form_login(attacker, bob.username, PASSWORD).status_code == 302


def test_the_cool_off_unlocks(alice):
    from django.test import Client

    client = Client(REMOTE_ADDR=OUTSIDE)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail(client, "alice", 5)
        clock.shift(timedelta(minutes=14, seconds=50))
        assert form_login(client, "alice", PASSWORD).status_code == 429
        clock.shift(timedelta(seconds=15))  # 15 min 5 s after the lock
        assert form_login(client, "alice", PASSWORD).status_code == 302
        assert is_signed_in(client)


def test_a_retry_while_locked_does_not_move_the_promised_time(alice):
    from django.test import Client

    client = Client(REMOTE_ADDR=OUTSIDE)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail(client, "alice", 5)
        clock.shift(timedelta(minutes=10))
        fail(client, "alice", 3)  # still guessing while locked
        clock.shift(timedelta(minutes=5, seconds=5))
        assert form_login(client, "alice", PASSWORD).status_code == 302


def test_an_admin_unlocks_by_deleting_the_attempt_in_the_admin(alice):
    from django.test import Client

    client = Client(REMOTE_ADDR=OUTSIDE)
    fail(client, "alice", 5)
    attempt = AccessAttempt.objects.get()

    admin = UserFactory(username="root", roles=["admin"], is_staff=True)
    desk = signed_in(admin)
    listing = desk.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    response = desk.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    # The unlock is itself on the audit trail.
    assert AdminAudit.objects.filter(
        action="delete", model="axes.accessattempt", object_pk=str(attempt.pk)
    ).exists()

    assert form_login(client, "alice", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_a_good_sign_in_resets_the_count(client, alice):
    client.defaults["REMOTE_ADDR"] = OUTSIDE
    fail(client, "alice", 4)
    assert form_login(client, "alice", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
    client.post("/logout/")
    assert [r.status_code for r in fail(client, "alice", 4)] == [200] * 4  # 4 + 4 wrong: not locked
    assert fail(client, "alice", 1)[0].status_code == 429  # the fifth since the good one locks


def test_the_admin_login_locks_the_same_way(client, alice):
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    client.defaults["REMOTE_ADDR"] = OUTSIDE
    *first, fifth = fail(client, "alice", 5, url="/admin/login/")
    assert [r.status_code for r in first] == [200] * 4
    assert fifth.status_code == 429
    refused = form_login(client, "alice", PASSWORD, url="/admin/login/")
    assert refused.status_code == 429 and "登录已暂时锁定" in refused.content.decode()
    assert client.get("/admin/").status_code == 302  # to the admin's login: not signed in


def test_the_api_token_endpoint_locks_the_same_way(api, alice):
    def token(password):
        return api.post(
            "/api/v1/auth/token/", {"username": "alice", "password": password}, REMOTE_ADDR=OUTSIDE
        )

    answers = [token("wrong-password") for _ in range(5)]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert answers[4].status_code == 429
    locked = token(PASSWORD)
    assert locked.status_code == 429
    body = locked.json()
    assert "锁定" in body["detail"] and body["retry_after"] == int(locked["Retry-After"]) > 0
    assert not Token.objects.filter(user=alice).exists()
    # The same lock as the form's: the form refuses too.
    from django.test import Client

    assert form_login(Client(REMOTE_ADDR=OUTSIDE), "alice", PASSWORD).status_code == 429


def test_the_api_token_endpoint_still_gives_a_token(api, alice):
    response = api.post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR=OUTSIDE
    )
    assert response.status_code == 200 and response.json()["token"] == Token.objects.get(user=alice).key
