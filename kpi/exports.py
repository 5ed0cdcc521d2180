"""A report (kpi/reports.py) as an Excel workbook or a CSV file.

xlsx: a 概要 sheet (title, period, filters, contents), then one sheet per section with Chinese
headers in row 1 (frozen, with an auto-filter) and real numbers: rates are fractions shown with the
percentage format, so a district can sum, sort and chart them in Excel.

CSV: one section (the headline table by default) in UTF-8 with a byte-order mark, because Excel
reads a BOM-less CSV in the system code page (GBK on Chinese Windows) and garbles every character.
Percentages are written as "93.5%", which Excel reads back as numbers.
"""

import csv
import io
import re
from datetime import date, datetime

from django.utils.translation import gettext, ngettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kpi.reports import Column, Report, Section

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

FORMATS = {
    "int": "#,##0",
    "number": "#,##0.00",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2F5597")


def filename(report: Report, ext: str) -> str:
    """报表文件名，如 周统计_2026-03-30_2026-04-05.xlsx."""
    return f"{report.cadence_label}_{report.period_from}_{report.period_to}.{ext}"


def cell_type(column: Column, row: dict) -> str:
    """The column's type, with a "figure" resolved by the row's unit ("%" → percent)."""
    if column.type != "figure":
        return column.type
    if row.get("unit") == "%":
        return "percent"
    return "int" if isinstance(row.get(column.key), int) else "number"


# ---------------------------------------------------------------- xlsx


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    cover = book.active
    cover.title = gettext("概要")
    _cover(cover, report)
    used = {cover.title}
    for section in report.sections:
        sheet = book.create_sheet(_sheet_title(section.title, used))
        _table(sheet, section)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cover(sheet, report: Report) -> None:
    sheet["A1"] = report.title
    sheet["A1"].font = Font(bold=True, size=14)
    filters = "；".join(f"{k}={v}" for k, v in report.filters.items()) or gettext("全部")
    # A filter is echoed as asked (an unknown code matches nothing); XML 1.0, hence xlsx, has no control
    # characters, and openpyxl refuses them rather than writing a broken file.
    filters = ILLEGAL_CHARACTERS_RE.sub("\ufffd", filters)
    lines = [
        (gettext("报表类型"), report.cadence_label),
        (gettext("统计周期"), report.period_label),
        (gettext("起始日期"), report.period_from),
        (gettext("截止日期"), report.period_to),
        (
            gettext("上期"),
            gettext("%(from)s 至 %(to)s") % {"from": report.previous_from, "to": report.previous_to},
        ),
        (gettext("筛选条件"), filters),
        (
            gettext("数据状态"),
            gettext("完整周期") if report.complete else gettext("周期未结束，数据截至生成时"),
        ),
        (gettext("生成时间"), report.generated_at.replace(tzinfo=None)),
    ]
    for n, (label, value) in enumerate(lines, 3):
        sheet.cell(n, 1, label).font = Font(bold=True)
        cell = sheet.cell(n, 2, value)
        if isinstance(value, datetime):
            cell.number_format = FORMATS["datetime"]
        elif isinstance(value, date):
            cell.number_format = FORMATS["date"]
    row = len(lines) + 4
    sheet.cell(row, 1, gettext("目录")).font = Font(bold=True)
    for n, section in enumerate(report.sections, row + 1):
        sheet.cell(n, 1, section.title)
        sheet.cell(n, 2, ngettext("%(n)d 行", "%(n)d 行", len(section.rows)) % {"n": len(section.rows)})
        sheet.cell(n, 3, section.note)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions["C"].width = 60


def _table(sheet, section: Section) -> None:
    for col, column in enumerate(section.columns, 1):
        cell = sheet.cell(1, col, column.label)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for r, row in enumerate(section.rows, 2):
        for col, column in enumerate(section.columns, 1):
            value = row.get(column.key)
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones; values are local already
            cell = sheet.cell(r, col, value if not _is_text(value) else str(value))
            kind = cell_type(column, row)
            if kind in FORMATS and value is not None:
                cell.number_format = FORMATS[kind]
    if section.note:
        sheet.cell(len(section.rows) + 3, 1, section.note).font = Font(italic=True, color="666666")
    sheet.freeze_panes = "A2"
    if section.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(section.columns))}{len(section.rows) + 1}"
    for col, column in enumerate(section.columns, 1):
        widest = max([_width(column.label), *(_width(_display(r.get(column.key))) for r in section.rows)])
        sheet.column_dimensions[get_column_letter(col)].width = min(60, max(8, widest + 2))


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel's rules: ≤ 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet"
    name, n = base, 2
    while name in used:
        name = f"{base[:28]}_{n}"
        n += 1
    used.add(name)
    return name


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK is two columns wide


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _is_text(value) -> bool:
    return value is not None and not isinstance(value, int | float | date | datetime | bool)


# ---------------------------------------------------------------- CSV


def to_csv(report: Report, section: str = "headline") -> bytes:
    """One section as CSV (UTF-8 with BOM), headers in Chinese."""
    table = report.section(section)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(c.key), cell_type(c, row)) for c in table.columns])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value and abs(value) < 0.001:  # a q-value: keep its significant digits
            return f"{value:.3g}"
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
