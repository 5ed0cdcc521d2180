from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.roles import Role


class User(AbstractUser):
    """A CityOps user. Roles are groups; department staff are bound to one department (DOMAIN §1)."""

    department = models.ForeignKey(
        "dispatch.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def roles(self) -> set[str]:
        # Cached per instance: role checks run on every action and page.
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = set(self.groups.values_list("name", flat=True)) & {r.value for r in Role}
        return self._roles_cache

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))
