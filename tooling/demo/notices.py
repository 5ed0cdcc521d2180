"""Demo notice channels (notices/): the demo department hears of dispatches by SMS, its head gets the
unread ones escalated, the leader gets the daily digest. The demo's SMS provider writes to the worker's
log (notices.senders.LogSmsProvider), so the case page's 通知投递 panel shows them sent; robots need a
real 企业微信 or 钉钉 group, so none is made here (add one in the admin: 通知渠道). The SMS provider row
says so in the admin (短信服务商: 写入日志); a real one is 腾讯云短信 with the district's keys."""

from django.contrib.auth import get_user_model

from notices.models import Channel, SmsProvider


def save_notice_channels() -> int:
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["department", "supervisor"])
    }
    made = 0
    if not SmsProvider.objects.exists():
        SmsProvider.objects.create(kind=SmsProvider.Kind.LOG, sign_name="演示")
    department = users.get("department")
    if department is not None and department.department_id:
        specs = [
            ("演示部门值班短信", {"department_id": department.department_id, "address": "13800000001"}),
            (
                "演示部门负责人短信（升级）",
                {"department_id": department.department_id, "address": "13800000002", "escalation": True},
            ),
        ]
        if "supervisor" in users:
            specs.append(
                ("演示领导每日汇总", {"user": users["supervisor"], "address": "13800000003", "digest": True})
            )
        for name, fields in specs:
            _, created = Channel.objects.get_or_create(
                name=name, defaults={"kind": Channel.Kind.SMS, **fields}
            )
            made += created
    return made
