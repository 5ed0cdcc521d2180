"""Channels as data (docs/domain.md §2): where a case comes from, with its trust level, key and figures.

`Case.source` holds a `Channel.code`. The codes of `cases.models.Source` are the seeded channels (a data
migration, and `ensure_seed_channels` after every migrate, so a flushed test database has them too);
an admin adds 400热线, 政民零距离 … as rows, and every reader — the report services' validation, the
核实 rule, the KPI breakdowns, filters, exports — reads the rows, never a list in code.

Reads go through `registry()`: the active and inactive rows, kept in this process for CACHE_SECONDS and
dropped at once when a row is saved or deleted here (another process sees a change within that time).
"""

import time
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# How long a process keeps the channel table: an admin's change reaches every worker within this.
CACHE_SECONDS = 30

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,19}$"


class Channel(models.Model):
    """A channel a case comes in through (监督员上报, 12345, 政民零距离 …)."""

    code = models.CharField(
        _("编码"),
        max_length=20,
        unique=True,
        help_text=_("小写字母开头，字母、数字或下划线，2–20 位；保存后不宜修改（案件以此记录来源）"),
    )
    name = models.CharField(_("名称"), max_length=50)
    needs_verification = models.BooleanField(
        _("须核实"),
        default=True,
        help_text=_("是：案件须先派监督员核实再受理；否：可信来源（如监督员、视频），可直接受理"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    hotline_number = models.CharField(
        _("热线号码"),
        max_length=10,
        blank=True,
        help_text=_("热线渠道填写（如 12345、400）：热线工单以此号码接入，案件须有工单号"),
    )
    api_client = models.ForeignKey(
        "cases.ApiClient",
        verbose_name=_("接口客户端"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="channels",
        help_text=_("经此客户端（API 密钥）上报的案件记为本渠道"),
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("来源渠道")
        verbose_name_plural = _("来源渠道")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["hotline_number"], condition=~Q(hotline_number=""), name="channel_hotline_number_once"
            ),
            models.CheckConstraint(condition=Q(code__regex=CODE_PATTERN), name="channel_code_format"),
        ]

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class ChannelInfo:
    code: str
    name: str
    needs_verification: bool
    is_active: bool
    hotline_number: str
    api_client_id: int | None

    @property
    def is_hotline(self) -> bool:
        return bool(self.hotline_number)


# The seeded channels: today's codes (cases.models.Source), plus the ones #22 asked for. Kept in step
# with migration 0014's frozen copy; `ensure_seed_channels` adds any that are missing, never changes one.
SEED = (
    # code, name, needs_verification, hotline_number, sort_order
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


def ensure_seed_channels(using: str = "default", **kwargs) -> None:
    """post_migrate: the seeded rows exist (a flushed test database loses the migration's rows)."""
    from django.db import connections

    if Channel._meta.db_table not in connections[using].introspection.table_names():
        return
    Channel.objects.using(using).bulk_create(
        [
            Channel(code=code, name=name, needs_verification=verify, hotline_number=number, sort_order=order)
            for code, name, verify, number, order in SEED
        ],
        ignore_conflicts=True,
    )
    clear_cache()


# ---------------------------------------------------------------- the cached table

_cache: dict = {"at": 0.0, "rows": None}


def clear_cache(**kwargs) -> None:
    _cache["rows"] = None


def registry() -> dict[str, ChannelInfo]:
    """Every channel by code, in display order (inactive ones too: old cases keep their label)."""
    rows = _cache["rows"]
    if rows is None or time.monotonic() - _cache["at"] > CACHE_SECONDS:
        rows = {
            c.code: ChannelInfo(
                c.code, c.name, c.needs_verification, c.is_active, c.hotline_number, c.api_client_id
            )
            for c in Channel.objects.order_by("sort_order", "code")
        }
        _cache["rows"], _cache["at"] = rows, time.monotonic()
    return rows


def get(code: str) -> ChannelInfo | None:
    return registry().get(code)


def active(code: str) -> ChannelInfo | None:
    """The active channel of this code, or None (unknown or switched off)."""
    found = registry().get(code)
    return found if found is not None and found.is_active else None


def label(code: str) -> str:
    """The channel's name for a code; an unknown code (a deleted row) shows as itself."""
    found = registry().get(code)
    return found.name if found else code


def labels() -> dict[str, str]:
    return {code: info.name for code, info in registry().items()}


def choices(*, include_inactive: bool = True) -> list[tuple[str, str]]:
    """(code, name) for forms and filters, in display order."""
    return [(c.code, c.name) for c in registry().values() if include_inactive or c.is_active]


def needs_verification(code: str) -> bool:
    """Must a case from this channel be 核实 before 受理? Unknown codes: yes (the safe side)."""
    found = registry().get(code)
    return True if found is None else found.needs_verification


def trusted_codes() -> frozenset[str]:
    return frozenset(code for code, info in registry().items() if not info.needs_verification)


def untrusted_codes() -> tuple[str, ...]:
    """Channels whose cases someone outside the patrol found (漏报, docs/domain.md §7)."""
    return tuple(code for code, info in registry().items() if info.needs_verification)


def hotline_codes() -> tuple[str, ...]:
    return tuple(code for code, info in registry().items() if info.is_hotline)


def hotline_number(code: str) -> str:
    found = registry().get(code)
    return found.hotline_number if found else ""


def for_hotline_number(number: str, *, only_active: bool = True) -> ChannelInfo | None:
    """The channel a hotline's tickets come in as (12345 → hotline_12345)."""
    for info in registry().values():
        if info.hotline_number == number and (info.is_active or not only_active):
            return info
    return None


def for_api_client(client_id: int) -> ChannelInfo | None:
    for info in registry().values():
        if info.api_client_id == client_id and info.is_active:
            return info
    return None


def unknown_channel_message(code: str) -> str:
    from django.utils.translation import gettext

    known = "、".join(f"{c.code}（{c.name}）" for c in registry().values() if c.is_active)
    return gettext("来源渠道「%(code)s」不存在或已停用；可用的渠道：%(known)s") % {
        "code": code,
        "known": known,
    }
