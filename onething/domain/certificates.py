"""Certificate rules (电子证照规则), pure: validity terms and assigned codes.

* ``Validity`` — a certificate type's validity rule from the catalogue: long-term
  (长期), a fixed term from the day of issue (e.g. 健康证明 one year), or until a
  date the issuing register records (the reviewer enters it with the decision).
* ``assigned_uscc`` — the unified social credit code (统一社会信用代码, GB 32100-2015)
  the registration authority assigns from its serial number: registration
  authority 9 (市场监督管理), entity category, the GB/T 2260 region code, the
  organisation code (GB 11714: ``MA`` + six serial characters + its check
  character) and the MOD 31 check character.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from onething.domain.validators import USCC_ALPHABET, uscc_check_character

LONG_TERM, FIXED_TERM, REGISTER = "long-term", "fixed-term", "register"
VALIDITY_KINDS: dict[str, str] = {LONG_TERM: "长期", FIXED_TERM: "固定期限",
                                  REGISTER: "以登记的日期为准"}
HOLDER_KINDS: dict[str, str] = {"person": "个人", "organisation": "单位"}
LAYOUTS: dict[str, str] = {"certificate": "证明", "licence": "执照"}
# Where a certificate field's value comes from.
FIELD_SOURCES: dict[str, str] = {
    "form": "申请表",
    "result": "审批结果",
    "assigned-uscc": "登记机关赋码",
    "issue-date": "签发日期",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Validity:
    """When a certificate stops being valid (``until`` gives its last valid day)."""

    kind: str = LONG_TERM
    years: int = 0
    months: int = 0
    days: int = 0

    def until(self, issued_on: dt.date, registered: dt.date | None = None) -> dt.date | None:
        """The 有效期至 date: None for long-term; a fixed term ends on the same calendar
        day after the term (issued 2026-03-01, one year: 2027-03-01; 29 February moves
        to 28 February); a register rule takes the registered date (None if absent)."""
        if self.kind == FIXED_TERM:
            return add_months(issued_on, self.years * 12 + self.months) + dt.timedelta(
                days=self.days)
        if self.kind == REGISTER:
            return registered
        return None

    def describe(self) -> str:
        if self.kind == FIXED_TERM:
            parts = [f"{n}{unit}" for n, unit in ((self.years, "年"), (self.months, "个月"),
                                                  (self.days, "日")) if n]
            return "自签发之日起" + "".join(parts)
        return VALIDITY_KINDS.get(self.kind, self.kind)


# GB 11714-1997 organisation code: eight body characters, one check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SERIAL_ALPHABET = USCC_ALPHABET  # 31 characters: no I, O, S, V, Z
SERIAL_LENGTH = 6
SERIAL_CAPACITY = len(_SERIAL_ALPHABET) ** SERIAL_LENGTH


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def organisation_code(serial: int) -> str:
    """The nine-character organisation code for register serial ``serial`` (≥ 1)."""
    if not 1 <= serial < SERIAL_CAPACITY:
        raise ValueError(f"serial {serial} out of range")
    chars = []
    n = serial
    for _ in range(SERIAL_LENGTH):
        n, r = divmod(n, len(_SERIAL_ALPHABET))
        chars.append(_SERIAL_ALPHABET[r])
    body = "MA" + "".join(reversed(chars))
    check = 11 - sum(_org_value(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


# Entity category (GB 32100 第2位) of a registration by the market regulator.
_CATEGORY = {"个体工商户": "2"}


def assigned_uscc(serial: int, region_code: str, entity_type: str = "") -> str:
    """The USCC for register serial ``serial`` in ``region_code`` (six digits)."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError(f"region code {region_code!r} is not six digits")
    first17 = "9" + _CATEGORY.get(entity_type, "1") + region_code + organisation_code(serial)
    return first17 + uscc_check_character(first17)
