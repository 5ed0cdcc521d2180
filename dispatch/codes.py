"""Codes that belong to who-fixes-what: component codes and the 统一社会信用代码."""

import re

COMPONENT_CODE_LEN = 17  # 6 district + 5 category (GB/T 47678.5) + 6 sequence
LEGACY_COMPONENT_CODE_LEN = 16  # 6 district + 2 major + 2 minor + 6 sequence (CJ/T 214 / GB/T 30428.2)

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def component_code_errors(
    code: str, district_code: str | None = None, category_code: str | None = None
) -> list[str]:
    """Problems with a 部件 code. A 17-digit code embeds its 5-digit category; a legacy 16-digit one a 4-digit one."""
    if not code or not re.fullmatch(r"\d+", code):
        return [f"部件编码 {code!r} 只能包含数字"]
    if len(code) not in (COMPONENT_CODE_LEN, LEGACY_COMPONENT_CODE_LEN):
        return [f"部件编码 {code} 应为 17 位（旧标准 16 位），实为 {len(code)} 位"]
    errors = []
    if district_code and not code.startswith(district_code):
        errors.append(f"部件编码 {code} 的前 6 位应为区编码 {district_code}")
    embedded = code[6:11] if len(code) == COMPONENT_CODE_LEN else code[6:10]
    if category_code and embedded != category_code:
        errors.append(f"部件编码 {code} 中的类别 {embedded} 与部件类型 {category_code} 不符")
    if set(code[-6:]) == {"0"}:
        errors.append(f"部件编码 {code} 的序号不能为全 0")
    return errors


def is_legacy_component_code(code: str) -> bool:
    return len(code) == LEGACY_COMPONENT_CODE_LEN


def credit_code_errors(code: str) -> list[str]:
    """GB 32100-2015 统一社会信用代码: 18 characters with a mod-31 check character."""
    if len(code) != 18:
        return [f"统一社会信用代码 {code} 应为 18 位"]
    if any(ch not in _CREDIT_CHARS for ch in code):
        return [f"统一社会信用代码 {code} 含非法字符（不使用 I、O、Z、S、V）"]
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    if _CREDIT_CHARS[check] != code[17]:
        return [f"统一社会信用代码 {code} 校验位错误"]
    return []


def credit_code_with_check(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return first17 + _CREDIT_CHARS[(31 - total % 31) % 31]
