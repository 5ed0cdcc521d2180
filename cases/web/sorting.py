"""Sortable lists (issue #5 point 9): a whitelist of sort keys → the order, and the column headers.

A list declares its sort keys, each the columns to order by (the last ones break ties), and a default
key ("-key" for descending). The `sort` parameter picks one; anything else falls back to the default,
never a 500. A header links to the same list with the filters kept, the page dropped and the direction
flipped, and says its state in aria-sort (app.css draws ▲/▼ on th[aria-sort] a).
"""

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.http import QueryDict

NULLS_LAST = frozenset({"due_at"})  # a case without a running step (closed, rejected) sorts last


@dataclass
class Column:
    key: str  # "" for a header that does not sort
    label: str
    aria_sort: str = ""
    query: str = ""
    path: str = ""  # the list's own address ("" = the current one): a re-rendered POST links back to it

    @property
    def href(self) -> str:
        return f"{self.path}?{self.query}"


def chosen_sort(params: QueryDict, sorts: dict, default: str) -> str:
    """The `sort` parameter when it is one of `sorts` (optionally "-" for descending), else `default`."""
    value = params.get("sort") or default
    return value if value.lstrip("-") in sorts else default


def order(qs: QuerySet, sorts: dict, sort: str, *, nulls_last=NULLS_LAST) -> QuerySet:
    """`qs` ordered by the columns of `sort`, each in its direction."""
    desc = sort.startswith("-")
    by = []
    for column in sorts[sort.lstrip("-")]:
        expr = F(column)
        if column in nulls_last:
            by.append(expr.desc(nulls_last=True) if desc else expr.asc(nulls_last=True))
        else:
            by.append(expr.desc() if desc else expr.asc())
    return qs.order_by(*by)


def columns(params: QueryDict, headers, sort: str, *, path: str = "") -> list[Column]:
    """Headers [(sort key or "", label)…] with aria-sort and a link that keeps the filters and flips
    the direction of the current sort (a new column starts ascending)."""
    out = []
    for key, label in headers:
        if not key:
            out.append(Column(key, label))
            continue
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
        query = params.copy()
        query.pop("page", None)
        query["sort"] = f"-{key}" if sort == key else key
        out.append(Column(key, label, state, query.urlencode(), path))
    return out


class Sorting:
    """One list's sorting for one request: `.sort` (validated), `.order(qs)`, `.columns`."""

    def __init__(self, params: QueryDict, sorts: dict, default: str, headers, *, path: str = ""):
        self.sorts = sorts
        self.sort = chosen_sort(params, sorts, default)
        self.columns = columns(params, headers, self.sort, path=path)

    def order(self, qs: QuerySet) -> QuerySet:
        return order(qs, self.sorts, self.sort)
