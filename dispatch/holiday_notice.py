"""Reading the State Council's yearly holiday notice (国务院办公厅关于××年部分节假日安排的通知).

The notice lists one holiday per numbered section, in a form stable since 2008:

    一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月6日（农历腊月三十、周六）至14日（农历正月初八、周日）放假调休，共9天。…

Each section: the holiday's name before "：", then sentences. A sentence with 放假 gives a date or a range
(至) of days off; a sentence with 上班 (often 调休上班) gives the make-up working days, separated by "、".
A month may be left out when it is the previous date's month ("至3日"); a year may be written ("2026年
12月31日"); a December date in the 元旦 section of year Y belongs to Y−1. The parser does not guess: a
sentence it cannot read becomes a warning shown in the preview, and nothing is saved until an admin has
seen the preview (dispatch.admin, CalendarDayAdmin.enter_year_view).

Only exceptions to Monday–Friday are stored (docs/domain.md §6): weekday holidays and weekend working
days. Weekend days inside a holiday range are kept in `ParsedNotice.days_off` for the preview only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

_SECTION = re.compile(r"(?:^|\n|\s)([一二三四五六七八九十]+)、\s*([^：:\n]{1,12})[：:]")
# An optional year, an optional month, a day, and an optional bracket (（周四） / （农历…、周日）).
_DAY = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:[（(][^）)]*[）)])?"
_RANGE = re.compile(_DAY + r"(?:\s*(?:至|—|-|~|到)\s*" + _DAY + r")?")
_TOTAL = re.compile(r"共\s*(\d+)\s*天")


@dataclass(frozen=True)
class NoticeDay:
    date: date
    is_working: bool
    name: str

    @property
    def weekday(self) -> int:
        return self.date.weekday()


@dataclass
class ParsedNotice:
    year: int
    holidays: dict[str, list[date]] = field(default_factory=dict)  # name → every day off, weekends too
    workdays: dict[str, list[date]] = field(default_factory=dict)  # name → the 调休 working days
    warnings: list[str] = field(default_factory=list)

    @property
    def days_off(self) -> list[NoticeDay]:
        return sorted(
            (NoticeDay(d, False, name) for name, days in self.holidays.items() for d in days),
            key=lambda d: d.date,
        )

    def exceptions(self) -> list[NoticeDay]:
        """What the calendar stores: weekday holidays and weekend working days, by date."""
        from dispatch.calendar import WORKDAY_NAME

        rows = [d for d in self.days_off if d.weekday < 5]
        rows += [
            NoticeDay(d, True, f"{WORKDAY_NAME}（{name}）")
            for name, days in self.workdays.items()
            for d in days
            if d.weekday() >= 5
        ]
        return sorted(rows, key=lambda d: d.date)


class NoticeError(ValueError):
    """The text holds no section the parser can read."""


def _dates(sentence: str, year: int, section: str) -> list[tuple[date, date | None]]:
    """Every date or range in `sentence`, a missing month taken from the date before it."""
    found: list[tuple[date, date | None]] = []
    month = None
    for m in _RANGE.finditer(sentence):
        y1, m1, d1, y2, m2, d2 = m.groups()
        month = int(m1) if m1 else month
        if month is None:
            raise ValueError(f"“{m.group(0)}”缺少月份")
        start_year = int(y1) if y1 else year
        if not y1 and section == "元旦" and month == 12:
            start_year = year - 1  # 元旦 may start on 30/31 December of the year before
        start = date(start_year, month, int(d1))
        end = None
        if d2:
            end_month = int(m2) if m2 else month
            end_year = int(y2) if y2 else (start_year + 1 if end_month < month else start_year)
            end = date(end_year, end_month, int(d2))
            month = end_month
            if end < start:
                raise ValueError(f"“{m.group(0)}”结束早于开始")
        found.append((start, end))
    return found


def parse_notice(text: str, year: int) -> ParsedNotice:
    """The holidays and 调休 working days of `year` in the notice `text` (see the module doc)."""
    result = ParsedNotice(year=year)
    text = text.replace("\r", "")
    marks = list(_SECTION.finditer(text))
    if not marks:
        raise NoticeError("未找到“一、元旦：……”形式的条目")
    for i, mark in enumerate(marks):
        name = mark.group(2).strip()
        body = text[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)]
        body = re.split(r"\n\s*\n", body, maxsplit=1)[0]  # a section is one paragraph
        days_off: list[date] = []
        workdays: list[date] = []
        for sentence in re.split(r"[。；;\n]", body):
            sentence = sentence.strip()
            if not sentence:
                continue
            try:
                spans = _dates(sentence, year, name)
            except ValueError as exc:
                result.warnings.append(f"{name}：{exc}")
                continue
            if "上班" in sentence:
                workdays += [start for start, _end in spans]
                if any(end for _start, end in spans):
                    result.warnings.append(f"{name}：上班日期不应是区间：“{sentence}”")
            elif "放假" in sentence or "休息" in sentence:
                for start, end in spans:
                    days_off += [start + timedelta(n) for n in range(((end or start) - start).days + 1)]
                total = _TOTAL.search(sentence)
                if total and int(total.group(1)) != len(days_off):
                    result.warnings.append(
                        f"{name}：通知写共{total.group(1)}天，解析出{len(days_off)}天：“{sentence}”"
                    )
            elif spans and not re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", sentence):  # not the signature date
                result.warnings.append(f"{name}：未识别的句子（无“放假”或“上班”）：“{sentence}”")
        if not days_off:
            result.warnings.append(f"{name}：未解析出放假日期")
        for day in workdays:
            if day.weekday() < 5:
                result.warnings.append(f"{name}：{day:%m月%d日}本是工作日，列为调休上班无意义")
            if day in days_off:
                result.warnings.append(f"{name}：{day:%m月%d日}既放假又上班")
        result.holidays[name] = days_off
        result.workdays[name] = workdays
    other_years = sorted(
        {d.year for days in result.holidays.values() for d in days} - {year, year - 1}
        | {d.year for days in result.workdays.values() for d in days} - {year, year - 1}
    )
    if other_years:
        result.warnings.append(f"出现{year}年以外的日期：{other_years}")
    return result
