"""Resident ID (GB 11643), USCC (GB 32100) and mobile number validators."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.domain.validators import (
    ID_NUMBER_MIN_BIRTH_DATE,
    USCC_ALPHABET,
    ValidationProblem,
    id_check_character,
    id_number_birth_date,
    id_number_sex,
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    normalize_mobile,
    normalize_uscc,
    uscc_check_character,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

TODAY = dt.date(2025, 6, 1)
PROVINCES = [
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
    71,
    81,
    82,
]
DIGITS = "0123456789"


def problem_code(func, *args, **kwargs) -> str:
    with pytest.raises(ValidationProblem) as info:
        func(*args, **kwargs)
    return info.value.code


# --------------------------------------------------------------------------
# Resident ID number


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "440524188001010014", "360426199101010071"]
)
def test_known_valid_id_numbers(number: str) -> None:
    assert validate_id_number(number, today=TODAY) == number


def test_id_helpers() -> None:
    assert id_number_birth_date("11010519491231002X", today=TODAY) == dt.date(1949, 12, 31)
    assert id_number_birth_date("440524188001010014", today=TODAY) == dt.date(1880, 1, 1)
    assert id_number_sex("11010519491231002X", today=TODAY) == "female"  # sequence 002
    assert id_number_sex("360426199101010071", today=TODAY) == "male"  # sequence 007
    assert id_check_character("11010519491231002") == "X"
    assert id_check_character("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("１１０１０５\u300019491231002Ｘ", "11010519491231002X"),
        ("\t440524188001010014\n", "440524188001010014"),
    ],
)
def test_id_number_normalisation(raw: str, expected: str) -> None:
    assert normalize_id_number(raw) == expected
    assert validate_id_number(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("number", "code", "fragment"),
    [
        ("11010519491231002", "length", "长度应为18位，实际为17位 (length must be 18, got 17)"),
        ("11010519491231002X1", "length", "got 19"),
        ("", "length", "got 0"),
        ("1101051949123100AX", "charset", "digits"),
        ("11010519491231002Y", "charset", "digit or X"),
        ("①1010519491231002X", "charset", "digits"),  # look-alike is not a digit
        ("٣١٠١٠٥19491231002X", "charset", "digits"),  # Arabic-Indic digits too
        ("99010519491231002X", "province", "99"),
        ("01010519491231002X", "province", "01"),
        ("11010519990230002X", "birth_date", "出生日期无效 (invalid birth date 19990230)"),
        ("11010519491331002X", "birth_date", "invalid birth date 19491331"),
        ("11010520991231002X", "birth_date", "in the future"),
        ("11010517991231002X", "birth_date", "before 1800-01-01"),
        ("110105194912310021", "check_digit", "校验码错误，应为X (check character should be X)"),
    ],
)
def test_id_number_problems(number: str, code: str, fragment: str) -> None:
    with pytest.raises(ValidationProblem) as info:
        validate_id_number(number, today=TODAY)
    assert info.value.code == code
    assert fragment in info.value.message
    assert str(info.value) == info.value.message
    assert isinstance(info.value, ValueError)


def test_id_birth_date_today_bound() -> None:
    first17 = "11010520250601001"
    number = first17 + id_check_character(first17)
    assert validate_id_number(number, today=TODAY) == number
    assert problem_code(validate_id_number, number, today=TODAY - dt.timedelta(days=1)) == (
        "birth_date"
    )
    # Without ``today`` the current date applies: 2025 is in the past by now.
    assert validate_id_number(number) == number


def test_id_helpers_reject_invalid_numbers() -> None:
    assert problem_code(id_number_birth_date, "110105194912310021") == "check_digit"
    assert problem_code(id_number_sex, "1101051949") == "length"
    assert problem_code(id_check_character, "1101051949123100") == "length"
    assert problem_code(id_check_character, "1101051949123100X") == "charset"


def test_id_and_uscc_reject_non_strings() -> None:
    with pytest.raises(TypeError):
        validate_id_number(11010519491231002)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        validate_uscc(None)  # type: ignore[arg-type]


def test_mask_id_number() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("１１０１０５１９４９１２３１００２ｘ") == "110105********002X"
    assert mask_id_number("110105194912310") == "*" * 15  # old 15-digit number
    assert mask_id_number("") == ""


@st.composite
def id_first17(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCES))
    rest_of_address = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=ID_NUMBER_MIN_BIRTH_DATE, max_value=TODAY))
    sequence = draw(st.integers(0, 999))
    return f"{province:02d}{rest_of_address:04d}{born:%Y%m%d}{sequence:03d}"


valid_id_numbers = id_first17().map(lambda first17: first17 + id_check_character(first17))


@given(id_first17())
def test_any_valid_id_prefix_with_its_check_character_validates(first17: str) -> None:
    number = first17 + id_check_character(first17)
    assert validate_id_number(number, today=TODAY) == number
    assert validate_id_number(number.lower(), today=TODAY) == number
    born = id_number_birth_date(number, today=TODAY)
    assert f"{born:%Y%m%d}" == first17[6:14]
    assert id_number_sex(number, today=TODAY) == ("male" if int(first17[16]) % 2 else "female")


@settings(max_examples=50)
@given(valid_id_numbers)
def test_id_single_substitution_is_always_detected(number: str) -> None:
    """MOD 11-2 detects every single-character substitution."""
    for position in range(18):
        allowed = DIGITS if position < 17 else DIGITS + "X"
        for replacement in allowed:
            if replacement == number[position]:
                continue
            changed = number[:position] + replacement + number[position + 1 :]
            assert id_check_character(changed[:17]) != changed[17]
            with pytest.raises(ValidationProblem):
                validate_id_number(changed, today=TODAY)


@given(valid_id_numbers)
def test_id_masking_never_reveals_the_birth_date(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[6:14] == "*" * 8
    assert masked[:6] == number[:6] and masked[14:] == number[14:]
    assert number[6:14] not in masked


@given(st.text(alphabet=DIGITS + "Xx ０１２３４５６７８９", max_size=25))
def test_id_masking_of_any_text_hides_birth_positions(raw: str) -> None:
    masked = mask_id_number(raw)
    normalised = normalize_id_number(raw)
    assert len(masked) == len(normalised)
    assert set(masked[6:14]) <= {"*"}


# --------------------------------------------------------------------------
# Unified social credit code


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43"])
def test_known_valid_usccs(code: str) -> None:
    assert validate_uscc(code) == code
    assert uscc_check_character(code[:17]) == code[17]


def test_uscc_first_two_characters_may_be_letters() -> None:
    for start in ("N2", "Y1", "A1"):
        first17 = start + "110000MA0000001"
        code = first17 + uscc_check_character(first17)
        assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91110000600037341l", "91110000600037341L"),
        ("9135 0100 M000 100Y 43", "91350100M000100Y43"),
        ("９１３５０１００ｍ０００１００ｙ４３", "91350100M000100Y43"),
        ("\u300091110000600037341Ｌ", "91110000600037341L"),
    ],
)
def test_uscc_normalisation(raw: str, expected: str) -> None:
    assert normalize_uscc(raw) == expected
    assert validate_uscc(raw) == expected


@pytest.mark.parametrize(
    ("code", "problem", "fragment"),
    [
        ("91110000600037341", "length", "长度应为18位，实际为17位 (length must be 18, got 17)"),
        ("91350100M000100Y4300", "length", "got 20"),
        ("91350100M000I00Y43", "charset", "'I'"),
        ("91350100MOOS00VZ43", "charset", "'OSVZ'"),
        ("91350100M000100Y4-", "charset", "'-'"),
        ("9135A100M000100Y43", "region", "'35A100'"),
        ("91110000600037341M", "check_digit", "校验码错误，应为L (check character should be L)"),
    ],
)
def test_uscc_problems(code: str, problem: str, fragment: str) -> None:
    with pytest.raises(ValidationProblem) as info:
        validate_uscc(code)
    assert info.value.code == problem
    assert fragment in info.value.message


def test_uscc_check_character_rejects_bad_input() -> None:
    assert problem_code(uscc_check_character, "9111000060003734") == "length"
    assert problem_code(uscc_check_character, "9111000060003734I") == "charset"


uscc_chars = st.sampled_from(USCC_ALPHABET)


@st.composite
def uscc_first17(draw: st.DrawFn) -> str:
    head = draw(st.text(uscc_chars, min_size=2, max_size=2))
    region = draw(st.text(st.sampled_from(DIGITS), min_size=6, max_size=6))
    subject = draw(st.text(uscc_chars, min_size=9, max_size=9))
    return head + region + subject


valid_usccs = uscc_first17().map(lambda first17: first17 + uscc_check_character(first17))


@given(uscc_first17())
def test_any_valid_uscc_prefix_with_its_check_character_validates(first17: str) -> None:
    code = first17 + uscc_check_character(first17)
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


@settings(max_examples=30)
@given(valid_usccs)
def test_uscc_single_substitution_is_always_detected(code: str) -> None:
    """MOD 31 (31 prime, weights non-zero) detects every single substitution."""
    for position in range(18):
        for replacement in USCC_ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            assert uscc_check_character(changed[:17]) != changed[17]
            with pytest.raises(ValidationProblem):
                validate_uscc(changed)


# --------------------------------------------------------------------------
# Mobile numbers


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+8613800138000",
        "+86 138 0013 8000",
        "8613800138000",
        "008613800138000",
        "0086-138-0013-8000",
        "138-0013-8000",
        "＋８６ １３８００１３８０００",
        "\u300013800138000",
    ],
)
def test_mobile_normalisation(raw: str) -> None:
    assert normalize_mobile(raw) == "13800138000"
    assert validate_mobile(raw) == "13800138000"


@pytest.mark.parametrize("second", "3456789")
def test_mobile_accepts_every_segment(second: str) -> None:
    number = f"1{second}912345678"
    assert validate_mobile(number) == number


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ("1380013800", "length", "长度应为11位，实际为10位 (length must be 11, got 10)"),
        ("138001380001", "length", "got 12"),
        ("+86138001380", "length", "got 9"),
        ("", "length", "got 0"),
        ("1380013800a", "charset", "'a'"),
        ("(138)00138000", "charset", "'()'"),
        ("+1 2025550123", "charset", "'+'"),
        ("12800138000", "prefix", "got 12"),
        ("23800138000", "prefix", "got 23"),
        ("86800138000", "prefix", "got 86"),  # 11 digits: 86 is not a country prefix
    ],
)
def test_mobile_problems(raw: str, code: str, fragment: str) -> None:
    with pytest.raises(ValidationProblem) as info:
        validate_mobile(raw)
    assert info.value.code == code
    assert fragment in info.value.message


def test_mask_mobile() -> None:
    assert mask_mobile("13800138000") == "138****8000"
    assert mask_mobile("+86 138-0013-8000") == "138****8000"
    assert mask_mobile("1380013") == "*******"


@given(st.sampled_from("3456789"), st.text(st.sampled_from(DIGITS), min_size=9, max_size=9))
def test_any_mobile_number_round_trips_with_prefixes(second: str, rest: str) -> None:
    number = "1" + second + rest
    for raw in (number, "+86" + number, "86" + number, "0086 " + number):
        assert validate_mobile(raw) == number
    masked = mask_mobile(number)
    assert masked == number[:3] + "****" + number[7:]
