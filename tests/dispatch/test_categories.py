from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from dispatch.categories import (
    STANDARD_CSV,
    CategoryFileError,
    keywords_for,
    load_standard_categories,
    search_categories,
)
from dispatch.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard():
    load_standard_categories()


def codes(queryset) -> list[tuple[str, str]]:
    return [(c.kind, c.code) for c in queryset]


def test_load_gives_the_published_153_components_and_250_events():
    created, updated = load_standard_categories()

    assert (created, updated) == (403, 0)
    assert Category.objects.filter(kind=Category.Kind.COMPONENT).count() == 153
    assert Category.objects.filter(kind=Category.Kind.EVENT).count() == 250
    manhole = Category.objects.get(kind=Category.Kind.COMPONENT, code="01001")
    assert (manhole.name, manhole.major_code, manhole.major_name) == ("供水井盖", "01", "市政公用设施")
    assert manhole.standard == "GB/T 47678.5-2026" and not manhole.is_local


def test_codes_keep_their_gaps():
    load_standard_categories()

    component_codes = set(
        Category.objects.filter(kind=Category.Kind.COMPONENT).values_list("code", flat=True)
    )
    assert "01015" in component_codes and "01017" in component_codes
    assert "01016" not in component_codes  # a gap in the published list, not to be filled


def test_loading_twice_adds_and_changes_nothing(standard):
    assert load_standard_categories() == (0, 0)
    assert Category.objects.count() == 403


def test_reload_keeps_keywords_an_admin_added_and_fixes_a_changed_name(standard):
    category = Category.objects.get(kind=Category.Kind.EVENT, code="09006")
    category.keywords = "马路市场 " + category.keywords
    category.name = "旧名称"
    category.save()

    assert load_standard_categories() == (0, 1)

    category.refresh_from_db()
    assert category.name == "占道经营"
    assert category.keywords.split()[0] == "马路市场"
    assert "摆摊" in category.keywords.split()


def test_command_prints_counts():
    out = StringIO()
    call_command("load_categories", stdout=out)
    assert "新增 403" in out.getvalue()

    out = StringIO()
    call_command("load_categories", "--file", str(STANDARD_CSV), stdout=out)
    assert "新增 0" in out.getvalue() and "更新 0" in out.getvalue()


def test_a_bad_row_is_refused_with_its_line_number(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kind,code,major_code,major_name,name\n部件,01001,01,市政公用设施,供水井盖\n设施,0101,01,x,y\n"
    )

    with pytest.raises(CategoryFileError, match="第 3 行"):
        load_standard_categories(bad)
    assert not Category.objects.exists()  # all or nothing


def test_keywords_come_from_the_name():
    assert "马葫芦" in keywords_for("污水井盖").split()
    assert "垃圾" in keywords_for("暴露垃圾").split()
    assert "占道" in keywords_for("店外经营").split()
    assert "广告" in keywords_for("非法小广告").split()
    assert keywords_for("旗杆") == ""


def test_search_by_name(standard):
    found = codes(search_categories("井盖"))
    assert ("component", "01001") in found and ("event", "01001") in found
    assert all(code.startswith("01") for _kind, code in found)


def test_search_by_keyword_a_reporter_would_type(standard):
    assert codes(search_categories("牛皮癣")) == [("event", "07001")]
    assert ("event", "06010") in codes(search_categories("垃圾"))  # 暴露垃圾
    assert ("event", "09005") in codes(search_categories("占道"))  # 店外经营, by keyword only


def test_search_by_code_prefix_and_major_name(standard):
    assert codes(search_categories("09006")) == [("event", "09006")]
    by_major = search_categories("街面秩序")
    assert by_major.count() == Category.objects.filter(major_name="街面秩序类").count() > 0


def test_search_is_case_insensitive_ordered_and_needs_every_word(standard):
    assert codes(search_categories("sos")) == [("component", "01066"), ("event", "01066")]
    assert codes(search_categories("井盖 燃气")) == [("component", "01011"), ("event", "01011")]
    found = codes(search_categories("路灯"))
    assert found == sorted(found)


def test_local_extension_and_legacy_code_live_beside_the_standard(standard):
    local = Category(
        standard=Category.Standard.LOCAL,
        kind=Category.Kind.EVENT,
        code="10901",
        major_code="10",
        major_name="其他事项类",
        name="共享充电宝乱放",
        is_local=True,
    )
    local.full_clean()
    local.save()
    # CJ/T 214 / GB/T 30428.2 4-digit code with the same name as a current type: both stay.
    legacy = Category.objects.create(
        standard=Category.Standard.GBT_30428_2_2013,
        kind=Category.Kind.COMPONENT,
        code="0101",
        major_code="01",
        major_name="公用设施",
        name="供水井盖",
    )

    assert Category.objects.filter(name="供水井盖", kind=Category.Kind.COMPONENT).count() == 2
    assert load_standard_categories() == (0, 0)  # the loader leaves other standards alone
    legacy.refresh_from_db()
    assert legacy.code == "0101"
    assert [c.code for c in search_categories("充电宝")] == ["10901"]


def test_a_category_code_must_start_with_its_major_code():
    category = Category(
        kind=Category.Kind.EVENT, code="10901", major_code="09", major_name="街面秩序类", name="x"
    )
    with pytest.raises(ValidationError) as excinfo:
        category.full_clean()
    assert "code" in excinfo.value.message_dict
