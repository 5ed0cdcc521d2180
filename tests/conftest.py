import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(autouse=True)
def photo_worker_at_once(monkeypatch):
    """Case photos are stripped and thumbnailed by a task queued after the commit (cases/photos.py); a
    test's transaction never commits, so here the (eager) task runs as soon as the photos are stored.
    Tests of the state before the worker ran use `photos_wait_for_the_worker`."""
    from cases.services import _base
    from cases.tasks import process_photos

    monkeypatch.setattr(_base, "_after_commit", lambda callback: callback())
    # Run here whatever the Celery app's eagerness (a real-worker test may have turned it off).
    monkeypatch.setattr(_base, "_queue_processing", lambda ids: process_photos.apply(args=[ids]))


@pytest.fixture
def photos_wait_for_the_worker(monkeypatch):
    """The real order: the photo task is queued after the commit (which a test's transaction never reaches)."""
    from django.db import transaction

    from cases.services import _base

    monkeypatch.setattr(_base, "_after_commit", transaction.on_commit)


@pytest.fixture(autouse=True)
def _fresh_channel_table():
    """The channel table (cases/channels.py) is cached per process: each test reads its own rows, so a
    rolled-back test's channel never leaks into the next, and query counts do not depend on test order."""
    from cases import channels

    channels.clear_cache()
    yield
    channels.clear_cache()
