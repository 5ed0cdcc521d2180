"""Sections of figure cards that apps add to the KPI dashboard (docs/architecture.md), as the report
sections are added through `kpi.reports.EXTRA_SECTIONS`.

An app registers a `DashboardSection` in its `AppConfig.ready()`. `cards(user, period, filters)` returns
None when the user may not see it or it has nothing to show, else a list of `Card`s; each card links to
the rows behind its figure. Sections show after the case figures, in registration order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    text: str
    url: str


@dataclass(frozen=True)
class DashboardSection:
    key: str
    title: Callable[[], str]  # gettext at render time, in the user's language
    cards: Callable[..., list[Card] | None]  # (user, period: tuple[date, date], filters: dict)
    link: Callable[[], tuple[str, str]] | None = None  # (url, label) of the app's own figures page
    note: Callable[[], str] | None = None


DASHBOARD_SECTIONS: list[DashboardSection] = []


def register_dashboard_section(section: DashboardSection) -> None:
    """Idempotent by key: a reload of the app registry never shows a section twice."""
    if all(existing.key != section.key for existing in DASHBOARD_SECTIONS):
        DASHBOARD_SECTIONS.append(section)


def sections_for(user, period: tuple[date, date], filters: dict) -> list[dict]:
    shown = []
    for section in DASHBOARD_SECTIONS:
        cards = section.cards(user, period, filters)
        if cards is None:
            continue
        url, label = section.link() if section.link else ("", "")
        shown.append(
            {
                "key": section.key,
                "title": section.title(),
                "note": section.note() if section.note else "",
                "link_url": url,
                "link_label": label,
                "cards": cards,
            }
        )
    return shown


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
