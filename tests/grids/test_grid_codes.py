import pytest

from grids.codes import code_errors


@pytest.mark.parametrize(
    ("level", "code", "parent"),
    [
        ("district", "120103", None),
        ("street", "120103001", "120103"),
        ("community", "120103001001", "120103001"),
        ("grid", "120103001001001", "120103001001"),
        ("grid", "120103001001999", None),
    ],
)
def test_well_formed_codes_pass(level, code, parent):
    assert code_errors(level, code, parent) == []


@pytest.mark.parametrize(
    ("level", "code", "parent", "says"),
    [
        ("district", "12010", None, "应为 6 位，实为 5 位"),
        ("district", "12O103", None, "只能包含数字"),
        ("district", "120000", None, "省级编码"),
        ("district", "", None, "不能为空"),
        ("street", "1201030001", "120103", "应为 9 位，实为 10 位"),
        ("street", "120103a01", "120103", "只能包含数字"),
        ("street", "120103000", "120103", "本级序号不能为全 0"),
        ("street", "120104001", "120103", "不在上级编码 120103 之下"),
        ("community", "12010300101", "120103001", "应为 12 位，实为 11 位"),
        ("community", "120103001 01", "120103001", "只能包含数字"),
        ("community", "120103001000", "120103001", "本级序号不能为全 0"),
        ("community", "120103002001", "120103001", "不在上级编码 120103001 之下"),
        ("grid", "1201030010010011", "120103001001", "应为 15 位，实为 16 位"),
        ("grid", "12010300100100X", "120103001001", "只能包含数字"),
        ("grid", "120103001001000", "120103001001", "本级序号不能为全 0"),
        ("grid", "120103001002001", "120103001001", "不在上级编码 120103001001 之下"),
    ],
)
def test_bad_codes_are_explained(level, code, parent, says):
    errors = code_errors(level, code, parent)
    assert any(says in error for error in errors), errors
