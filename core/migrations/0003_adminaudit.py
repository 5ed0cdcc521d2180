"""(As cityops/migrations/0003.) The admin's audit trail (core/audit.py): AdminAudit, append-only, enforced by the database itself.

An UPDATE or DELETE of an audit row raises, whoever issues it (ORM, raw SQL, a psql session), as for
case events (cases/migrations/0002). TRUNCATE stays possible for test database teardown and deliberate
maintenance."""

import django.core.serializers.json
import django.utils.timezone
from django.db import migrations, models

PG_FORWARD = """
CREATE OR REPLACE FUNCTION cityops_adminaudit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the admin audit trail is append-only: % on cityops_adminaudit is not allowed', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cityops_adminaudit_no_update BEFORE UPDATE OR DELETE ON cityops_adminaudit
    FOR EACH ROW EXECUTE FUNCTION cityops_adminaudit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS cityops_adminaudit_no_update ON cityops_adminaudit;
DROP FUNCTION IF EXISTS cityops_adminaudit_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER cityops_adminaudit_no_update BEFORE UPDATE ON cityops_adminaudit
       BEGIN SELECT RAISE(ABORT, 'the admin audit trail is append-only: UPDATE on cityops_adminaudit is not allowed'); END;""",
    """CREATE TRIGGER cityops_adminaudit_no_delete BEFORE DELETE ON cityops_adminaudit
       BEGIN SELECT RAISE(ABORT, 'the admin audit trail is append-only: DELETE on cityops_adminaudit is not allowed'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS cityops_adminaudit_no_update;",
    "DROP TRIGGER IF EXISTS cityops_adminaudit_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AdminAudit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='时间')),
                ('actor_pk', models.BigIntegerField(blank=True, null=True, verbose_name='操作人 ID')),
                ('actor_username', models.CharField(blank=True, max_length=150, verbose_name='操作人')),
                ('action', models.CharField(choices=[('add', '新增'), ('change', '修改'), ('delete', '删除')], max_length=10, verbose_name='操作')),
                ('model', models.CharField(help_text='app_label.model，如 dispatch.department', max_length=100, verbose_name='对象类型')),
                ('object_pk', models.CharField(max_length=255, verbose_name='对象 ID')),
                ('object_repr', models.CharField(max_length=200, verbose_name='对象')),
                ('before', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='修改前')),
                ('after', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='修改后')),
                ('message', models.TextField(blank=True, verbose_name='变更说明')),
                ('ip_address', models.CharField(blank=True, max_length=64, verbose_name='来源地址')),
                ('request_id', models.CharField(blank=True, max_length=64, verbose_name='请求 ID')),
            ],
            options={
                'verbose_name': '后台变更记录',
                'verbose_name_plural': '后台变更记录',
                'ordering': ['-at', '-id'],
                'default_permissions': ('view',),
                'db_table': 'cityops_adminaudit',
                'indexes': [models.Index(fields=['model', 'object_pk'], name='cityops_audit_object')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
