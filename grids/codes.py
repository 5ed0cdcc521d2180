"""Area and grid codes (docs/domain.md §4). Codes are strings: leading zeros matter and they are never renumbered.

Unit grid: 15 digits = 6 district (GB/T 2260) + 3 street + 3 community + 3 sequence.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DISTRICT_LEN, STREET_LEN, COMMUNITY_LEN, GRID_LEN = 6, 9, 12, 15

_LENGTHS = {"district": DISTRICT_LEN, "street": STREET_LEN, "community": COMMUNITY_LEN, "grid": GRID_LEN}
_LABELS = {"district": "区", "street": "街道", "community": "社区", "grid": "单元网格"}
_DIGITS = re.compile(r"^\d+$")


def code_errors(level: str, code: str, parent_code: str | None = None) -> list[str]:
    """Every problem with `code` as a code of `level`, checked against its parent's code when given."""
    expected = _LENGTHS[level]
    label = _LABELS[level]
    if not isinstance(code, str) or not code:
        return [_("%(label)s编码不能为空") % {"label": label}]
    errors = []
    if not _DIGITS.match(code):
        errors.append(_("%(label)s编码 %(code)s 只能包含数字") % {"label": label, "code": code})
    if len(code) != expected:
        errors.append(
            _("%(label)s编码 %(code)s 应为 %(n)d 位，实为 %(m)d 位")
            % {"label": label, "code": code, "n": expected, "m": len(code)}
        )
    if errors:
        return errors
    if level == "district" and code[2:] == "0000":
        errors.append(_("区编码 %(code)s 是省级编码，不是区县编码") % {"code": code})
    if level != "district":
        own_part = code[{"street": 6, "community": 9, "grid": 12}[level] :]
        if set(own_part) == {"0"}:
            errors.append(_("%(label)s编码 %(code)s 的本级序号不能为全 0") % {"label": label, "code": code})
    if parent_code is not None and not code.startswith(parent_code):
        errors.append(
            _("%(label)s编码 %(code)s 不在上级编码 %(parent)s 之下")
            % {"label": label, "code": code, "parent": parent_code}
        )
    return errors


def validate_code(level: str, code: str, parent_code: str | None = None) -> None:
    errors = code_errors(level, code, parent_code)
    if errors:
        raise ValidationError(errors)


def parent_code(level: str, code: str) -> str:
    return code[: {"street": DISTRICT_LEN, "community": STREET_LEN, "grid": COMMUNITY_LEN}[level]]
