"""Machine intake from the hotlines (12345 / 8890) and what follows every new case (docs/domain.md §2).

    hotline.py     inbox row → case (claimed, idempotent), needs-location queue, re-queue
    gazetteer.py   address text → position (门牌, 兴趣点, 社区, 道路)
    classify.py    category hint → Category (mapping, code, search)
    duplicates.py  suspected duplicates of a new case, and their confirmation
    outbox.py      status changes the hotline cares about → webhook pushes with backoff
    api.py         the hotline and operator endpoints; tasks.py the Celery side

Nothing here imports cases.services at module level: services calls back into duplicates and outbox.
"""
