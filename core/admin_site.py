"""The admin site, with every add, change and delete audited (core/audit.py).

One central place rather than a mixin to remember in each app's admin.py: this site mixes
`AuditedModelAdmin` into every ModelAdmin registered on it (ours, Django's groups, DRF's tokens,
django-axes' attempts), so a model added later is audited without anyone thinking of it.
`AuditedAdminConfig` replaces "django.contrib.admin" in INSTALLED_APPS to make this the default site.

Nothing here imports models at module level: Django imports this module to find the AppConfig
while the app registry is still being filled.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _


def _key(obj) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


class AuditedModelAdmin:
    """Records each admin change with the values before and after (mixed in by AuditedAdminSite).

    The values before a change are read from the database, not from the object the form already
    edited in memory: in save_model for the change form and list_editable, in get_object for views
    that change an object without save_model (the user admin's password form). The values after are
    read in log_addition/log_change, which the admin calls once the many-to-many fields are saved.
    """

    def _remember_before(self, request, obj) -> None:
        from core.audit import snapshot

        stash = request.__dict__.setdefault("_audit_before", {})
        if _key(obj) not in stash:
            fresh = type(obj)._base_manager.filter(pk=obj.pk).first()
            if fresh is not None:
                stash[_key(obj)] = snapshot(fresh)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            self._remember_before(request, obj)
        return obj

    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            self._remember_before(request, obj)
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        from core.audit import AdminAudit, record, snapshot

        entry = super().log_addition(request, obj, message)
        after = {name: value for name, value in snapshot(obj).items() if value not in (None, "", [])}
        record(
            request=request, action=AdminAudit.Action.ADD, obj=obj, before={}, after=after, message=message
        )
        return entry

    def log_change(self, request, obj, message):
        from core.audit import AdminAudit, diff, record, snapshot

        entry = super().log_change(request, obj, message)
        before = request.__dict__.get("_audit_before", {}).pop(_key(obj), None)
        after = snapshot(obj)
        if before is None:  # changed by a path that read nothing first: keep what it is now
            before_changed, after_changed = {}, after
        else:
            before_changed, after_changed = diff(before, after)
        record(
            request=request,
            action=AdminAudit.Action.CHANGE,
            obj=obj,
            before=before_changed,
            after=after_changed,
            message=message,
        )
        return entry

    def delete_model(self, request, obj):
        from core.audit import AdminAudit, record, snapshot

        before, pk = snapshot(obj), obj.pk
        super().delete_model(request, obj)
        record(request=request, action=AdminAudit.Action.DELETE, obj=obj, before=before, after={}, pk=pk)

    def delete_queryset(self, request, queryset):
        from core.audit import AdminAudit, record, snapshot

        doomed = [(obj, obj.pk, snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, pk, before in doomed:
            record(request=request, action=AdminAudit.Action.DELETE, obj=obj, before=before, after={}, pk=pk)


class AuditedAdminSite(admin.AdminSite):
    """The default admin site (titles are set in cityops/urls.py); every ModelAdmin on it is audited."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdmin):
            admin_class = type(
                admin_class.__name__,
                (AuditedModelAdmin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)


class AdminAuditAdmin(admin.ModelAdmin):
    """The audit trail in the admin: read only for those with the view permission (the admin role)."""

    list_display = ["at", "actor_username", "action", "model", "object_repr", "changed_fields"]
    list_filter = ["action", "model"]
    search_fields = ["actor_username", "object_repr", "object_pk", "model", "request_id"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor_username",
        "actor_pk",
        "action",
        "model",
        "object_pk",
        "object_repr",
        "values",
        "change_message",
        "ip_address",
        "request_id",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("变更字段"))
    def changed_fields(self, obj) -> str:
        return "、".join(sorted(set(obj.before) | set(obj.after)))

    @admin.display(description=_("字段值（修改前 → 修改后）"))
    def values(self, obj):
        names = sorted(set(obj.before) | set(obj.after))
        if not names:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            ((name, _show(obj.before.get(name)), _show(obj.after.get(name))) for name in names),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("字段"),
            _("修改前"),
            _("修改后"),
            rows,
        )

    @admin.display(description=_("变更说明"))
    def change_message(self, obj) -> str:
        from django.contrib.admin.models import LogEntry

        # LogEntry's own reader turns Django's JSON change message into words ("已修改 名称。").
        return LogEntry(change_message=obj.message).get_change_message() if obj.message else ""


def _show(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else str(value)


class AuditedAdminConfig(AdminConfig):
    """django.contrib.admin, with AuditedAdminSite as the default site and the audit trail registered."""

    default_site = "core.admin_site.AuditedAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin.py
        from core.audit import AdminAudit

        if not admin.site.is_registered(AdminAudit):
            admin.site.register(AdminAudit, AdminAuditAdmin)
