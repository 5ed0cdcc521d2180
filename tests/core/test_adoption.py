"""A database made before the kernel app existed (users and audit under `cityops`) migrates as it is."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from core.adoption import adopt

pytestmark = pytest.mark.django_db


def _as_before_the_split() -> None:
    """What such a database holds: the same tables, its migrations and content types labelled cityops."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE django_migrations SET app = 'cityops' WHERE app = 'core'")
        cursor.execute(
            "UPDATE django_content_type SET app_label = 'cityops' WHERE app_label = 'core' "
            "AND model IN ('user', 'adminaudit')"
        )
    ContentType.objects.clear_cache()


def _applied(app: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = %s ORDER BY name", [app])
        return [row[0] for row in cursor.fetchall()]


def test_a_pre_split_database_is_relabelled_and_migrate_then_has_nothing_to_do():
    user = get_user_model().objects.create_user("old_timer", password="x")
    core_migrations = _applied("core")
    _as_before_the_split()
    assert _applied("core") == [] and _applied("cityops") == core_migrations

    call_command("migrate", verbosity=0)  # would fail the history check without the adoption

    assert _applied("core") == core_migrations and _applied("cityops") == []
    ContentType.objects.clear_cache()
    user_type = ContentType.objects.get_for_model(get_user_model())
    assert user_type.app_label == "core"
    assert not ContentType.objects.filter(app_label="cityops").exists()
    assert get_user_model().objects.filter(pk=user.pk).exists()  # the rows stayed where they were


def test_adoption_does_nothing_to_a_database_made_after_the_split():
    assert adopt(connection) is False
    assert _applied("cityops") == []
