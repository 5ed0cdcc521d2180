"""Changes made through the Django admin, recorded with who, when, what and the values before and after.

Django's LogEntry keeps only a message ("Changed name."): enough to notice a change, not to tell what
a department, a time limit or a user's roles were before it. `AdminAudit` keeps the field values, in
the same transaction as the change (the admin's add, change and delete views are atomic), so a
change without its record cannot be committed.

The rows are append-only: the model has only the "view" permission (no add/change/delete for any
role, whatever ROLE_PERMISSIONS grants on `core.*`), its admin is read-only, and the database
refuses UPDATE and DELETE on the table (core/migrations/0001). Who made a change is kept as a username and
id, not a foreign key, so deleting a user leaves their audit trail intact.

The recording itself is wired into every ModelAdmin by the admin site (core/admin_site.py).
"""

import hashlib
import json
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MASKED = "已隐藏"


class AdminAudit(models.Model):
    class Action(models.TextChoices):
        ADD = "add", _("新增")
        CHANGE = "change", _("修改")
        DELETE = "delete", _("删除")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor_pk = models.BigIntegerField(_("操作人 ID"), null=True, blank=True)
    actor_username = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    model = models.CharField(
        _("对象类型"), max_length=100, help_text=_("app_label.model，如 dispatch.department")
    )
    object_pk = models.CharField(_("对象 ID"), max_length=255)
    object_repr = models.CharField(_("对象"), max_length=200)
    before = models.JSONField(_("修改前"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("修改后"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    message = models.TextField(_("变更说明"), blank=True)
    ip_address = models.CharField(_("来源地址"), max_length=64, blank=True)
    request_id = models.CharField(_("请求 ID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("后台变更记录")
        verbose_name_plural = _("后台变更记录")
        ordering = ["-at", "-id"]
        # Read only, for everyone: there is nothing to grant that would let a row be changed or removed.
        default_permissions = ("view",)
        db_table = "cityops_adminaudit"  # its name from before the kernel app (see core.models.User)
        indexes = [models.Index(fields=["model", "object_pk"], name="cityops_audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.get_action_display()} {self.object_repr}"


# ---------------------------------------------------------------- field values


def _is_secret(field) -> bool:
    name = field.name.lower()
    return name == "key" or any(part in name for part in ("password", "secret", "token", "api_key"))


def _jsonable(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        # One zone for every value: the same instant read from the database (UTC) and from a form
        # (local time) must compare equal, or an untouched field would show as changed.
        value = value.astimezone(UTC)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except TypeError:
        return str(value)


def _masked(value) -> str:
    # A short digest instead of the value: a reader sees that a password or key changed, never what
    # it is (the digest of a salted hash or of a 160-bit key gives nothing away).
    if not value:
        return ""
    return f"{MASKED} #{hashlib.sha256(str(value).encode()).hexdigest()[:8]}"


def snapshot(obj) -> dict:
    """Every stored field of `obj` as JSON values: foreign keys as ids, many-to-many as sorted id lists
    (read from the database), files as their names, secrets masked."""
    values = {}
    opts = obj._meta
    for field in opts.concrete_fields:
        raw = field.value_from_object(obj)
        values[field.name] = _masked(raw) if _is_secret(field) else _jsonable(raw)
    if obj.pk is not None:
        for field in opts.many_to_many:
            ids = getattr(obj, field.attname).order_by("pk").values_list("pk", flat=True)
            values[field.name] = _jsonable(list(ids))
    return values


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields whose value changed, on both sides."""
    changed = [name for name in after if before.get(name) != after.get(name)]
    changed += [name for name in before if name not in after]
    return {n: before.get(n) for n in changed}, {n: after.get(n) for n in changed}


def record(*, request, action: str, obj, before: dict, after: dict, message: str = "", pk=None) -> AdminAudit:
    """One audit row for `obj`, attributed to the request's user and address."""
    from core.security import client_ip  # imported late: this module loads with the models

    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return AdminAudit.objects.create(
        actor_pk=user.pk if signed_in else None,
        actor_username=user.get_username() if signed_in else "",
        action=action,
        model=obj._meta.label_lower,
        object_pk=str(pk if pk is not None else obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        message=message if isinstance(message, str) else json.dumps(message, ensure_ascii=False),
        ip_address=client_ip(request) or "",
        request_id=(getattr(request, "request_id", "") or "")[:64],
    )
