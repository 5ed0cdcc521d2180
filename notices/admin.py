from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from notices import outbox
from notices.models import Channel, Delivery, Notice, SmsProvider


class SmsProviderForm(forms.ModelForm):
    """The secret key is written, never shown back: the field starts empty, and left empty it keeps the
    stored one."""

    secret_key = forms.CharField(
        label=_("SecretKey（访问密钥）"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("出于安全不回显；留空则保持原密钥不变"),
    )

    class Meta:
        model = SmsProvider
        fields = [
            "kind",
            "is_active",
            "secret_id",
            "secret_key",
            "region",
            "sdk_app_id",
            "sign_name",
            "template_id",
            "param_max_length",
        ]

    def clean_secret_key(self):
        return self.cleaned_data["secret_key"] or (self.instance.secret_key if self.instance.pk else "")


@admin.register(SmsProvider)
class SmsProviderAdmin(admin.ModelAdmin):
    form = SmsProviderForm
    list_display = ("kind", "sign_name", "sdk_app_id", "template_id", "region", "has_key", "is_active")
    fieldsets = (
        (None, {"fields": ("kind", "is_active")}),
        (_("访问密钥"), {"fields": ("secret_id", "secret_key", "region")}),
        (_("短信"), {"fields": ("sdk_app_id", "sign_name", "template_id", "param_max_length")}),
    )

    @admin.display(boolean=True, description=_("已设置密钥"))
    def has_key(self, obj) -> bool:
        return bool(obj.secret_key)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "department",
        "user",
        "is_active",
        "escalation",
        "digest",
        "quiet_from",
        "quiet_to",
    )
    list_filter = ("kind", "is_active", "escalation", "digest")
    search_fields = ("name", "department__name", "user__username", "address")
    autocomplete_fields = ("user",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "department", "user", "is_active")}),
        (_("发送"), {"fields": ("webhook_url", "secret", "address", "per_minute")}),
        (_("时间与用途"), {"fields": ("quiet_from", "quiet_to", "escalation", "digest")}),
    )


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "state", "attempts", "next_attempt_at", "sent_at", "batch", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "user", "department", "created_at", "level", "escalate_at")
    list_filter = ("kind", "level")
    search_fields = ("title", "case__number")
    readonly_fields = [f.name for f in Notice._meta.fields] + ["inbox"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("notice", "channel", "state", "attempts", "next_attempt_at", "sent_at", "batch")
    list_filter = ("state", "channel__kind")
    search_fields = ("notice__title", "channel__name")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新发送失败的投递"), permissions=["change"])
    def retry(self, request, queryset):
        n = outbox.retry(queryset)
        self.message_user(request, _("已重新排队 %(n)s 条") % {"n": n}, messages.SUCCESS)
