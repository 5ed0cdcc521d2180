"""The API's JSON parser: DRF's, with the refusals every JSON body needs before any view reads it.

- Nesting deeper than MAX_DEPTH: no request of ours nests more than three levels, and the decoder's
  own recursion limit (about 1,000 levels, under 2 KB of brackets) raised RecursionError, a 500, on
  every JSON endpoint including the anonymous token endpoint.
- Lone surrogates ("\\ud800"): valid JSON escapes but not text; PostgreSQL cannot store them (the
  hotline keeps its whole body as jsonb), so a body holding one anywhere is refused as a whole.
- NaN and Infinity are refused by DRF's strict parser already (STRICT_JSON).

Each answers 400 with a `detail` naming the problem (ParseError).
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON 解析错误：嵌套层数超过 %(depth)s 层") % {"depth": MAX_DEPTH}) from None
        check(data)
        return data


def check(data) -> None:
    """Walk the parsed body without recursion: depth and lone surrogates, keys included."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                raise ParseError(_("JSON 解析错误：文本含有无效的 Unicode 字符（孤立代理项）"))
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise ParseError(_("JSON 解析错误：嵌套层数超过 %(depth)s 层") % {"depth": MAX_DEPTH})
        items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
        for key, item in items:
            if key is not None and _has_surrogate(key):
                raise ParseError(_("JSON 解析错误：文本含有无效的 Unicode 字符（孤立代理项）"))
            stack.append((item, depth + 1))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
