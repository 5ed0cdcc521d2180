"""Field work (docs/domain.md §12): patrols and their coverage (patrols/), and photo evidence (cases/photos.py)."""

from celery.schedules import crontab

from core.env import env_float, env_int

# 面积覆盖率: the part of a grid within this distance of the day's tracks counts as covered (红桥's rule
# names "a set distance"; 50 m is a street's width either side on foot).
PATROL_COVERAGE_DISTANCE_M = env_int("PATROL_COVERAGE_DISTANCE_M", 50)
# 面积覆盖率 is counted on cells of this size (m): within 1 percentage point of the exact geometry and about
# 25 times faster on a district's day (patrols/coverage.py, `make bench`); 0 = the exact geometric union.
PATROL_COVERAGE_CELL_M = env_float("PATROL_COVERAGE_CELL_M", 2.5)
# Between two points further apart in time than this the phone was not tracking: no patrol counted.
PATROL_MAX_GAP_SECONDS = env_int("PATROL_MAX_GAP_SECONDS", 120)
# Faster than this between two points is a GPS jump or a ride, not a patrol on foot or by bicycle (m/s).
PATROL_MAX_SPEED_MPS = env_int("PATROL_MAX_SPEED_MPS", 8)
# One upload batch at most this many points (the phone sends every 30 s or 30 points).
PATROL_BATCH_MAX_POINTS = env_int("PATROL_BATCH_MAX_POINTS", 2000)
# A grid counts as patrolled on a day from this coverage on (the missed-patrol list, %).
PATROL_MIN_COVERAGE_PERCENT = env_int("PATROL_MIN_COVERAGE_PERCENT", 30)

# Photo evidence (cases/photos.py, the case page): a staff photo taken further than this from the case
# position, or longer than this before it was uploaded, is flagged as perhaps not taken on site.
PHOTO_SITE_MAX_DISTANCE_M = env_int("PHOTO_SITE_MAX_DISTANCE_M", 200)
PHOTO_SITE_MAX_AGE_HOURS = env_int("PHOTO_SITE_MAX_AGE_HOURS", 24)

# Today's coverage every 10 minutes; yesterday's once more after midnight, with every late upload in.
PATROL_BEAT = {
    "patrols-coverage-today": {"task": "patrols.tasks.coverage_today", "schedule": 600.0},
    "patrols-coverage-yesterday": {
        "task": "patrols.tasks.coverage_yesterday",
        "schedule": crontab(hour=0, minute=50),
    },
}
