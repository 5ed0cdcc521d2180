from celery import shared_task


@shared_task(ignore_result=True)
def sweep() -> dict:
    """Every few minutes (beat): open due 回头看, light overdue tasks, 挂号 items, hazards and 回头看, and
    tell tasks falling due or overdue to their unit and person."""
    from campaigns.sweep import sweep as run

    result = run()
    return {"opened": result.opened, "overdue": result.overdue, "due": result.due}
