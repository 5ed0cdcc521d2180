"""Seed the default working windows, the 2024–2027 holidays and 调休 days, and the step time limits.

A fresh install then computes correct deadlines without anyone remembering a command. The calendar
comes from the chinese_calendar package (years it lacks are skipped; `manage.py seed_calendar`
fills them in after the package is upgraded). Category time limits need the categories, which are
loaded after migrating: `manage.py seed_time_limits` adds them.

The seed functions take the historical models and touch only fields that exist at this migration; if
they ever need a later field, freeze a copy of them here instead.
"""

import datetime

from django.db import migrations


def seed(apps, schema_editor):
    from dispatch.calendar import seed_calendar
    from dispatch.time_limits import seed_time_limits

    WorkingWindow = apps.get_model("dispatch", "WorkingWindow")
    if not WorkingWindow.objects.exists():
        WorkingWindow.objects.create(start=datetime.time(8, 30), end=datetime.time(12, 0))
        WorkingWindow.objects.create(start=datetime.time(13, 30), end=datetime.time(17, 30))
    seed_calendar(model=apps.get_model("dispatch", "CalendarDay"))
    seed_time_limits(
        rule_model=apps.get_model("dispatch", "TimeLimitRule"),
        category_model=apps.get_model("dispatch", "Category"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("dispatch", "0003_calendarday_workingwindow_timelimitrule"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
