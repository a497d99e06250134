"""Validators for the identifiers applicants type in: resident ID, USCC, mobile;
and for any text or number that crosses the boundary (hostile input).

Pure Python, no Django: forms, the API and the catalogue loader all call these
and turn a :class:`ValidationProblem` into their own error shape.

* 居民身份证号码 (resident ID number), GB 11643-1999, check character
  ISO 7064 MOD 11-2.
* 统一社会信用代码 (unified social credit code, USCC), GB 32100-2015, check
  character MOD 31.
* 中国大陆手机号码 (mainland mobile number), 11 digits.

Each ``validate_*`` function normalises its input first (see the matching
``normalize_*``) and returns the normalised value, or raises
:class:`ValidationProblem` with a machine ``code`` and a message in Chinese
followed by English.

:func:`check_text` refuses characters no form or API field may hold (NUL and
other C0/C1 control characters, lone UTF-16 surrogates); :func:`check_number`
refuses NaN, infinities, exponents and absurd magnitudes and applies the
catalogue's bounds. The request middleware, the API's JSON parser, the form
checker and the register importer all call them.

Personal data is masked in lists and logs with :func:`mask_id_number` and
:func:`mask_mobile`; messages raised here never repeat a whole number.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "ID_NUMBER_MIN_BIRTH_DATE",
    "MAX_NUMBER_DIGITS",
    "USCC_ALPHABET",
    "ValidationProblem",
    "check_number",
    "check_structure",
    "check_text",
    "id_check_character",
    "id_number_birth_date",
    "id_number_sex",
    "mask_id_number",
    "mask_mobile",
    "normalize_id_number",
    "normalize_mobile",
    "normalize_uscc",
    "replace_unsafe",
    "uscc_check_character",
    "validate_id_number",
    "validate_mobile",
    "validate_uscc",
]

_SHANGHAI = ZoneInfo("Asia/Shanghai")


class ValidationProblem(ValueError):
    """An identifier failed validation.

    ``code`` is stable and meant for programs (``"length"``, ``"charset"``,
    ``"province"``, ``"birth_date"``, ``"region"``, ``"prefix"``,
    ``"check_digit"``); ``message`` is for people, Chinese first, English after.
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


# --------------------------------------------------------------------------
# Normalisation shared by all three

# Full-width ASCII forms U+FF01..U+FF5E map to U+0021..U+007E. Done by hand
# rather than with NFKC so that look-alikes such as circled digits (①) or
# superscripts stay invalid instead of silently becoming digits.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def _to_ascii(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    return value.translate(_FULL_WIDTH)


def _strip_spaces(value: str) -> str:
    # str.split() without arguments also splits on U+3000 (ideographic space).
    return "".join(value.split())


def _check_length(value: str, expected: int) -> None:
    if len(value) != expected:
        raise ValidationProblem(
            "length",
            f"长度应为{expected}位，实际为{len(value)}位 "
            f"(length must be {expected}, got {len(value)})",
        )


def _bad_characters(value: str, allowed: str) -> str:
    bad = dict.fromkeys(ch for ch in value if ch not in allowed)
    return "".join(bad)


_DIGITS = "0123456789"

# --------------------------------------------------------------------------
# 居民身份证号码, GB 11643-1999

# 2^(18-i) mod 11 for positions i = 1..17.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Index: S mod 11; value: the check character.
_ID_CHECK = "10X98765432"

# GB/T 2260 province-level prefixes, including 71 台湾, 81 香港, 82 澳门.
# Only the province is checked: the full address code may belong to a county
# that has since been merged or renamed, and such numbers stay valid for life.
_ID_PROVINCES = frozenset(
    f"{n:02d}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
    )
)

#: Earliest birth date accepted. Numbers were issued to people born in the
#: 19th century (the standard's own examples include one born in 1880).
ID_NUMBER_MIN_BIRTH_DATE = dt.date(1800, 1, 1)


def normalize_id_number(value: str) -> str:
    """Normalise a resident ID number (GB 11643-1999) without validating it.

    Removes whitespace (including the ideographic space), turns full-width
    digits and letters into ASCII and upper-cases the check character ``x``.
    """
    return _strip_spaces(_to_ascii(value)).upper()


