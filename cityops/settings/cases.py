"""The case intake: hotline tickets, duplicates, photos and Open311 (cases/intake, cases/photos.py, cases/open311)."""

from django.core.exceptions import ImproperlyConfigured

from core.env import env_choice, env_int, env_list, env_str

# ---------------------------------------------------------------- 热线接入、回推与重复案件 (cases/intake)
# The service user machine intake reports as (holds the hotline role, so it may report hotline sources).
HOTLINE_INTAKE_USERNAME = env_str("HOTLINE_INTAKE_USERNAME", "hotline_intake")
# A received ticket not processed this long after its last enqueue is enqueued again by the beat.
HOTLINE_REQUEUE_AFTER_MINUTES = env_int("HOTLINE_REQUEUE_AFTER_MINUTES", 5)
HOTLINE_MAX_ATTEMPTS = env_int("HOTLINE_MAX_ATTEMPTS", 5)  # unexpected errors; then state=failed
# Category code used when a ticket's hint matches nothing; empty = the ticket waits for an operator.
HOTLINE_FALLBACK_CATEGORY = env_str("HOTLINE_FALLBACK_CATEGORY", "")
# Signs webhook pushes of a hotline client that has no secret of its own (set in the admin).
HOTLINE_WEBHOOK_SECRET = env_str("HOTLINE_WEBHOOK_SECRET", "")
HOTLINE_PUSH_TIMEOUT_SECONDS = env_int("HOTLINE_PUSH_TIMEOUT_SECONDS", 10)
HOTLINE_PUSH_MAX_ATTEMPTS = env_int("HOTLINE_PUSH_MAX_ATTEMPTS", 10)
HOTLINE_PUSH_BACKOFF_SECONDS = env_int("HOTLINE_PUSH_BACKOFF_SECONDS", 30)  # doubles per failed attempt
HOTLINE_PUSH_BACKOFF_MAX_SECONDS = env_int("HOTLINE_PUSH_BACKOFF_MAX_SECONDS", 6 * 3600)
# The 12345 接诉即办 loop (cases/intake/loop.py, docs/hotline-12345.md): channels whose centre decides
# 延期 and 退单 and sends 回访 and 重办; the 签收 limit in working hours (dispatch/calendar.py).
HOTLINE_LOOP_CHANNELS = env_list("HOTLINE_LOOP_CHANNELS", ["12345"])
HOTLINE_SIGN_LIMIT_HOURS = env_int("HOTLINE_SIGN_LIMIT_HOURS", 2)
# Suspected duplicates: same category ("category") or same 大类 ("major"), within the radius, against
# open cases and cases closed within the window.
DUPLICATE_MATCH = env_choice("DUPLICATE_MATCH", "category", ("category", "major"))
DUPLICATE_RADIUS_M = env_int("DUPLICATE_RADIUS_M", 50)
DUPLICATE_WINDOW_DAYS = env_int("DUPLICATE_WINDOW_DAYS", 7)
DUPLICATE_MAX_SUSPECTS = env_int("DUPLICATE_MAX_SUSPECTS", 5)  # nearest first; bounds work in hot spots

# Photos (cases/photos.py): images only, checked by content; larger uploads are refused.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
PHOTO_THUMBNAIL_PX = env_int("PHOTO_THUMBNAIL_PX", 320)
PHOTO_MAX_EDGE_PX = env_int("PHOTO_MAX_EDGE_PX", 2048)  # stored photos' long edge at most
# Which steps must carry an on-site photo (docs/domain.md §3). A city may relax this.
PHOTO_REQUIRED_FOR = env_list("PHOTO_REQUIRED_FOR", ["self_resolved", "verify", "submit_feedback", "check"])

# ---------------------------------------------------------------- Open311 GeoReport v2 (cases/open311)
# GET requests: the default window and the most rows one answer carries (the spec's 90 days / 1,000).
OPEN311_WINDOW_DAYS = env_int("OPEN311_WINDOW_DAYS", 90)
OPEN311_MAX_REQUESTS = env_int("OPEN311_MAX_REQUESTS", 1000)
# POST requests: limits on what a public client may send; anything larger is refused, nothing saved.
OPEN311_MAX_BODY_BYTES = env_int("OPEN311_MAX_BODY_BYTES", 1024 * 1024)
OPEN311_MAX_DESCRIPTION = env_int("OPEN311_MAX_DESCRIPTION", 4000)
if not 1 <= OPEN311_MAX_DESCRIPTION <= 4000:  # GeoReport v2: a description is at most 4,000 characters
    raise ImproperlyConfigured("OPEN311_MAX_DESCRIPTION must be between 1 and 4000 (the spec's maximum).")
# Service discovery: bump OPEN311_CHANGESET when categories change so clients refresh their cache.
OPEN311_CHANGESET = env_str("OPEN311_CHANGESET", "2026-01-01T00:00:00+08:00")
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "城市管理监督指挥中心")
OPEN311_KEY_SERVICE = env_str("OPEN311_KEY_SERVICE", "向城市管理监督指挥中心申请 API 密钥")
OPEN311_ENDPOINT_TYPE = env_str("OPEN311_ENDPOINT_TYPE", "production")
