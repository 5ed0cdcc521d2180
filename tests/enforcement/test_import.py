"""Importing the 门前三包 台账 from a spreadsheet: all or nothing, every bad row named (issue #20.5)."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dispatch.codes import credit_code_with_check
from enforcement.importers import PartyImportError, import_parties
from enforcement.models import Letter, Party
from tests.factories import StreetFactory

pytestmark = pytest.mark.django_db

CODE_A = credit_code_with_check("91120103MA0000001")
CODE_B = credit_code_with_check("91120103MA0000002")


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_a_clean_csv_with_chinese_headers_adds_parties_and_their_letters():
    street = StreetFactory()
    content = csv_bytes(
        "名称,类型,街道编码,地址,统一社会信用代码,联系人,联系电话,门前责任区,责任书签订日期,责任范围",
        f"老王烧烤店,沿街商户,{street.code},友谊路1号,{CODE_A},王老板,13900000001,"
        f'"117.2000,39.0506;117.2010,39.0506",2026-03-01,卫生、秩序',
        f"友谊里物业,物业,{street.code},友谊里小区,,,,,,",
    )

    result = import_parties(content, "parties.csv")

    assert (result.created, result.updated, result.letters) == (2, 0, 1)
    shop = Party.objects.get(credit_code=CODE_A)
    assert (shop.kind, shop.contact_phone, shop.street) == ("shop", "13900000001", street)
    assert shop.frontage["coordinates"] == [[117.2, 39.0506], [117.201, 39.0506]]
    assert Letter.objects.get().scope == "卫生、秩序"
    # the same file again updates by credit code (the one without a code is added again)
    assert import_parties(content, "parties.csv").updated == 1


def test_every_bad_row_is_named_and_nothing_is_saved():
    street = StreetFactory()
    content = csv_bytes(
        "name,street_code,kind,credit_code,frontage,letter_signed_on",
        f"好店,{street.code},shop,{CODE_A},,",
        f",{street.code},shop,,,",
        f"坏码店,{street.code},shop,91120103MA0000009X,,",
        "无街道店,999999999,shop,,,",
        f"重复店,{street.code},shop,{CODE_A},,",
        f"线不对店,{street.code},shop,,117.2,",
        f"日子不对店,{street.code},shop,,,2026/13/01",
        f"类型不对店,{street.code},饭馆,,,",
    )

    with pytest.raises(PartyImportError) as refused:
        import_parties(content, "parties.csv")

    errors = refused.value.errors
    assert [e.split("：")[0] for e in errors] == [
        "第 3 行（无名称）",
        "第 4 行（坏码店）",
        "第 5 行（无街道店）",
        "第 6 行（重复店）",
        "第 7 行（线不对店）",
        "第 8 行（日子不对店）",
        "第 9 行（类型不对店）",
    ]
    assert "与第 2 行重复" in errors[3]
    assert "街道编码 999999999 不存在" in errors[2]
    assert Party.objects.count() == 0


def test_an_xlsx_sheet_imports_like_a_csv():
    street = StreetFactory()
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "街道编码", "统一社会信用代码", "责任书签订日期"])
    sheet.append(["星光超市", street.code, CODE_B, "2026-02-01"])
    sheet.append(["坏超市", "123", None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(PartyImportError) as refused:
        import_parties(buffer.getvalue(), "台账.xlsx")
    assert refused.value.errors == ["第 3 行（坏超市）：街道编码 123 不存在"]

    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_parties(buffer.getvalue(), "台账.xlsx").created == 1
    assert Party.objects.get().letters.get().signed_on.isoformat() == "2026-02-01"


def test_a_file_without_the_required_columns_is_refused():
    with pytest.raises(PartyImportError, match="缺少必填列"):
        import_parties(csv_bytes("名称,地址", "店,路"), "x.csv")


def test_the_command_lists_the_errors(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes("名称,街道编码", "店,000"))
    with pytest.raises(CommandError, match="第 2 行（店）：街道编码 000 不存在"):
        call_command("import_parties", str(path))
