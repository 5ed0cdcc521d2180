"""A BRIN index on cases_caseevent.at (PostgreSQL only; docs/architecture.md, "Ten years of a large city").

Every KPI rollup run starts with `SELECT DISTINCT case_id FROM cases_caseevent WHERE at >= … AND at < …`
(kpi/rollup.py). No index led with `at` ((case, at) and (action, at) do not), so at 70 M events each
5-minute run read the whole table. Events are appended in time order, so a block-range index is the
fit: a few hundred kilobytes for the whole history (a B-tree would take gigabytes) and a window reads
only its own blocks. It does by index what partitioning the table by month would do by pruning.
"""

from django.db import migrations

SQL = "CREATE INDEX IF NOT EXISTS caseevent_at_brin ON cases_caseevent USING brin (at) WITH (pages_per_range = 32)"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS caseevent_at_brin")


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_photo_processing")]

    operations = [migrations.RunPython(forwards, backwards)]
