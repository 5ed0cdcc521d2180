"""The agencies a case is commonly transferred to (移送, issue #20.2), and the default credit rules."""

from django.db import migrations

AGENCIES = [
    ("SCJG", "市场监督管理局"),
    ("GA", "公安分局"),
    ("ZJ", "住房和城乡建设委员会"),
    ("STHJ", "生态环境局"),
    ("JT", "交通运输委员会"),
    ("SW", "水务局"),
]


def seed(apps, schema_editor):
    Agency = apps.get_model("enforcement", "Agency")
    CreditPolicy = apps.get_model("enforcement", "CreditPolicy")
    for code, name in AGENCIES:
        Agency.objects.get_or_create(code=code, defaults={"name": name})
    if not CreditPolicy.objects.exists():
        CreditPolicy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
