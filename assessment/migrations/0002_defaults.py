from django.db import migrations


def seed(apps, schema_editor):
    from assessment.defaults import seed_defaults

    seed_defaults(
        threshold_model=apps.get_model("assessment", "DustThreshold"),
        band_model=apps.get_model("assessment", "GradeBand"),
    )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
