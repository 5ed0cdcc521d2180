"""The database (PostgreSQL in production, SQLite for the embedded demo) and the cache (Redis, else memory)."""

from core.env import env_database, env_float, env_int, env_str, env_url

from .base import VAR_DIR

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cityops.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite is the embedded demo default: let concurrent web/worker/beat processes wait for the lock.
    # IMMEDIATE transactions take the write lock at BEGIN, so a transaction that reads a case and then
    # changes it cannot act on a stale read (PostgreSQL gets the same from SELECT … FOR UPDATE).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Seconds a connection is kept for the next request of the same thread. gunicorn's sync workers
    # have one thread each, so one connection per worker; the dev server (`make demo`) starts a thread
    # per request, and each kept its connection a minute (20 concurrent requests left 60+ idle
    # connections): run_demo sets 0 for it.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
    # The planner's price of a random page read, per connection. PostgreSQL's default (4) models a
    # spinning disk, which made it walk a desk queue's 100,000 cases in date order rather than read
    # the few it wants from the (status, created_at) index (7.6 ms → 0.06 ms). 1.1 is the usual value
    # for SSDs and for a working set held in memory; PG_RANDOM_PAGE_COST="" keeps the server's own.
    if (page_cost := env_float("PG_RANDOM_PAGE_COST", 1.1)) is not None:
        DATABASES["default"]["OPTIONS"] = {"options": f"-c random_page_cost={page_cost}"}
    if env_str("CITYOPS_TEST_DB_NAME", ""):
        # Set by the test plugin: one test database per run, so concurrent runs never share one.
        DATABASES["default"]["TEST"] = {"NAME": env_str("CITYOPS_TEST_DB_NAME", "")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
# The cache holds rate-limit counters and health data, and those uses fail open or report the fault: a
# Redis that accepts connections but does not answer (hung, or its host gone) must not hold requests.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, ("redis", "rediss", "unix"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
