"""The category suggester (cases/suggest): where its trained models live, when it is sure, what it learns from."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from core.env import env_float, env_int, env_str

from .base import MEDIA_ROOT

# Trained models (one file per version, never overwritten). Under MEDIA_ROOT by default, because that is
# the volume the web processes and the worker share in docker-compose.yml (the worker trains, the web
# serves); the photo view serves only case photos, so nothing here is reachable by URL.
SUGGEST_MODEL_DIR = Path(env_str("SUGGEST_MODEL_DIR", str(MEDIA_ROOT / "suggest-models")))
# "Sure" means: of the held-out cases whose first suggestion scored at least the version's threshold,
# at least this share were right. Below the threshold the pages say 不确定 and hotline intake leaves the
# ticket to the operator.
SUGGEST_SURE_PRECISION = env_float("SUGGEST_SURE_PRECISION", 0.95)
if SUGGEST_SURE_PRECISION is None or not 0 < SUGGEST_SURE_PRECISION < 1:
    raise ImproperlyConfigured(
        f"SUGGEST_SURE_PRECISION={SUGGEST_SURE_PRECISION!r}: a share between 0 and 1, please."
    )
# The nightly retraining needs this many filed cases; with fewer it keeps the model it has.
SUGGEST_MIN_CASES = env_int("SUGGEST_MIN_CASES", 1000)
# Filed cases of the last this many days are learned from (categories and habits change).
SUGGEST_HISTORY_DAYS = env_int("SUGGEST_HISTORY_DAYS", 730)
SUGGEST_MAX_CASES = env_int("SUGGEST_MAX_CASES", 200_000)  # the newest ones, when there are more
# The nearest 部件 within this distance of the position is one of the suggester's clues.
SUGGEST_NEAR_RADIUS_M = env_int("SUGGEST_NEAR_RADIUS_M", 20)
SUGGEST_VERSIONS_KEPT = env_int("SUGGEST_VERSIONS_KEPT", 5)  # older model files are deleted (rows stay)
