import pytest
from django.core.management import CommandError, call_command

from dispatch.importers import ComponentImportError, import_components, parse_csv
from dispatch.models import Category, Component
from grids import locator
from grids.importers import import_grids
from tests.factories import CategoryFactory, DepartmentFactory
from tests.grids.geojson import COMMUNITY, corner, tiling

pytestmark = pytest.mark.django_db

HEADER = "code,category_code,name,lng,lat,regulator,owner,maintainer,status,address,grid_code"
IN_001 = "{},{}".format(*corner(0.5, 0.5))
IN_004 = "{},{}".format(*corner(1.5, 1.5))


@pytest.fixture(autouse=True)
def district(db):
    locator.invalidate()  # don't reuse an index built for another test's (rolled back) grids
    import_grids(tiling())
    CategoryFactory(code="01001", name="供水井盖")
    DepartmentFactory(code="SWJ", name="区水务局")
    DepartmentFactory(code="SWJT", name="自来水集团")
    yield
    locator.invalidate()


def run(*lines: str):
    return import_components(*parse_csv("\n".join([HEADER, *lines]) + "\n"))


def refused(*lines: str) -> str:
    with pytest.raises(ComponentImportError) as exc:
        run(*lines)
    assert not Component.objects.exists()
    return str(exc.value)


def test_a_clean_file_is_imported_and_each_component_lands_in_its_grid():
    result = run(
        f"12010301001000001,01001,供水井盖,{IN_001},SWJ,SWJT,SWJT,破损,友谊路 1 号,",
        f"12010301001000002,01001,,{IN_004},,,,intact,,{COMMUNITY}004",
        f"1201030101000003,01001,老井盖,{IN_004},,,,,,",  # legacy 16-digit code, blank status
    )
    assert (result.created, result.updated, result.legacy_codes) == (3, 0, 1)
    first = Component.objects.select_related("grid", "owner").get(code="12010301001000001")
    assert first.grid.code == f"{COMMUNITY}001"
    assert first.owner.name == "自来水集团"
    assert first.status == Component.Status.DAMAGED
    assert first.address == "友谊路 1 号"
    legacy = Component.objects.get(code="1201030101000003")
    assert legacy.grid.code == f"{COMMUNITY}004"
    assert legacy.status == Component.Status.INTACT
    assert legacy.is_legacy_code


def test_reimport_updates_by_code():
    run(f"12010301001000001,01001,井盖,{IN_001},,,,完好,,")
    before = Component.objects.get().pk
    result = run(f"12010301001000001,01001,井盖,{IN_001},,,,丢失,,")
    assert (result.created, result.updated) == (0, 1)
    component = Component.objects.get()
    assert (component.pk, component.status) == (before, Component.Status.LOST)


def test_the_published_standard_is_preferred_when_a_code_is_in_several():
    CategoryFactory(code="01001", name="旧井盖", standard=Category.Standard.CJT_214_2007)
    run(f"12010301001000001,01001,,{IN_001},,,,,,")
    assert Component.objects.get().category.standard == Category.Standard.GBT_47678_5_2026


@pytest.mark.parametrize(
    ("row", "says"),
    [
        (f"120103010010001,01001,,{IN_001},,,,,,", "应为 17 位（旧标准 16 位），实为 15 位"),
        (f"1201030100100000X,01001,,{IN_001},,,,,,", "只能包含数字"),
        (f"12010401001000001,01001,,{IN_001},,,,,,", "前 6 位应为区编码 120103"),
        (f"12010301002000001,01001,,{IN_001},,,,,,", "类别 01002 与部件类型 01001 不符"),
        (f"12010301001000000,01001,,{IN_001},,,,,,", "序号不能为全 0"),
        (f"12010301009000001,01009,,{IN_001},,,,,,", "未知的部件类型编码 01009"),
        (f"12010301001000001,01001,,{IN_001},NOPE,,,,,", "未知的主管部门编码 NOPE"),
        (f"12010301001000001,01001,,{IN_001},,,GONE,,,", "未知的养护单位编码 GONE"),
        (f"12010301001000001,01001,,{IN_001},,,,坏了,,", "状态“坏了”无效"),
        ("12010301001000001,01001,,east,39.2,,,,,,", "经度 lng 必须是数字"),
        ("12010301001000001,01001,,117.4,,,,,,,", "缺少纬度 lat"),
        ("12010301001000001,01001,,117.4,95,,,,,,", "纬度 lat 95 超出范围"),
        ("12010301001000001,01001,,117.5,39.5,,,,,,", "位置 (117.5, 39.5) 不在本区任何单元网格内"),
        (
            f"12010301001000001,01001,,{IN_001},,,,,,{COMMUNITY}002",
            f"填写的网格 {COMMUNITY}002 与坐标所在网格 {COMMUNITY}001 不一致",
        ),
        (f"12010301001000001,01001,,{IN_001},,,,,,{COMMUNITY}999", f"网格编码 {COMMUNITY}999 不存在"),
    ],
)
def test_a_bad_row_is_refused_with_its_line_number(row, says):
    message = refused(f"12010301001000009,01001,,{IN_004},,,,,,", row)
    assert message.startswith("第 3 行")
    assert says in message


def test_an_event_category_is_not_a_component_type():
    CategoryFactory(code="99001", kind=Category.Kind.EVENT)
    assert "第 2 行（部件 12010399001000001）：类别 99001 是事项类别，不是部件类别" in refused(
        f"12010399001000001,99001,,{IN_001},,,,,,"
    )


def test_a_row_with_a_bad_position_still_has_its_code_checked():
    message = refused("12010301001000000,01001,,117.4,north,,,,,")
    assert "纬度 lat 必须是数字" in message
    assert "序号不能为全 0" in message


def test_a_code_twice_in_the_file_names_the_first_line():
    message = refused(
        f"12010301001000001,01001,,{IN_001},,,,,,",
        f"12010301001000002,01001,,{IN_001},,,,,,",
        f"12010301001000001,01001,,{IN_004},,,,,,",
    )
    assert "第 4 行（部件 12010301001000001）：部件编码与第 2 行重复" in message


def test_every_bad_row_is_reported():
    message = refused(
        f"12010301001000001,01001,,{IN_001},,,,,,",
        f"12010301001000002,01001,,{IN_001},,,,碎了,,",
        f"12010301001000003,01001,,{IN_001},,,,,,",
        f"12010301001000004,77777,,{IN_001},,,,,,",
    )
    assert "第 3 行" in message and "第 5 行" in message
    assert "第 2 行" not in message and "第 4 行" not in message


def test_a_missing_column_is_refused_before_any_row():
    with pytest.raises(ComponentImportError, match="第 1 行（表头）缺少列：lat"):
        import_components(*parse_csv(f"code,category_code,lng\n12010301001000001,01001,{IN_001}\n"))


def test_the_command_reads_excel_gb18030_files(tmp_path, capsys):
    path = tmp_path / "components.csv"
    text = f"{HEADER}\n12010301001000001,01001,供水井盖,{IN_001},,,,完好,,\n"
    path.write_bytes(text.encode("gb18030"))
    call_command("import_components", str(path))
    assert "新建部件 1 个" in capsys.readouterr().out
    assert Component.objects.get().name == "供水井盖"


def test_the_command_fails_listing_the_errors(tmp_path):
    path = tmp_path / "components.csv"
    path.write_text(f"{HEADER}\n12010301001000001,01001,,{IN_001},,,,坏了,,\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_components", str(path))
    assert "未保存任何数据" in str(exc.value)
    assert "第 2 行" in str(exc.value)
    assert not Component.objects.exists()
