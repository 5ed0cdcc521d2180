import pytest
from django.core.exceptions import ImproperlyConfigured

from core import env


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (lambda: env.env_bool("X_FLAG", False), "maybe"),
        (lambda: env.env_int("X_FLAG", 1), "ten"),
        (lambda: env.env_float("X_FLAG", 1.1), "cheap"),
        (lambda: env.env_database("X_FLAG", "sqlite:///x"), "mysql://u@h/db"),
        (lambda: env.env_url("X_FLAG", "filesystem://", ("filesystem", "redis")), "amqp://guest@h//"),
    ],
)
def test_a_wrong_value_names_the_variable(monkeypatch, reader, value):
    monkeypatch.setenv("X_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        reader()


def test_typed_values_are_read(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env.env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "42")
    assert env.env_int("X_FLAG", 1) == 42
    monkeypatch.setenv("X_FLAG", "1.5")
    assert env.env_float("X_FLAG", 1.1) == 1.5
    monkeypatch.setenv("X_FLAG", "")
    assert env.env_float("X_FLAG", 1.1) is None  # set but empty: the setting is off
    monkeypatch.setenv("X_FLAG", "a.example, b.example")
    assert env.env_list("X_FLAG", []) == ["a.example", "b.example"]


def test_locale_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_passwords_are_hashed_with_argon2(db):
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert make_password("a-long-passphrase").startswith("argon2$argon2id$")


@pytest.mark.postgres
def test_postgresql_connections_price_random_reads_for_ssds(db):
    """The planner's random_page_cost is 1.1 on every connection (cityops/settings.py says why)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_db_conn_max_age_is_a_setting(monkeypatch):
    """make demo's dev server runs with 0 (issue 17.3); production keeps 60 by default."""
    import importlib

    from cityops.settings import database

    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    assert importlib.reload(database).DATABASES["default"]["CONN_MAX_AGE"] == 0
    monkeypatch.delenv("DB_CONN_MAX_AGE")
    assert importlib.reload(database).DATABASES["default"]["CONN_MAX_AGE"] == 60
    monkeypatch.undo()
    importlib.reload(database)
