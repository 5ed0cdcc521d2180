"""The worker keeps its database connection between tasks, and retires one that broke or grew old."""

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection, transaction

from cityops.celery import app, retire_old_connections

WORKER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))
EAGER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=True))


def test_celerys_fixup_does_not_close_the_connection_after_every_task():
    # Without CELERY_DB_REUSE_MAX the fixup closes every connection before and after each task.
    assert DjangoWorkerFixup(app).db_reuse_max >= 100


@pytest.mark.django_db(transaction=True)
def test_a_connection_is_kept_between_tasks_and_retired_once_past_its_age():
    connection.ensure_connection()
    kept = connection.connection
    retire_old_connections(task=WORKER_TASK)
    assert connection.connection is kept

    connection.close_at = time.monotonic() - 1  # outlived CONN_MAX_AGE
    retire_old_connections(task=WORKER_TASK)
    assert connection.connection is None


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_retired_before_the_next_task():
    connection.ensure_connection()
    connection.errors_occurred = True
    connection.connection.close()  # what a dropped server connection looks like from here
    retire_old_connections(task=WORKER_TASK)
    assert connection.connection is None
    with connection.cursor() as cursor:  # the next task connects afresh
        cursor.execute("SELECT 1")


@pytest.mark.django_db(transaction=True)
def test_an_eager_task_leaves_its_callers_transaction_alone():
    with transaction.atomic():
        connection.ensure_connection()
        kept = connection.connection
        retire_old_connections(task=EAGER_TASK)
        assert connection.connection is kept and connection.in_atomic_block
