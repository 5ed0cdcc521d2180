"""Integration admin (issue #22.5): channels, API keys, the hotline inbox and outbox (the category
mapping's admin is dispatch's, the gazetteer's grids').

Every change is audited (core/audit.py): the admin site records its add, change and delete views by
itself; the actions here (issue, rotate and revoke a key, rotate a webhook secret, retry, resend) change
rows outside those views, so each writes its own AdminAudit row with the values before and after.

A key or secret is shown once, in the page that answers the action — never in a message (kept in the
session or a cookie until read), never stored in clear (cases/apikeys.py).
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import apikeys
from cases.channels import Channel
from cases.intake import hotline, outbox
from cases.models import ApiClient, HotlineOutbox, HotlineTicket
from core.audit import AdminAudit, diff, record, snapshot
from core.privacy import can_see_caller
from core.roles import Role


def audited(request, obj, before: dict, message: str) -> None:
    obj.refresh_from_db()
    was, now = diff(before, snapshot(obj))
    record(request=request, action=AdminAudit.Action.CHANGE, obj=obj, before=was, after=now, message=message)


def _is_admin(request) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or Role.ADMIN in user.roles))


# ---------------------------------------------------------------- channels


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "needs_verification",
        "hotline_number",
        "api_client",
        "is_active",
        "sort_order",
    )
    list_editable = ("sort_order",)
    list_filter = ("is_active", "needs_verification")
    search_fields = ("code", "name", "hotline_number")
    list_select_related = ("api_client",)
    autocomplete_fields = ("api_client",)

    def get_readonly_fields(self, request, obj=None):
        # Cases record the code: once saved it stays (switch a channel off instead of renaming it).
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # cases keep the code; a channel is switched off, never deleted


# ---------------------------------------------------------------- API clients and their keys


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "channel",
        "key_prefix",
        "key_issued_at",
        "webhook_url",
        "is_active",
        "revoked_at",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name", "channel", "key_prefix")
    fields = (
        "name",
        "kind",
        "channel",
        "webhook_url",
        "is_active",
        "key_prefix",
        "key_issued_at",
        "webhook_secret_fingerprint",
        "revoked_at",
    )
    readonly_fields = ("key_prefix", "key_issued_at", "webhook_secret_fingerprint", "revoked_at")
    actions = ["rotate_keys", "rotate_webhook_secrets", "revoke_keys"]

    # Credentials: the admin role (and superusers) only, though other centre roles read cases.*.
    def has_view_permission(self, request, obj=None):
        return _is_admin(request) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return _is_admin(request) and super().has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail and the outbox keep pointing at the client

    @admin.display(description=_("回推签名密钥"))
    def webhook_secret_fingerprint(self, obj) -> str:
        if obj.webhook_secret:
            return gettext("已设置 %(fp)s") % {"fp": apikeys.fingerprint(obj.webhook_secret)}
        return gettext("未设置（使用环境变量 HOTLINE_WEBHOOK_SECRET）")

    def save_model(self, request, obj, form, change):
        if not change:
            # A new client: its key and webhook secret are drawn here and shown once (response_add).
            key, secret = apikeys.new_key(), apikeys.new_webhook_secret()
            for name, value in apikeys.stored_fields(key).items():
                setattr(obj, name, value)
            obj.webhook_secret = secret
            request._issued = [(obj, key, secret)]
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._issued_page(request, request._issued, gettext("已创建接口客户端"))

    def _issued_page(self, request, issued, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "issued": [{"client": c, "key": k, "secret": s} for c, k, s in issued],
        }
        response = TemplateResponse(request, "admin/cases/apiclient/issued.html", context)
        response["Cache-Control"] = "no-store"  # the one page that shows the secret: never cached
        return response

    @admin.action(description=_("轮换 API 密钥（旧密钥立即失效）"), permissions=["change"])
    def rotate_keys(self, request, queryset):
        issued = []
        for client in queryset:
            before = snapshot(client)
            key = apikeys.rotate_key(client)
            audited(request, client, before, gettext("轮换 API 密钥"))
            issued.append((client, key, ""))
        return self._issued_page(request, issued, gettext("已轮换 API 密钥"))

    @admin.action(description=_("轮换回推签名密钥"), permissions=["change"])
    def rotate_webhook_secrets(self, request, queryset):
        issued = []
        for client in queryset:
            before = snapshot(client)
            secret = apikeys.rotate_webhook_secret(client)
            audited(request, client, before, gettext("轮换回推签名密钥"))
            issued.append((client, "", secret))
        return self._issued_page(request, issued, gettext("已轮换回推签名密钥"))

    @admin.action(description=_("吊销（停用）所选客户端"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        n = 0
        for client in queryset.filter(is_active=True):
            before = snapshot(client)
            apikeys.revoke(client)
            audited(request, client, before, gettext("吊销 API 密钥"))
            n += 1
        self.message_user(request, gettext("已吊销 %(n)s 个客户端") % {"n": n}, messages.SUCCESS)


# ---------------------------------------------------------------- the hotline inbox and outbox


class _RecordsAdmin(admin.ModelAdmin):
    """Written by intake and the services: read here, changed only by the audited actions."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(HotlineTicket)
