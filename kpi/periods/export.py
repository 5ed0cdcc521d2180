"""A frozen 考核 table (one revision) as an Excel workbook: a 概要 sheet (period, cut-off, who closed
it, the revision and why, formula version, weights, bands, excluded cases), one sheet per level with
every figure, score and grade and the adjustments beside the figures, and the list of counted cases."""

import io

from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from cases.models import Case
from kpi.definitions import KPIS, formulas_in_force
from kpi.periods.table import LEVELS

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2F5597")


def level_labels() -> dict:
    return {
        "street": gettext("街道"),
        "community": gettext("社区"),
        "grid": gettext("网格"),
        "department": gettext("部门"),
        "inspector": gettext("监督员"),
        "operator": gettext("受理员"),
        "shift_leader": gettext("值班长"),
        "dispatcher": gettext("派遣员"),
    }


def filename(revision) -> str:
    p = revision.period
    return f"考核表_{p.get_kind_display()}_{p.start}_{p.end}_v{revision.number}.xlsx"


def _header(sheet, titles):
    sheet.append(titles)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL


def to_xlsx(revision) -> bytes:
    period = revision.period
    book = Workbook()
    cover = book.active
    cover.title = gettext("概要")
    cover["A1"] = gettext("考核表") + f" {period}"
    cover["A1"].font = Font(bold=True, size=14)
    lines = [
        (gettext("周期"), f"{period.get_kind_display()} {period.start} – {period.end}"),
        (gettext("截止时刻"), timezone.localtime(period.cutoff).strftime("%Y-%m-%d %H:%M:%S")),
        (gettext("关账人"), str(period.closed_by)),
        (gettext("关账时间"), timezone.localtime(period.closed_at).strftime("%Y-%m-%d %H:%M:%S")),
        (gettext("版本"), revision.number),
        (gettext("版本原因"), revision.reason),
        (gettext("公式版本"), revision.formula_version),
        (gettext("计入案件数"), len(revision.cases)),
        (
            gettext("不计入考核的案件"),
            "、".join(Case.objects.filter(pk__in=revision.excluded).values_list("number", flat=True)) or "—",
        ),
    ]
    in_force = formulas_in_force(revision.formula)
    lines += [(c["label"], c["formula"]) for c in in_force["composites"]]
    lines.append((gettext("等级"), in_force["grades"]))
    for band in in_force["bands"]:
        lines.append((band["label"], "；".join(f"{r['range']} → {r['score']}" for r in band["rows"])))
    for n, (key, value) in enumerate(lines, start=3):
        cover.cell(row=n, column=1, value=key).font = Font(bold=True)
        cover.cell(row=n, column=2, value=value)
    cover.column_dimensions["A"].width, cover.column_dimensions["B"].width = 22, 90

    adjustments = {}
    for a in revision.adjustments.select_related("created_by"):
        adjustments.setdefault((a.level, a.object_id), []).append(a)
    labels = level_labels()
    for level in LEVELS:
        rows = revision.table.get(level, [])
        sheet = book.create_sheet(labels[level])
        counts = sorted(
            {k for r in rows for k in r["counts"]}, key=lambda k: list(KPIS).index(k) if k in KPIS else 999
        )
        parts = list(dict.fromkeys(k for r in rows for k in r["parts"]))
        rates = list(dict.fromkeys(k for r in rows for k in r["rates"]))
        name = lambda k: str(KPIS[k].label) if k in KPIS else k  # noqa: E731
        _header(
            sheet,
            [gettext("排名"), gettext("编码"), gettext("名称")]
            + [name(k) for k in (*counts, *rates, *parts)]
            + [gettext("综合得分"), gettext("等级"), gettext("调整")],
        )
        for r in rows:
            notes = [
                f"{a.figure}: {a.original} → {a.value}（{a.reason}，{a.created_by}）"
                for a in adjustments.get((level, r["id"]), [])
            ]
            sheet.append(
                [r["rank"], r["code"], r["name"]]
                + [r["counts"].get(k) for k in counts]
                + [r["rates"].get(k) for k in rates]
                + [r["parts"].get(k) for k in parts]
                + [r["score"], r["grade"], "；".join(notes)]
            )
        sheet.freeze_panes = "A2"
    sheet = book.create_sheet(gettext("计入案件"))
    _header(sheet, [gettext("案件编号")])
    for number in (
        Case.objects.filter(pk__in=revision.cases).order_by("number").values_list("number", flat=True)
    ):
        sheet.append([number])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
