"""Small template helpers shared by the pages."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one): pagers and sort links
    keep the filters that are set."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context, field: str) -> str:
    """Query string that sorts by `field`, flipping the direction when it is already the sort."""
    current = context["request"].GET.get("sort", "")
    value = f"-{field}" if current == field else field
    return query_replace(context, sort=value, page=None)


@register.filter
def sort_state(request, field: str) -> str:
    """aria-sort value for a column header."""
    current = request.GET.get("sort", "")
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"


@register.filter
def light_label(light: str) -> str:
    return {"green": _("绿灯"), "yellow": _("黄灯"), "red": _("红灯")}.get(light or "", "")
