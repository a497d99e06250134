"""Automatic decisions (秒批 / 无感审批): pure rules, no Django.

A matter may declare in the catalogue that it is decided automatically when
named checks pass (``auto_decision: {checks: [...]}``). Each check is a small
function registered here under a stable name; it looks at the applicant
(``Subject``) and at data the platform holds (``Facts``: registers loaded by
the owning departments) and says *pass* or *refer to a person*, with a reason
in Chinese and the data the result should certify.

A check never refuses: when it cannot approve, the case goes to the
department's queue as usual and a reviewer decides (a person says no, a rule
only says yes). The registry is closed: the catalogue can only name checks
that exist here, and ``onething catalog check`` reports any other name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from onething.domain.identity import (
    DEFAULT_AUTO_DECISION_LEVEL,
    AssuranceLevel,
    assurance_gate,
    level_label,
)
from onething.domain.validators import ValidationProblem, validate_id_number

# 险种: contribution kinds in the social-insurance register.
INSURANCE_KINDS: dict[str, str] = {
    "pension": "养老保险",
    "medical": "医疗保险",
    "unemployment": "失业保险",
    "injury": "工伤保险",
    "maternity": "生育保险",
}


@dataclass(frozen=True)
class Subject:
    """Who the decision is about: the applicant as the platform knows them.

    ``assurance`` is the account's identity assurance level (L1–L3); the ID
    number is only as trustworthy as that level says.
    """

    name: str
    id_number: str
    form: Mapping[str, str] = field(default_factory=dict)
    assurance: int = AssuranceLevel.L1


@dataclass(frozen=True)
class CriminalRecordFact:
    judgment_date: dt.date
    offence: str
    court: str = ""


@dataclass(frozen=True)
class ContributionFact:
    insurance: str  # a key of INSURANCE_KINDS
    month: str  # YYYY-MM
    amount_fen: int
    employer: str = ""


class Facts(Protocol):
    """What the platform holds; the Django side answers from its registers."""

    def register_loaded(self, register: str) -> bool: ...

    def criminal_records(self, id_number: str) -> Sequence[CriminalRecordFact]: ...

    def contributions(self, id_number: str) -> Sequence[ContributionFact]: ...


@dataclass(frozen=True)
class Outcome:
    check: str
    passed: bool
    reason: str  # what the applicant and the reviewer read
    result: Mapping[str, str] = field(default_factory=dict)  # certified data


@dataclass(frozen=True)
class Decision:
    approved: bool
    outcomes: tuple[Outcome, ...]

    @property
    def result(self) -> dict[str, str]:
        """The data the certificate carries, merged from every passed check."""
        merged: dict[str, str] = {}
        for outcome in self.outcomes:
            merged.update(outcome.result)
        return merged

    @property
    def reasons(self) -> list[str]:
        return [o.reason for o in self.outcomes if not o.passed]


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value or "")
    except (ValidationProblem, TypeError):
        return False
    return True


# How the data checks certify is labelled on certificates and notices.
RESULT_LABELS: dict[str, str] = {
    "finding": "查询结果",
    "purpose": "证明用途",
    "contributions": "参保缴费情况",
    "months": "最长缴费月数",
}

CheckFn = Callable[[Subject, Facts], Outcome]


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    run: CheckFn


CHECKS: dict[str, Check] = {}


def check(name: str, label: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check under ``name`` (what the catalogue refers to)."""

    def register(fn: CheckFn) -> CheckFn:
        if name in CHECKS:
            raise ValueError(f"check '{name}' registered twice")
        CHECKS[name] = Check(name, label, fn)
        return fn

    return register


class UnknownCheck(KeyError):
    pass


ASSURANCE = "assurance"


