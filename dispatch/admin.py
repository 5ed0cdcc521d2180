from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dispatch.models import (
    CalendarDay,
    Category,
    CategoryMapping,
    Component,
    Department,
    RoutingRule,
    TimeLimitRule,
    WorkingWindow,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "parent",
        "street",
        "is_street_default",
        "contact_phone",
        "is_active",
    )
    list_filter = ("kind", "street", "is_street_default", "is_active")
    search_fields = ("name", "code", "credit_code")
    autocomplete_fields = ("parent",)
    # Street admin belongs to grids/; a raw id keeps this page independent of how it is set up.
    raw_id_fields = ("street",)
    list_select_related = ("parent", "street")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "parent", "is_active")}),
        (_("属地"), {"fields": ("street", "is_street_default")}),
        (_("联系与登记"), {"fields": ("credit_code", "contact_phone")}),
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "major_name", "standard", "is_local", "is_active")
    list_filter = ("kind", "standard", "major_name", "is_local", "is_active")
    search_fields = ("name", "code", "keywords", "major_name")
    list_editable = ("is_active",)
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("standard", "kind", "code", "name")}),
        (_("大类"), {"fields": ("major_code", "major_name")}),
        (_("搜索与启用"), {"fields": ("keywords", "is_local", "is_active")}),
    )


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "grid", "status", "owner", "maintainer")
    list_filter = ("status", "category__major_name")
    search_fields = ("code", "name", "address")
    autocomplete_fields = ("category", "regulator", "owner", "maintainer")
    # Grid admin belongs to grids/: a raw id works whether or not it offers autocomplete.
    raw_id_fields = ("grid",)
    list_select_related = ("category", "grid", "owner", "maintainer")
    fieldsets = (
        (None, {"fields": ("code", "category", "name", "status")}),
        (_("位置"), {"fields": ("grid", "lng", "lat", "address")}),
        (_("责任单位"), {"fields": ("regulator", "owner", "maintainer")}),
    )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """The ordered 事项 routing table: the first active match wins; otherwise 先属地."""

    list_display = ["__str__", "order", "category", "kind", "major_code", "street", "department", "is_active"]
    list_display_links = ["__str__"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "kind", "major_code", "street"]
    search_fields = ["category__name", "category__code", "department__name", "note"]
    autocomplete_fields = ["category", "department"]
    raw_id_fields = ["street", "community"]
    list_select_related = ["category", "street", "community", "department"]


WEEKDAYS = "一二三四五六日"


def _next_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year + 1


class EnterYearForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    notice = forms.CharField(
        label=_("国务院办公厅通知全文"),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text=_(
            "粘贴“关于××年部分节假日安排的通知”全文，形如“一、元旦：1月1日至3日放假调休，共3天。……上班。”"
        ),
    )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Exceptions to Monday–Friday: seeded from the State Council arrangement, plus local holidays."""

    list_display = ["date", "weekday", "is_working", "name", "source", "updated_at"]
    list_filter = ["is_working", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source", "updated_at"]
    list_per_page = 100

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return f"周{WEEKDAYS[obj.date.weekday()]}"

    change_list_template = "admin/dispatch/calendarday/change_list.html"

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "enter-year/",
                self.admin_site.admin_view(self.enter_year_view),
                name="dispatch_calendarday_enter_year",
            ),
            *super().get_urls(),
        ]

    def enter_year_view(self, request):
        """录入年度节假日: paste the State Council's notice, preview what it parses into, then save."""
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse
        from django.utils import timezone

        from dispatch.calendar import calendar_warning, enter_year, known_until
        from dispatch.holiday_notice import NoticeError, parse_notice

        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = EnterYearForm(request.POST or None, initial={"year": _next_year()})
        parsed = error = None
        if request.method == "POST" and form.is_valid():
            year, text = form.cleaned_data["year"], form.cleaned_data["notice"]
            try:
                parsed = parse_notice(text, year)
            except NoticeError as exc:
                error = str(exc)
            if parsed and "save" in request.POST:
                # The text is parsed again, not taken from the page: what is saved is what was previewed.
                entry = enter_year(year, parsed.exceptions(), actor=request.user)
                messages.success(
                    request,
                    _(
                        "%(year)d 年节假日安排已录入：新增 %(created)d，更新 %(updated)d，删除 %(deleted)d；"
                        "运行中的期限已按新日历重算。"
                    )
                    % {
                        "year": year,
                        "created": entry.created,
                        "updated": entry.updated,
                        "deleted": entry.deleted,
                    },
                )
                if entry.kept_admin:
                    messages.warning(
                        request,
                        _("以下日期由管理员手工设置，未被覆盖：%(days)s")
                        % {"days": "、".join(d.isoformat() for d in entry.kept_admin)},
                    )
                return redirect("admin:dispatch_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("录入年度节假日安排"),
            "form": form,
            "parsed": parsed,
            "error": error,
            "rows": [
                {"day": d, "weekday": f"周{WEEKDAYS[d.date.weekday()]}"}
                for d in (parsed.exceptions() if parsed else [])
            ],
            "known_until": known_until(),
            "warning": calendar_warning(timezone.localdate()),
        }
        return TemplateResponse(request, "admin/dispatch/calendarday/enter_year.html", context)

    def save_model(self, request, obj: CalendarDay, form, change) -> None:
        # A row an admin touched is theirs: re-running seed_calendar must not undo a local decision.
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)


@admin.register(WorkingWindow)
class WorkingWindowAdmin(admin.ModelAdmin):
    """The daily working windows; working-hour limits count only the minutes inside them."""

    list_display = ["__str__", "start", "end", "minutes", "updated_at"]
    ordering = ["start"]

    @admin.display(description=_("分钟数"))
    def minutes(self, obj: WorkingWindow) -> int:
        return (obj.end.hour * 60 + obj.end.minute) - (obj.start.hour * 60 + obj.start.minute)


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(admin.ModelAdmin):
    """Per-step limits; the most specific active rule wins (dispatch.time_limits.resolve_limit)."""

    list_display = [
        "description",
        "step",
        "category",
        "kind",
        "major_code",
        "street",
        "urgency",
        "variant",
        "amount",
        "unit",
        "is_active",
    ]
    list_filter = ["step", "unit", "urgency", "variant", "is_active", "street"]
    search_fields = ["category__name", "category__code", "major_code", "note"]
    autocomplete_fields = ["category"]
    raw_id_fields = ["street"]
    list_select_related = ["category", "street"]
    fieldsets = (
        (None, {"fields": ("step", "amount", "unit", "is_active")}),
        (
            _("适用范围（留空为该环节默认）"),
            {"fields": ("category", "kind", "major_code", "street", "urgency", "variant")},
        ),
        (_("说明"), {"fields": ("note",)}),
    )

    @admin.display(description=_("规则"))
    def description(self, obj: TimeLimitRule) -> str:
        return obj.describe()


@admin.register(CategoryMapping)
class CategoryMappingAdmin(admin.ModelAdmin):
    """A hotline's category hint → our category (cases/intake/classify.py), per channel or for all."""

    list_display = ("hint", "channel", "category")
    list_filter = ("channel",)
    search_fields = ("hint", "category__code", "category__name")
    autocomplete_fields = ("category",)
    list_select_related = ("category",)
