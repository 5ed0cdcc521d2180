"""Beat: retrain the category suggester every night on the district's filed cases."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def retrain_suggester() -> str:
    from cases.suggest.services import NotEnoughHistory, suggester_train

    try:
        version = suggester_train(origin="nightly")
    except NotEnoughHistory as exc:
        log.info("类别推荐模型未重新训练：%s", exc)
        return "skipped"
    return f"v{version.pk}"