def decide(checks: Sequence[str], subject: Subject, facts: Facts, *,
           assurance: int = DEFAULT_AUTO_DECISION_LEVEL) -> Decision:
    """Run ``checks`` in order; approved only when every one passes.

    First the applicant's identity assurance must reach ``assurance`` (L2 at
    least: a rule never approves for a self-declared identity). Below it no
    check runs on the claimed ID number — a personal record is never read for
    someone who merely typed that number — and the case goes to a person.
    Otherwise every check runs even after one fails, so the reviewer who
    takes the case over sees all the reasons at once.
    """
    if not checks:
        raise ValueError("an automatic decision needs at least one check")
    for name in checks:
        if name not in CHECKS:
            raise UnknownCheck(name)
    required = max(int(assurance), int(DEFAULT_AUTO_DECISION_LEVEL))
    passed, reason = assurance_gate(subject.assurance, required)
    if not passed:
        return Decision(False, (Outcome(ASSURANCE, False, reason),))
    outcomes = []
    for name in checks:
        outcomes.append(CHECKS[name].run(subject, facts))
    return Decision(all(o.passed for o in outcomes), tuple(outcomes))


# -- the registry ------------------------------------------------------------


@check("identity-verified", "申请人身份已核验")
def identity_verified(subject: Subject, facts: Facts) -> Outcome:
    """The account's identity was matched against a real-name source (L2) or
    checked in person (L3); a valid check digit alone is not enough."""
    if (subject.assurance >= AssuranceLevel.L2 and subject.name.strip()
            and is_valid_id_number(subject.id_number)):
        return Outcome("identity-verified", True,
                       f"申请人身份已核验（L{int(subject.assurance)}，"
                       f"{level_label(subject.assurance)}）")
    return Outcome("identity-verified", False,
                   "申请人身份未经实名核验（需 L2 及以上），转人工核验身份")


CRIMINAL_REGISTER = "criminal-records"
CONTRIBUTION_REGISTER = "contributions"


@check("no-criminal-record", "犯罪记录库比对无记录")
def no_criminal_record(subject: Subject, facts: Facts) -> Outcome:
    if not facts.register_loaded(CRIMINAL_REGISTER):
        return Outcome("no-criminal-record", False,
                       "犯罪记录库尚未导入，需人工查询后出具")
    if not is_valid_id_number(subject.id_number):
        return Outcome("no-criminal-record", False, "缺少有效的居民身份证号码，无法比对")
    if facts.criminal_records(subject.id_number):
        # Never an automatic refusal: a reviewer looks at the record (it may
        # be outside what the certificate reports, e.g. a later acquittal).
        return Outcome("no-criminal-record", False,
                       "犯罪记录库中有与申请人身份证号码相符的记录，转人工审核")
    purpose = str(subject.form.get("certificate_purpose", "")).strip()
    result = {"finding": "经查询本地犯罪记录库，未发现申请人有犯罪记录"}
    if purpose:
        result["purpose"] = purpose
    return Outcome("no-criminal-record", True, "犯罪记录库比对无记录", result)


@check("social-insurance-contributions", "社会保险缴费记录")
def social_insurance_contributions(subject: Subject, facts: Facts) -> Outcome:
    if not facts.register_loaded(CONTRIBUTION_REGISTER):
        return Outcome("social-insurance-contributions", False,
                       "社保缴费记录尚未导入，需人工出具")
    records = facts.contributions(subject.id_number) if is_valid_id_number(
        subject.id_number) else ()
    if not records:
        return Outcome("social-insurance-contributions", False,
                       "未查到申请人的社保缴费记录，转人工核查")
    return Outcome("social-insurance-contributions", True, "已读取社保缴费记录",
                   summarise_contributions(records))


def summarise_contributions(records: Sequence[ContributionFact]) -> dict[str, str]:
    """险种、起止年月、缴费月数 per kind, as the 参保证明 states them."""
    by_kind: dict[str, set[str]] = {}
    for record in records:
        by_kind.setdefault(record.insurance, set()).add(record.month)
    lines = []
    for kind in INSURANCE_KINDS:
        months = sorted(by_kind.get(kind, ()))
        if months:
            lines.append(f"{INSURANCE_KINDS[kind]}：{months[0]} 至 {months[-1]}，"
                         f"缴费 {len(months)} 个月")
    return {"contributions": "；".join(lines),
            "months": str(max(len(m) for m in by_kind.values()))}
