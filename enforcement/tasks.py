from celery import shared_task


@shared_task(ignore_result=True)
def refresh_credit_scores() -> int:
    """Nightly (beat): the 门前三包 credit scores recover over time (enforcement/credit.py). Idempotent."""
    from enforcement.credit import refresh_all

    return refresh_all()
