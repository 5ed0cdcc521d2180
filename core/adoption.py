"""Databases made before the kernel app existed: their users and admin audit belong to `core` now.

Until the layers were split the User and AdminAudit models lived in the `cityops` app. They moved to
`core` with their tables (db_table keeps the old names) and their migrations (same names, same
operations), so such a database needs no schema change, only the bookkeeping that names the app:
the applied migrations and the content types (which carry the permissions, the admin's log and the
audit trail's references). Django checks the migration history before any migration or signal could
do that, so `migrate` (core/management/commands/migrate.py) calls `adopt` first.
"""

from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

OLD_LABEL, NEW_LABEL = "cityops", "core"
MOVED_MODELS = ("user", "adminaudit")


def adopt(connection: BaseDatabaseWrapper = default_connection) -> bool:
    """Relabel a pre-split database's bookkeeping in one transaction; True when there was any to do."""
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return False  # a new database: migrate creates everything under the new label
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = %s", [OLD_LABEL])
        if not cursor.fetchone()[0]:
            return False
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("UPDATE django_migrations SET app = %s WHERE app = %s", [NEW_LABEL, OLD_LABEL])
        if "django_content_type" in tables:
            placeholders = ", ".join(["%s"] * len(MOVED_MODELS))
            cursor.execute(
                f"UPDATE django_content_type SET app_label = %s WHERE app_label = %s AND model IN ({placeholders})",
                [NEW_LABEL, OLD_LABEL, *MOVED_MODELS],
            )
    return True
