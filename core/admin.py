from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.models import User
from core.roles import Role

ROLE_CHOICES = {role.value: role.label for role in Role}


def role_label(group: Group) -> str:
    """A role group as people read it: 监督员 (inspector); other groups by their name."""
    label = ROLE_CHOICES.get(group.name)
    return f"{label} ({group.name})" if label else group.name


class RolesFormMixin:
    """Hands the roles chosen in the form to the user before model validation.

    User.clean() checks "专业部门 needs a department", but the groups are only stored by save_m2m(),
    after validation; without this it would judge the roles the user had before the edit.
    """

    def clean(self) -> dict:
        cleaned = super().clean()
        groups = cleaned.get("groups")
        if groups is not None:
            self.instance.assume_roles(group.name for group in groups)
        return cleaned


class UserChangeWithRolesForm(RolesFormMixin, UserChangeForm):
    pass


class UserCreationWithRolesForm(RolesFormMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeWithRolesForm
    add_form = UserCreationWithRolesForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("角色与部门"), {"fields": ("groups", "department", "district", "street")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (
            _("角色与部门"),
            {"classes": ("wide",), "fields": ("groups", "department", "district", "street", "phone")},
        ),
    )
    # Shown, not edited: the zh-hans time widget holds only hours and minutes, so every save of a user
    # moved these back to the minute (the admin audit trail showed it).
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "full_name", "role_list", "department", "district", "phone", "is_active")
    list_filter = ("groups", "district", "department__kind", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "phone", "department__name")
    autocomplete_fields = ("department", "street")
    list_select_related = ("department", "district")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def formfield_for_manytomany(self, db_field, request: HttpRequest | None = None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and isinstance(field, forms.ModelMultipleChoiceField):
            field.label = _("角色")
            field.help_text = _("可多选。专业部门角色须同时指定所属部门。")
            field.label_from_instance = role_label
        return field

    @admin.display(description=_("姓名"))
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=_("角色"))
    def role_list(self, obj: User) -> str:
        # From the prefetched groups, not obj.roles, which would query once per row.
        return "、".join(
            str(ROLE_CHOICES.get(g.name, g.name)) for g in sorted(obj.groups.all(), key=lambda g: g.name)
        )