class HotlineTicketAdmin(_RecordsAdmin):
    list_display = ("__str__", "state", "received_at", "attempts", "case", "created_at", "processed_at")
    list_filter = ("state", "channel")
    search_fields = ("ticket_no", "case__number")
    list_select_related = ("case",)
    date_hierarchy = "created_at"
    actions = ["retry"]

    def get_exclude(self, request, obj=None):
        # The caller only for the roles that call callers (core/privacy.py); raw carries them too.
        if can_see_caller(request.user):
            return super().get_exclude(request, obj)
        return ["caller_name", "caller_phone", "raw"]

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.get_exclude(request, obj) or ())
        return [name for name in super().get_readonly_fields(request, obj) if name not in hidden]

    @admin.action(description=_("重试处理失败的工单"), permissions=["change"])
    def retry(self, request, queryset):
        befores = {t.pk: snapshot(t) for t in queryset.filter(state=HotlineTicket.State.FAILED)}
        done = hotline.retry_failed(list(befores))
        for ticket in done:
            audited(request, ticket, befores[ticket.pk], gettext("重试热线工单（处理失败 → 已接收）"))
        self.message_user(request, gettext("已重新排队 %(n)s 条工单") % {"n": len(done)}, messages.SUCCESS)


@admin.register(HotlineOutbox)
class HotlineOutboxAdmin(_RecordsAdmin):
    list_display = ("ticket", "kind", "state", "attempts", "next_attempt_at", "sent_at", "created_at")
    list_filter = ("state", "kind", "ticket__channel")
    search_fields = ("ticket__ticket_no",)
    list_select_related = ("ticket",)
    date_hierarchy = "created_at"
    actions = ["retry", "resend"]

    @admin.action(description=_("重试推送失败的消息（立即）"), permissions=["change"])
    def retry(self, request, queryset):
        self._redo(
            request,
            queryset,
            HotlineOutbox.State.FAILED,
            outbox.retry,
            gettext("重试回推（推送失败 → 待推送）"),
        )

    @admin.action(description=_("重发已推送的消息（保留幂等键 event_id）"), permissions=["change"])
    def resend(self, request, queryset):
        self._redo(
            request, queryset, HotlineOutbox.State.SENT, outbox.resend, gettext("重发回推（已推送 → 待推送）")
        )

    def _redo(self, request, queryset, state, service, message):
        befores = {row.pk: snapshot(row) for row in queryset.filter(state=state)}
        done = service(list(befores))
        for row in done:
            audited(request, row, befores[row.pk], message)
        self.message_user(request, gettext("已排队 %(n)s 条消息") % {"n": len(done)}, messages.SUCCESS)
