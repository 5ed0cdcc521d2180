"""The State Council's notice read into the calendar, the admin page, and the calendar's health (#24.3)."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dispatch.calendar import (
    calendar_warning,
    enter_year,
    get_calendar,
    invalidate_calendar,
    is_provisional,
    known_until,
)
from dispatch.holiday_notice import NoticeError, parse_notice
from dispatch.models import CalendarDay
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = (Path(__file__).parents[1] / "fixtures" / "holiday_notice_2027.txt").read_text()


def d(month, day, year=2027):
    return date(year, month, day)


def test_the_2027_notice_parses_into_holidays_and_make_up_days():
    parsed = parse_notice(NOTICE_2027, 2027)
    assert parsed.warnings == []
    assert list(parsed.holidays) == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    assert parsed.holidays["春节"] == [d(2, n) for n in range(5, 14)]  # 共9天
    assert parsed.workdays["春节"] == [d(1, 31), d(2, 20)]
    assert parsed.workdays["国庆节"] == [d(9, 26), d(10, 9)]
    assert parsed.holidays["端午节"] == [d(6, 9)]
    rows = {row.date: (row.is_working, row.name) for row in parsed.exceptions()}
    # Only exceptions to Monday–Friday: 2-6/2-7 (a weekend inside 春节) are not stored.
    assert d(2, 6) not in rows and d(1, 2) not in rows
    assert rows[d(2, 5)] == (False, "春节")
    assert rows[d(1, 31)] == (True, "调休上班（春节）")
    assert sum(1 for working, _ in rows.values() if not working) == 18
    assert sum(1 for working, _ in rows.values() if working) == 6


def test_years_across_new_year_and_the_warnings_a_preview_shows():
    parsed = parse_notice(
        "一、元旦：12月31日（周四）至1月2日（周六）放假，共3天。1月9日（周六）调休上班。", 2027
    )
    assert parsed.holidays["元旦"] == [d(12, 31, 2026), d(1, 1), d(1, 2)]
    assert parsed.workdays["元旦"] == [d(1, 9)]
    wrong = parse_notice("二、春节：2月5日至13日放假，共8天。2月10日（周三）上班。", 2027)
    assert any("共8天" in w for w in wrong.warnings)
    assert any("本是工作日" in w for w in wrong.warnings)
    with pytest.raises(NoticeError):
        parse_notice("明年放假另行通知", 2027)


@pytest.fixture
def calendar_2026(db):
    """The calendar known to the end of 2026, whatever the seed migration put in."""
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    CalendarDay.objects.get_or_create(date=d(10, 1, 2026), defaults={"is_working": False, "name": "国庆节"})
    invalidate_calendar()  # the pages' cached warning may come from another test's database
    assert known_until(get_calendar()) == d(12, 31, 2026)


def test_a_deadline_across_spring_festival_moves_when_the_year_is_entered(calendar_2026):
    start = datetime(2027, 2, 4, 9, 0, tzinfo=SH)  # Thursday before 除夕
    before = get_calendar().add(start, 3, "working_days")
    assert before == datetime(2027, 2, 9, 9, 0, tzinfo=SH)  # 2-5, 2-8, 2-9 counted as working days
    assert is_provisional(before)
    entry = enter_year(2027, parse_notice(NOTICE_2027, 2027).exceptions())
    assert entry.created == 24
    after = get_calendar().add(start, 3, "working_days")
    # 2-5 … 2-13 off; Sunday 2-14 is no make-up day in this notice: 2-15 (1), 2-16 (2), 2-17 (3).
    assert after == datetime(2027, 2, 17, 9, 0, tzinfo=SH)
    assert not is_provisional(after) and known_until() == d(12, 31)
    again = enter_year(2027, parse_notice(NOTICE_2027, 2027).exceptions())
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


def test_entering_a_year_keeps_what_an_admin_set_by_hand(calendar_2026):
    CalendarDay.objects.create(date=d(2, 5), is_working=False, name="本地：除夕", source="admin")
    CalendarDay.objects.create(date=d(3, 3), is_working=True, name="seeded guess", source="seeded")
    entry = enter_year(2027, parse_notice(NOTICE_2027, 2027).exceptions())
    assert entry.kept_admin == [d(2, 5)] and entry.deleted == 1
    assert CalendarDay.objects.get(date=d(2, 5)).name == "本地：除夕"


@pytest.mark.parametrize(
    ("moment", "warns"),
    [
        (datetime(2026, 10, 31, 23, 59, tzinfo=SH), False),  # 61 days before 12-31
        (datetime(2026, 11, 1, 0, 1, tzinfo=SH), True),  # exactly 60 days before
        (datetime(2026, 12, 31, 12, 0, tzinfo=SH), True),
    ],
)
def test_healthz_warns_from_sixty_days_before_the_last_known_day(
    calendar_2026, client, settings, moment, warns
):
    settings.CALENDAR_WARN_DAYS = 60
    with time_machine.travel(moment, tick=False):
        response = client.get("/healthz?check=calendar")
        text = calendar_warning(moment.astimezone(SH).date())
    assert response.status_code == 200  # a warning, never a reason to restart a container
    body = response.json()
    check = body["checks"]["calendar"]
    if warns:
        assert body["status"] == "warn" and body["warnings"] == ["calendar"]
        assert check["status"] == "warn" and "2026-12-31" in check["warning"] and "2027" in check["warning"]
        assert text == check["warning"]
    else:
        assert body["status"] == "ok" and check == {**check, "status": "ok", "days_left": 61}
        assert text is None


def test_the_admin_page_previews_then_saves_and_the_dashboard_warns(calendar_2026, client, settings):
    settings.CALENDAR_WARN_DAYS = 60
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = UserFactory(username="calendar-admin", roles=["admin"], is_staff=True)
    boss = UserFactory(username="calendar-boss", roles=["supervisor"])
    client.force_login(admin)
    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=SH), tick=False):
        index = client.get("/admin/")
        assert "data-calendar-warning" in index.content.decode()
        url = "/admin/dispatch/calendarday/enter-year/"
        preview = client.post(url, {"year": 2027, "notice": NOTICE_2027, "preview": "1"})
        page = preview.content.decode()
        assert preview.status_code == 200 and "data-preview" in page and "调休上班（春节）" in page
        assert not CalendarDay.objects.filter(date__year=2027).exists()  # a preview saves nothing
        saved = client.post(url, {"year": 2027, "notice": NOTICE_2027, "save": "1"})
        assert saved.status_code == 302
        assert CalendarDay.objects.filter(date__year=2027, source="notice").count() == 24
        client.force_login(boss)
        assert "data-calendar-warning" not in client.get("/kpi/").content.decode()
    with time_machine.travel(datetime(2027, 11, 15, 10, 0, tzinfo=SH), tick=False):
        client.force_login(boss)  # 48 days before 2027-12-31
        assert "data-calendar-warning" in client.get("/kpi/").content.decode()
