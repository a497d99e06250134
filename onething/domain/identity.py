"""Identity assurance (实名认证等级): pure rules, no Django.

How sure the platform is that an account's person is who they claim:

* **L1** self-declared: a mobile number that received an SMS code, and a
  name and ID number typed by the user. The GB 11643 check character only
  catches typing errors; it proves nothing about the person.
* **L2** name and resident ID number matched against a real-name source
  (the police's resident register in the demo, a provincial 统一身份认证 /
  公安 identity service in production).
* **L3** checked in person: the ID card read by a reader at the kiosk, or
  the original seen by a window clerk (who is recorded).

Rules decide on the level, never on a check digit. A typed ID number is not
a card read: the kiosk raises an account to L3 only when its reader read a
card whose number is the account's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import IntEnum


class AssuranceLevel(IntEnum):
    L1 = 1
    L2 = 2
    L3 = 3


# What the applicant reads ("实名认证：未认证 / 已认证 / 已现场核验").
LEVEL_LABELS: dict[int, str] = {
    AssuranceLevel.L1: "未认证",
    AssuranceLevel.L2: "已认证",
    AssuranceLevel.L3: "已现场核验",
}

# How the level was reached (the evidence kept beside it).
EVIDENCE_LABELS: dict[str, str] = {
    "self-declared": "手机号码验证（本人填报）",
    "identity-source": "姓名与身份证号码经实名数据源核验",
    "kiosk-card-reader": "自助终端读取身份证",
    "window-original": "窗口工作人员查验身份证原件",
    "clerk-correction": "窗口工作人员更正身份信息",
    "demoted": "身份证号码已由本人到窗口另行核验，本账户实名认证已撤销",
}

# The level every automatic decision (秒批) needs unless its rule asks for more.
DEFAULT_AUTO_DECISION_LEVEL = AssuranceLevel.L2
# Materials waived because the identity was verified in person need L3.
WAIVER_LEVEL = AssuranceLevel.L3


def level_label(level: int) -> str:
    return LEVEL_LABELS.get(int(level), LEVEL_LABELS[AssuranceLevel.L1])


def parse_level(value: object) -> AssuranceLevel:
    """``2``, ``"2"``, ``"L2"`` or ``"l2"`` → AssuranceLevel.L2; ValueError otherwise."""
    text = str(value).strip().upper().removeprefix("L")
    if not text.isdigit() or int(text) not in {1, 2, 3}:
        raise ValueError(f"assurance level must be L1, L2 or L3, not {value!r}")
    return AssuranceLevel(int(text))


def normalise_name(name: str) -> str:
    """Names compare after NFKC (full-width letters, middle dots) without spaces.

    少数民族 names are written with a middle dot that appears as ·, • or ・.
    """
    text = unicodedata.normalize("NFKC", name or "")
    for dot in ("•", "・", "‧", "･"):
        text = text.replace(dot, "·")
    return "".join(text.split())


def names_match(a: str, b: str) -> bool:
    return bool(normalise_name(a)) and normalise_name(a) == normalise_name(b)


@dataclass(frozen=True)
class Verdict:
    """What a real-name source answered about a claim."""

    matched: bool
    reason: str  # Chinese, for the applicant and the clerk
    reason_code: str = ""  # stable: matched, not_found, name_mismatch, unavailable, …
    reference: str = ""  # the source's stable key, e.g. a 网号, when it returns one


def assurance_gate(level: int, required: int) -> tuple[bool, str]:
    """Whether an automatic decision may run for an applicant at ``level``.

    Below the level the case goes to a person with this reason (never an
    automatic approval).
    """
    if int(level) >= int(required):
        return True, f"申请人实名认证等级 L{int(level)}（{level_label(level)}）"
    return False, (f"申请人实名认证等级为 L{int(level)}（{level_label(level)}），"
                   f"本事项自动审批需要 L{int(required)}（{level_label(required)}）及以上，"
                   "转人工审核")
