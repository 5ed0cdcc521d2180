"""Import responsible parties (门前三包 台账) from a CSV or xlsx spreadsheet (issue #20.5).

All-or-nothing, as the component import (dispatch/importers.py): every row is checked first and every
problem is named with its row number (the header is row 1) and the party's name; nothing is written unless
the whole file is clean. A party with a 统一社会信用代码 already on file is updated; others are added.

Columns (English or Chinese header): name 名称 (required), street_code 街道编码 (required), kind 类型
(沿街商户/单位/物业 or shop/unit/property), address 地址, credit_code 统一社会信用代码, contact_name 联系人,
contact_phone 联系电话, frontage 门前责任区 ("经度,纬度;经度,纬度…"), letter_signed_on 责任书签订日期
(YYYY-MM-DD), letter_scope 责任范围, letter_number 责任书编号.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from cases.errors import InvalidInput
from enforcement.frontage import FrontageError, parse_points
from enforcement.models import CreditPolicy, EnforcementEvent, Letter, Party
from enforcement.services import clean_party_fields
from grids.models import Street

HEADERS = {
    "名称": "name",
    "街道编码": "street_code",
    "类型": "kind",
    "地址": "address",
    "统一社会信用代码": "credit_code",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
    "门前责任区": "frontage",
    "责任书签订日期": "letter_signed_on",
    "责任范围": "letter_scope",
    "责任书编号": "letter_number",
}
COLUMNS = tuple(HEADERS.values())
REQUIRED = ("name", "street_code")
KINDS = {label: value for value, label in Party.Kind.choices} | {v: v for v in Party.Kind.values}


class PartyImportError(Exception):
    """The file was refused; `errors` names every bad row. Nothing was saved."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    letters: int = 0


def read_rows(content: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) from a .csv (UTF-8 or GB18030) or .xlsx file."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception:
            raise PartyImportError(["无法读取 xlsx 文件，请确认文件未损坏"]) from None
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gb18030", errors="replace")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise PartyImportError(["文件是空的"])
    header = [HEADERS.get(h.strip(), h.strip()) for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise PartyImportError([f"缺少必填列：{'、'.join(missing)}"])
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        out.append((number, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}))
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def import_parties(content: bytes, filename: str, *, actor=None) -> ImportResult:
    records = read_rows(content, filename)
    streets = {
        s.code: s for s in Street.objects.filter(code__in={r.get("street_code", "") for _, r in records})
    }
    errors: list[str] = []
    checked = []
    seen_codes: dict[str, int] = {}
    for number, row in records:
        where = f"第 {number} 行（{row.get('name') or '无名称'}）"
        problems = []
        street = streets.get(row.get("street_code", ""))
        if not row.get("street_code"):
            problems.append("街道编码不能为空")
        elif street is None:
            problems.append(f"街道编码 {row['street_code']} 不存在")
        kind = KINDS.get(row.get("kind") or "沿街商户")
        if kind is None:
            problems.append(f"类型“{row['kind']}”无效，应为 沿街商户/单位/物业")
        fields = {
            "name": row.get("name", ""),
            "kind": kind or Party.Kind.SHOP,
            "street": street,
            "address": row.get("address", ""),
            "credit_code": row.get("credit_code", ""),
            "contact_name": row.get("contact_name", ""),
            "contact_phone": row.get("contact_phone", ""),
            "frontage": None,
        }
        if row.get("frontage"):
            try:
                fields["frontage"] = parse_points(row["frontage"])
            except FrontageError as exc:
                problems.append(str(exc))
        try:
            fields = clean_party_fields(fields)
        except InvalidInput as exc:
            problems.append(exc.message)
        code = fields.get("credit_code") or ""
        if code:
            if code in seen_codes:
                problems.append(f"统一社会信用代码 {code} 与第 {seen_codes[code]} 行重复")
            seen_codes.setdefault(code, number)
        letter = None
        if row.get("letter_signed_on"):
            try:
                letter = {
                    "signed_on": date.fromisoformat(row["letter_signed_on"][:10]),
                    "scope": row.get("letter_scope") or "卫生、秩序、绿化",
                    "number": row.get("letter_number", ""),
                }
            except ValueError:
                problems.append(f"责任书签订日期“{row['letter_signed_on']}”应为 YYYY-MM-DD")
        errors += [f"{where}：{p}" for p in problems]
        checked.append((fields, letter))
    if errors:
        raise PartyImportError(errors)
    result = ImportResult()
    initial = CreditPolicy.current().initial
    with transaction.atomic():
        existing = {
            p.credit_code: p
            for p in Party.objects.filter(
                credit_code__in=[f["credit_code"] for f, _ in checked if f["credit_code"]]
            )
        }
        for fields, letter in checked:
            party = existing.get(fields["credit_code"]) if fields["credit_code"] else None
            if party is None:
                party = Party(credit_score=initial)
                result.created += 1
            else:
                result.updated += 1
            for name, value in fields.items():
                setattr(party, name, value)
            party.save()
            if letter and not party.letters.filter(signed_on=letter["signed_on"]).exists():
                Letter.objects.create(party=party, **letter)
                result.letters += 1
        EnforcementEvent.objects.create(
            action="party_import",
            actor=actor if getattr(actor, "pk", None) else None,
            payload={"created": result.created, "updated": result.updated, "letters": result.letters},
        )
    return result
