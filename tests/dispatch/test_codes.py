import pytest

from dispatch.codes import component_code_errors, credit_code_errors, credit_code_with_check


def test_a_real_credit_code_is_accepted():
    assert credit_code_errors("91350100M000100Y43") == []


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("91350100M000100Y44", "校验位错误"),  # last character changed
        ("91350100M000190Y43", "校验位错误"),  # one digit changed
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M000I00Y43", "含非法字符"),  # I is not used, it reads as 1
    ],
)
def test_a_corrupted_credit_code_is_refused(code, says):
    (error,) = credit_code_errors(code)
    assert says in error


def test_the_check_character_helper_makes_valid_codes():
    assert credit_code_with_check("91350100M000100Y4") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "code",
    [
        "12010301001000001",  # 17 digits: district + 5-digit type + sequence
        "1201030101000001",  # legacy 16 digits: district + 4-digit type + sequence
    ],
)
def test_component_codes_of_both_generations_pass(code):
    assert component_code_errors(code, "120103") == []


@pytest.mark.parametrize(
    ("code", "district", "category", "says"),
    [
        ("1201030100100001", None, None, None),  # 16 digits is legal on its own (legacy)
        ("120103010010000001", None, None, "应为 17 位（旧标准 16 位），实为 18 位"),
        ("12010301001A00001", None, None, "只能包含数字"),
        ("12010401001000001", "120103", None, "前 6 位应为区编码 120103"),
        ("12010301002000001", None, "01001", "类别 01002 与部件类型 01001 不符"),
        ("12010301001000000", None, None, "序号不能为全 0"),
    ],
)
def test_component_code_problems_are_explained(code, district, category, says):
    errors = component_code_errors(code, district, category)
    if says is None:
        assert errors == []
    else:
        assert any(says in error for error in errors), errors
