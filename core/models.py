from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.roles import Role

ROLE_CODES = frozenset(r.value for r in Role)


class User(AbstractUser):
    """A CityOps user. Roles are groups; department staff are bound to one department (docs/domain.md §1)."""

    department = models.ForeignKey(
        "dispatch.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Several districts in one deployment (docs/domain.md §13): a district-wide role held by a user with
    # a district sees and acts on that district's cases only. Blank = the whole deployment (one district).
    district = models.ForeignKey(
        "grids.District",
        verbose_name=_("所属区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("多区部署时，区级岗位只看本区案件；留空 = 不限区（单区部署）"),
    )
    # The street a street sub-centre's staff work for (街道指挥/街道领导, docs/domain.md §13).
    street = models.ForeignKey(
        "grids.Street",
        verbose_name=_("所属街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta:
        # The table keeps the name it had before the kernel app existed (core/adoption.py), so databases
        # and backups from before the split load as they are.
        db_table = "cityops_user"
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def roles(self) -> set[str]:
        # Cached per instance: role checks run on every action and page. An unsaved user has no groups.
        if not hasattr(self, "_roles_cache"):
            if self.pk is None:
                return set()
            self._roles_cache = set(self.groups.values_list("name", flat=True)) & ROLE_CODES
        return self._roles_cache

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def assume_roles(self, roles: Iterable[str]) -> None:
        """The roles this user is about to hold, so clean() checks the result rather than the past.

        A form knows the new groups before save_m2m() stores them; it calls this before model validation.
        """
        self._roles_cache = set(roles) & ROLE_CODES

    def forget_roles(self) -> None:
        """Drop the cached roles after the groups changed (user.groups.add/remove does not reset it)."""
        self.__dict__.pop("_roles_cache", None)

    def clean(self) -> None:
        super().clean()
        if Role.DEPARTMENT in self.roles and self.department_id is None:
            raise ValidationError({"department": _("专业部门角色的用户必须指定所属部门")})
        if self.roles & {Role.STREET_DISPATCHER, Role.STREET_LEADER} and self.street_id is None:
            raise ValidationError({"street": _("街道指挥和街道领导必须指定所属街道")})


# The admin's audit trail lives in its own module; imported here so the app registry knows the model.
from core.audit import AdminAudit  # noqa: E402,F401