def id_check_character(first17: str) -> str:
    """Return the check character for the first 17 digits of a resident ID.

    ISO 7064 MOD 11-2 as specified in GB 11643-1999: S = Σ aᵢ·wᵢ with
    wᵢ = 2^(18−i) mod 11, and S mod 11 → ``1 0 X 9 8 7 6 5 4 3 2``.
    Raises :class:`ValidationProblem` unless given exactly 17 ASCII digits.
    """
    _check_length(first17, 17)
    bad = _bad_characters(first17, _DIGITS)
    if bad:
        raise ValidationProblem(
            "charset",
            f"前17位只能是数字，含有无效字符“{bad}” "
            f"(the first 17 characters must be digits, found {bad!r})",
        )
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _today() -> dt.date:
    return dt.datetime.now(_SHANGHAI).date()


def _parse_birth_date(text: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise ValidationProblem("birth_date", f"出生日期无效 (invalid birth date {text})") from None
    if born > today:
        raise ValidationProblem(
            "birth_date",
            f"出生日期{text}晚于今天 (birth date {text} is in the future)",
        )
    if born < ID_NUMBER_MIN_BIRTH_DATE:
        earliest = ID_NUMBER_MIN_BIRTH_DATE
        raise ValidationProblem(
            "birth_date",
            f"出生日期{text}早于{earliest.year}年 "
            f"(birth date {text} is before {earliest.isoformat()})",
        )
    return born


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Validate an 18-character resident ID number (GB 11643-1999).

    Checks, in order: length 18 (``length``); 17 digits then a digit or ``X``
    (``charset``); a GB/T 2260 province prefix (``province``); a real birth
    date between :data:`ID_NUMBER_MIN_BIRTH_DATE` and ``today`` (``birth_date``;
    ``today`` defaults to the current date in Asia/Shanghai); the MOD 11-2
    check character (``check_digit``). Returns the normalised number.

    The older 15-digit numbers and the 外国人永久居留身份证 (starting with 9)
    are not accepted.
    """
    number = normalize_id_number(value)
    _check_length(number, 18)
    id_check_character(number[:17])  # raises on non-digits
    if number[17] not in _DIGITS + "X":
        raise ValidationProblem(
            "charset",
            f"第18位只能是数字或X，实际为“{number[17]}” "
            f"(the 18th character must be a digit or X, got {number[17]!r})",
        )
    if number[:2] not in _ID_PROVINCES:
        raise ValidationProblem(
            "province",
            f"地址码的省级代码“{number[:2]}”不存在 "
            f"(no province with code {number[:2]} in GB/T 2260)",
        )
    _parse_birth_date(number[6:14], today if today is not None else _today())
    expected = id_check_character(number[:17])
    if number[17] != expected:
        raise ValidationProblem(
            "check_digit",
            f"校验码错误，应为{expected} (check character should be {expected})",
        )
    return number


def id_number_birth_date(value: str, *, today: dt.date | None = None) -> dt.date:
    """Return the birth date encoded in a resident ID number (GB 11643-1999).

    The number is validated first; :class:`ValidationProblem` if it is invalid.
    """
    number = validate_id_number(value, today=today)
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_number_sex(value: str, *, today: dt.date | None = None) -> Literal["male", "female"]:
    """Return the sex encoded in a resident ID number (GB 11643-1999).

    The 3-digit sequence code (positions 15–17) is odd for men and even for
    women. The number is validated first.
    """
    number = validate_id_number(value, today=today)
    return "male" if int(number[16]) % 2 else "female"


def mask_id_number(value: str) -> str:
    """Mask a resident ID number for lists and logs: ``110105********002X``.

    Keeps the address code (first 6) and the last 4 characters and hides the
    birth date. Never raises: anything that does not normalise to 18
    characters is masked completely, so a malformed number cannot leak a
    birth date either.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[14:]


# --------------------------------------------------------------------------
# 统一社会信用代码, GB 32100-2015

#: The 31 characters of GB 32100: digits and capitals without I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# 3^(i-1) mod 31 for positions i = 1..17.
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_uscc(value: str) -> str:
    """Normalise a unified social credit code (GB 32100-2015) without validating it.

    Removes whitespace, turns full-width characters into ASCII and upper-cases.
    """
    return _strip_spaces(_to_ascii(value)).upper()


def _check_uscc_charset(code: str) -> None:
    bad = _bad_characters(code, USCC_ALPHABET)
    if bad:
        raise ValidationProblem(
            "charset",
            f"含有无效字符“{bad}”，只能使用数字和除I、O、S、V、Z以外的大写字母 "
            f"(invalid characters {bad!r}: only digits and capitals except I O S V Z)",
        )


def uscc_check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC.

    GB 32100-2015: C = 31 − (Σ valueᵢ·wᵢ mod 31) with wᵢ = 3^(i−1) mod 31,
    31 becomes 0, rendered in :data:`USCC_ALPHABET`. Raises
    :class:`ValidationProblem` unless given 17 characters of that alphabet.
    """
    _check_length(first17, 17)
    _check_uscc_charset(first17)
    total = sum(_USCC_VALUE[ch] * weight for ch, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Validate a unified social credit code (GB 32100-2015).

    Checks, in order: length 18 (``length``); the GB 32100 alphabet
    (``charset``); digits in positions 3–8, the GB/T 2260 region code
    (``region``); the MOD 31 check character (``check_digit``). Returns the
    normalised code.

    The first two characters (registering authority and entity type) are not
    restricted to digits: codes such as ``N…`` (农村集体经济组织) and ``Y…`` exist.
    """
    code = normalize_uscc(value)
    _check_length(code, 18)
    _check_uscc_charset(code)
    region = code[2:8]
    if not region.isdigit():
        raise ValidationProblem(
            "region",
            f"第3至8位应为行政区划代码（6位数字），实际为“{region}” "
            f"(characters 3-8 must be a 6-digit region code, got {region!r})",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationProblem(
            "check_digit",
            f"校验码错误，应为{expected} (check character should be {expected})",
        )
    return code


# --------------------------------------------------------------------------
# 中国大陆手机号码

_MOBILE_SEPARATORS = re.compile(r"[\s\-]+")
_COUNTRY_PREFIXES = ("+86", "0086")


def normalize_mobile(value: str) -> str:
    """Normalise a mainland mobile number without validating it.

    Turns full-width characters into ASCII, removes whitespace and hyphens and
    drops a ``+86``, ``0086`` or (before 11 more digits) ``86`` country prefix.
    """
    number = _MOBILE_SEPARATORS.sub("", _to_ascii(value))
    for prefix in _COUNTRY_PREFIXES:
        if number.startswith(prefix):
            return number[len(prefix) :]
    # A bare 86 is a prefix only when 11 digits follow: no mobile number
    # itself starts with 8.
    if number.startswith("86") and len(number) == 13:
        return number[2:]
    return number


def validate_mobile(value: str) -> str:
    """Validate a mainland China mobile number and return its 11 digits.

    Checks, in order: digits only (``charset``); 11 digits (``length``); a
    leading ``1`` followed by 3–9, the mobile number segments of the
    MIIT numbering plan (``prefix``).
    """
    number = normalize_mobile(value)
    bad = _bad_characters(number, _DIGITS)
    if bad:
        raise ValidationProblem(
            "charset",
            f"手机号码只能包含数字，含有无效字符“{bad}” "
            f"(a mobile number may contain only digits, found {bad!r})",
        )
    _check_length(number, 11)
    if number[0] != "1" or number[1] not in "3456789":
        raise ValidationProblem(
            "prefix",
            f"手机号码应以13至19开头，实际为{number[:2]} "
            f"(a mobile number must start with 13-19, got {number[:2]})",
        )
    return number


def mask_mobile(value: str) -> str:
    """Mask a mobile number for lists and logs: ``138****8000``.

    Never raises: anything that does not normalise to 11 characters is masked
    completely.
    """
    number = normalize_mobile(value)
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[7:]


# --------------------------------------------------------------------------
# Hostile input: text and numbers at the boundary

# C0 controls, DEL, C1 controls and UTF-16 surrogate code points. A lone
# surrogate (JSON "\ud800") cannot be encoded as UTF-8: once stored it breaks
# every page that shows it; PostgreSQL refuses NUL in text and JSON outright.
_UNSAFE_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Tab, line feed and carriage return are part of multi-line text.
_UNSAFE_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(value: str, *, multiline: bool = False) -> str:
    """Return ``value`` unchanged unless it holds a character no field may hold.

    Raises :class:`ValidationProblem` with code ``surrogate`` for a lone UTF-16
    surrogate (U+D800–U+DFFF) and ``control_character`` for NUL and the other
    C0/C1 control characters (U+0000–U+001F, U+007F–U+009F); with
    ``multiline`` tab, line feed and carriage return are allowed.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    found = (_UNSAFE_MULTILINE if multiline else _UNSAFE_SINGLE_LINE).search(value)
    if found is None:
        return value
    char = found.group()
    point = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        raise ValidationProblem(
            "surrogate",
            f"含有无效的 Unicode 代理字符 {point} (lone surrogate {point} is not allowed)",
        )
    raise ValidationProblem(
        "control_character",
        f"含有不允许的控制字符 {point} (control character {point} is not allowed)",
    )


def replace_unsafe(value: object) -> object:
    """``value`` with every character :func:`check_text` refuses in multi-line
    text replaced by U+FFFD, in strings, keys and nested lists and mappings.

    For data stored before the boundary checked it: a page shows the
    replacement character instead of failing to encode a lone surrogate.
    """
    if isinstance(value, str):
        return _UNSAFE_MULTILINE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {replace_unsafe(k): replace_unsafe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_unsafe(item) for item in value]
    return value


def check_structure(value: object, *, multiline: bool = True, depth: int = 0) -> None:
    """:func:`check_text` on every string, key or value, of decoded JSON.

    Raises :class:`ValidationProblem` (``nesting`` beyond 32 levels, or the
    text codes) naming where the bad string is in the problem's message.
    """
    if depth > 32:
        raise ValidationProblem("nesting", "嵌套层次过深 (nested too deeply)")
    if isinstance(value, str):
        check_text(value, multiline=multiline)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(str(key), multiline=False)
            check_structure(item, multiline=multiline, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_structure(item, multiline=multiline, depth=depth + 1)


#: Digits allowed before the decimal point: enough for any real quantity
#: (a billion square metres has 10), few enough that no float or column overflows.
MAX_NUMBER_DIGITS = 15
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+)(?:\.(\d+))?$")


def _plain(number: decimal.Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_number(
    value: str,
    *,
    minimum: decimal.Decimal | int | float | None = None,
    maximum: decimal.Decimal | int | float | None = None,
    decimals: int | None = None,
) -> decimal.Decimal:
    """Parse a number typed in a form and check it against its bounds.

    Only plain decimal notation is accepted (``12``, ``-3``, ``45.5``;
    full-width digits are turned into ASCII): ``NaN``, ``Infinity``, exponents
    such as ``1e999`` and hexadecimal are refused (``not_a_number``), so are
    more than :data:`MAX_NUMBER_DIGITS` digits before the point (``magnitude``).
    ``decimals`` is the most digits allowed after the point, 0 for a whole
    number (``decimals``); ``minimum`` and ``maximum`` are inclusive
    (``minimum``, ``maximum``). Returns the number as a ``Decimal``.
    """
    text = _strip_spaces(_to_ascii(str(value)))
    found = _PLAIN_NUMBER.match(text)
    if found is None:
        raise ValidationProblem("not_a_number", "应为数字 (must be a number, e.g. 12 or 45.5)")
    whole, fraction = found.group(1), found.group(2) or ""
    if len(whole.lstrip("0")) > MAX_NUMBER_DIGITS:
        raise ValidationProblem("magnitude", "数值过大 (number too large)")
    if decimals is not None and len(fraction.rstrip("0")) > decimals:
        if decimals == 0:
            raise ValidationProblem("decimals", "应为整数 (must be a whole number)")
        raise ValidationProblem(
            "decimals", f"最多 {decimals} 位小数 (at most {decimals} decimal places)")
    number = decimal.Decimal(text)
    if minimum is not None and number < decimal.Decimal(str(minimum)):
        low = _plain(decimal.Decimal(str(minimum)))
        raise ValidationProblem("minimum", f"不能小于 {low} (must be at least {low})")
    if maximum is not None and number > decimal.Decimal(str(maximum)):
        high = _plain(decimal.Decimal(str(maximum)))
        raise ValidationProblem("maximum", f"不能大于 {high} (must be at most {high})")
    return number
