"""Channels as data (cases/channels.py) and API keys stored as digests (cases/apikeys.py), issue #22.

Existing clients keep working: their key's digest is stored and the clear key dropped, and their
webhook pushes stay signed with the old key (copied to the webhook secret) until an admin rotates it.
"""

import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

# A frozen copy of cases.channels.SEED as of this migration.
SEED = (
    ("inspector", "监督员上报", False, "", 10),
    ("hotline_12345", "12345 政务服务便民热线", True, "12345", 20),
    ("hotline_8890", "8890 便民服务专线", True, "8890", 30),
    ("hotline_400", "400热线", True, "400", 40),
    ("public", "公众上报", True, "", 50),
    ("zmljl", "政民零距离", True, "", 60),
    ("leader", "领导交办", False, "", 70),
    ("video", "视频/物联网发现", False, "", 80),
    ("media", "媒体", True, "", 90),
    ("community", "社区/志愿者", True, "", 100),
)


def seed_channels(apps, schema_editor):
    Channel = apps.get_model("cases", "Channel")
    Channel.objects.bulk_create(
        [
            Channel(code=code, name=name, needs_verification=verify, hotline_number=number, sort_order=order)
            for code, name, verify, number, order in SEED
        ],
        ignore_conflicts=True,
    )


def digest_keys(apps, schema_editor):
    ApiClient = apps.get_model("cases", "ApiClient")
    for client in ApiClient.objects.all():
        client.key_hash = hashlib.sha256(client.api_key.encode()).hexdigest()
        client.key_prefix = client.api_key[:8]
        client.webhook_secret = client.api_key
        client.save(update_fields=["key_hash", "key_prefix", "webhook_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_caseevent_at_brin"),
    ]

    operations = [
        migrations.CreateModel(
            name="Channel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "code",
                    models.CharField(
                        help_text="小写字母开头，字母、数字或下划线，2–20 位；保存后不宜修改（案件以此记录来源）",
                        max_length=20,
                        unique=True,
                        verbose_name="编码",
                    ),
                ),
                ("name", models.CharField(max_length=50, verbose_name="名称")),
                (
                    "needs_verification",
                    models.BooleanField(
                        default=True,
                        help_text="是：案件须先派监督员核实再受理；否：可信来源（如监督员、视频），可直接受理",
                        verbose_name="须核实",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                (
                    "hotline_number",
                    models.CharField(
                        blank=True,
                        help_text="热线渠道填写（如 12345、400）：热线工单以此号码接入，案件须有工单号",
                        max_length=10,
                        verbose_name="热线号码",
                    ),
                ),
                ("sort_order", models.PositiveIntegerField(default=100, verbose_name="排序")),
                (
                    "api_client",
                    models.ForeignKey(
                        blank=True,
                        help_text="经此客户端（API 密钥）上报的案件记为本渠道",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="channels",
                        to="cases.apiclient",
                        verbose_name="接口客户端",
                    ),
                ),
            ],
            options={
                "verbose_name": "来源渠道",
                "verbose_name_plural": "来源渠道",
                "ordering": ["sort_order", "code"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("hotline_number", ""), _negated=True),
                        fields=("hotline_number",),
                        name="channel_hotline_number_once",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("code__regex", "^[a-z][a-z0-9_]{1,19}$")), name="channel_code_format"
                    ),
                ],
            },
        ),
        migrations.RunPython(seed_channels, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="source",
            field=models.CharField(db_index=True, max_length=20, verbose_name="来源"),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="key_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="密钥摘要"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apiclient",
            name="key_prefix",
            field=models.CharField(
                default="", editable=False, help_text="用于辨认密钥，不能用于调用", max_length=12, verbose_name="密钥前缀"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apiclient",
            name="key_issued_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="密钥签发时间"
            ),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="webhook_secret",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="空：使用环境变量 HOTLINE_WEBHOOK_SECRET",
                max_length=128,
                verbose_name="回推签名密钥",
            ),
        ),
        migrations.AddField(
            model_name="apiclient",
            name="revoked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="吊销时间"),
        ),
        migrations.RunPython(digest_keys, migrations.RunPython.noop),
        migrations.RemoveField(model_name="apiclient", name="api_key"),
        migrations.AlterField(
            model_name="apiclient",
            name="key_hash",
            field=models.CharField(editable=False, max_length=64, unique=True, verbose_name="密钥摘要"),
        ),
        migrations.AlterField(
            model_name="apiclient",
            name="channel",
            field=models.CharField(
                blank=True, help_text="热线系统：热线号码，如 12345、8890、400", max_length=10, verbose_name="热线渠道"
            ),
        ),
    ]
