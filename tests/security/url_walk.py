"""Every URL pattern of the site, made into a concrete URL that resolves back to it.

    for route in site_routes():
        url = route.url(values)      # None when `values` has nothing for one of its parameters

`values` maps a parameter name (pk, key, fmt, code, object_id …) to the value to put there, or to a
callable taking the route (so `pk` can mean a case on one page and a notification on another). The
URL is checked with resolve(): a URL that lands on another pattern than the one it was made for is
not returned, so a walk never believes it covered a view it did not reach.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Route:
    patterns: tuple  # the chain of pattern objects, outermost first
    pattern: URLPattern
    namespace: str

    @property
    def callback(self):
        return self.pattern.callback

    @property
    def name(self) -> str | None:
        if not self.pattern.name:
            return None
        return f"{self.namespace}:{self.pattern.name}" if self.namespace else self.pattern.name

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def dotted(self) -> str:
        target = self.view_class or self.callback
        return f"{target.__module__}.{target.__qualname__}"

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.patterns)

    def url(self, values: dict, *, check: bool = True) -> str | None:
        parts = []
        for pattern in self.patterns:
            part = _fill(pattern, values, self)
            if part is None:
                return None
            parts.append(part)
        url = "/" + "".join(parts)
        if not check:
            return url
        try:
            match = resolve(url.split("?")[0])
        except Resolver404:
            return None
        return url if match.func is self.callback else None


def _value(name: str, values: dict, route: Route):
    value = values.get(name)
    return value(route) if callable(value) else value


def _fill(pattern, values: dict, route: Route) -> str | None:
    if isinstance(pattern, RoutePattern):
        text = str(pattern._route)
        missing = []

        def route_sub(match):
            value = _value(match.group("name"), values, route)
            if value is None:
                missing.append(match.group("name"))
                return ""
            return str(value)

        filled = _ROUTE_PARAM.sub(route_sub, text)
        return None if missing else filled
    if isinstance(pattern, RegexPattern):
        text = str(pattern._regex).lstrip("^").rstrip("$")
        missing = []

        def regex_sub(match):
            value = _value(match.group("name"), values, route)
            if value is None:
                missing.append(match.group("name"))
                return ""
            return str(value)

        filled = _REGEX_GROUP.sub(regex_sub, text)
        if missing:
            return None
        # What is left of the regex is literal text, an optional slash, or escapes.
        return filled.replace("/?", "/").replace("\\.", ".").replace("\\", "")
    raise TypeError(f"unknown pattern type {type(pattern)!r}")


def site_routes() -> list[Route]:
    """Every URLPattern reachable from the root URLconf, with the chain of patterns that leads to it."""
    out: list[Route] = []

    def walk(resolver, chain: tuple, namespace: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, (*chain, entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                out.append(Route(patterns=(*chain, entry.pattern), pattern=entry, namespace=namespace))

    walk(get_resolver(), (), "")
    return out


def is_drf(route: Route) -> bool:
    from rest_framework.views import APIView

    cls = route.view_class
    return isinstance(cls, type) and issubclass(cls, APIView)
