"""Celery beat tasks: the incremental rollup every few minutes and the nightly one for yesterday.

Both are idempotent (kpi/rollup.py recomputes from the current state), so a redelivered or doubled
task only repeats work; rollup runs serialise on the RollupState row.
"""

from celery import shared_task

from kpi import rollup


@shared_task
def rollup_incremental() -> dict:
    return vars(rollup.rollup_incremental())


@shared_task
def rollup_nightly() -> dict:
    return vars(rollup.rollup_nightly())
