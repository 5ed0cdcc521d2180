import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")

app = Celery("cityops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def retire_old_connections(task=None, **kwargs):
    """Around each task, what Django does around each request: close a connection that broke or has
    outlived CONN_MAX_AGE, and keep the rest. Celery's own fixup would close every connection before
    and after every task (a new PostgreSQL backend per hotline ticket); CELERY_DB_REUSE_MAX in the
    settings turns that off. Not for an eager task: it runs inside its caller's request or transaction.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
