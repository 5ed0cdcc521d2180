"""The web pages (Django templates + htmx) for the people of docs/domain.md §1.

Views stay thin: they read through `cases.selectors`, filter with `cases.filters.CaseFilterSet` (the same
FilterSet as the API) and change cases only through `cases.services`. One module per area of work.
"""
