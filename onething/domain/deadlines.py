"""Due dates of a case (办理时限): one pure function from the facts of the case.

A case's two due dates — promised (承诺办结日期) and statutory (法定办结日期) —
follow from:

* the day it was accepted (受理之日), which is not counted (期间开始之日不计算在内);
* the promised and statutory limits of its matter: N working days (工作日,
  《行政许可法》第八十二条), N natural days (自然日), or instant (即办);
* periods that do not count (不计算在期限内的期间): a correction after acceptance
  (补正) and the procedures of 《行政许可法》第四十五条 (听证、招标、拍卖、检验、
  检测、检疫、鉴定、专家评审) and a 公示 period. The day a period begins still
  counts; the days after it, up to and including the day it ends, do not. A period
  still open is counted as ending ``today`` (the dates then show the earliest the
  case can be due; the pages say 暂停计时 instead);
* extensions (延期, 第四十二条): the days granted, added to both limits — the
  statutory one in its own unit, the promised one in working days;
* the working-day calendar. When a day the result depends on lies in a year whose
  holiday notice has not been entered, and the calendar is provisional, the date is
  flagged provisional (暂定).

A date that falls on a day off moves to the next working day that counts (a
natural-day limit ending on a holiday, 即办 on a Sunday). Nothing here touches a
database: the service layer (``onething.applications.clock``) reads the rows and
stores what :func:`due_dates` answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from onething.domain.calendar import WorkingDayCalendar, WorkingDayResult
from onething.domain.catalog import ExtensionRule, TimeLimit


class SuspensionKind(StrEnum):
    """Why the clock stands still (中止计时 / 不计算在期限内)."""

    CORRECTION = "correction"  # 补正: opened by request_correction, closed by resubmit
    HEARING = "hearing"  # 听证
    TENDER = "tender"  # 招标
    AUCTION = "auction"  # 拍卖
    INSPECTION = "inspection"  # 检验
    TESTING = "testing"  # 检测
    QUARANTINE = "quarantine"  # 检疫
    APPRAISAL = "appraisal"  # 鉴定
    EXPERT_REVIEW = "expert_review"  # 专家评审
    PUBLIC_NOTICE = "public_notice"  # 公示
    # 容缺受理: accepted with secondary materials owed; from acceptance until they are
    # supplied (supply_materials closes it) the applicant holds the file.
    PENDING_MATERIALS = "pending_materials"


SUSPENSION_LABELS: dict[SuspensionKind, str] = {
    SuspensionKind.CORRECTION: "补正",
    SuspensionKind.HEARING: "听证",
    SuspensionKind.TENDER: "招标",
    SuspensionKind.AUCTION: "拍卖",
    SuspensionKind.INSPECTION: "检验",
    SuspensionKind.TESTING: "检测",
    SuspensionKind.QUARANTINE: "检疫",
    SuspensionKind.APPRAISAL: "鉴定",
    SuspensionKind.EXPERT_REVIEW: "专家评审",
    SuspensionKind.PUBLIC_NOTICE: "公示",
    SuspensionKind.PENDING_MATERIALS: "容缺材料补齐",
}

_ARTICLE_45 = "《中华人民共和国行政许可法》第四十五条"
#: The legal basis recorded with a period when the reviewer names no more specific one.
SUSPENSION_BASIS: dict[SuspensionKind, str] = {
    **{kind: _ARTICLE_45 for kind in SuspensionKind},
    SuspensionKind.CORRECTION: "《中华人民共和国行政许可法》第三十二条（一次性告知补正，"
                               "补正期间不计入办理时限）",
    SuspensionKind.PUBLIC_NOTICE: "法律、法规、规章规定的公示期（公示期间不计入办理时限）",
    SuspensionKind.PENDING_MATERIALS: "容缺受理（国发〔2024〕3号）：补齐容缺材料期间不计入办理时限",
}

#: The kinds a reviewer opens with the ``suspend`` action (特别程序); a correction is
#: opened by ``request_correction`` and closed by the applicant's ``resubmit``.
SPECIAL_PROCEDURES = frozenset(SuspensionKind) - {SuspensionKind.CORRECTION,
                                                  SuspensionKind.PENDING_MATERIALS}


@dataclass(frozen=True)
class Period:
    """A period that does not count: from ``start`` to ``end`` (None: still open)."""

    start: dt.date
    end: dt.date | None = None

    def closed(self, today: dt.date | None) -> tuple[dt.date, dt.date]:
        if self.end is not None:
            return self.start, max(self.end, self.start)
        if today is None:
            raise ValueError("an open period needs today's date")
        return self.start, max(today, self.start)


@dataclass(frozen=True)
class DueDates:
    promised: WorkingDayResult
    statutory: WorkingDayResult
    paused: bool = False  # a period is still open: the clock stands still (暂停计时)


def due_dates(accepted_on: dt.date, *, promised: TimeLimit, statutory: TimeLimit,
              calendar: WorkingDayCalendar, suspensions: Iterable[Period] = (),
              extension_days: int = 0, today: dt.date | None = None) -> DueDates:
    """The promised and statutory due dates of a case accepted on ``accepted_on``.

    ``today`` is needed only while a period is open (it is counted up to today).
    Raises ``CalendarDataMissing`` for an unknown year unless ``calendar`` is
    provisional.
    """
    if extension_days < 0:
        raise ValueError("extension_days must not be negative")
    periods = sorted(p.closed(today) for p in suspensions)
    paused = any(p.end is None for p in suspensions)
    return DueDates(
        promised=_end(accepted_on, promised, extension_days, periods, calendar),
        statutory=_end(accepted_on, statutory, extension_days, periods, calendar),
        paused=paused,
    )


def _end(start: dt.date, limit: TimeLimit, extra: int,
         periods: list[tuple[dt.date, dt.date]], calendar: WorkingDayCalendar
         ) -> WorkingDayResult:
    """Count ``limit`` (+ ``extra``) from ``start``, skipping the days periods cover."""

    def covered(day: dt.date) -> bool:
        return any(begin < day <= end for begin, end in periods)

    natural = limit.unit == "days"
    days = (0 if limit.is_instant else limit.days) + extra
    guessed = False
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if covered(day):
            continue
        if natural:
            counted += 1
            continue
        working, g = calendar.check_day(day)
        guessed |= g
        if working:
            counted += 1
    # The last day must be a working day that counts (即办 on a day off; a natural-day
    # limit ending on a holiday ends on the next working day).
    while True:
        working, g = calendar.check_day(day)
        guessed |= g
        if working and not covered(day):
            return WorkingDayResult(day, guessed)
        day += dt.timedelta(days=1)


# -- deemed acceptance (视为受理) -----------------------------------------------------


def acceptance_deadline(received_on: dt.date, limit_days: int,
                        calendar: WorkingDayCalendar) -> WorkingDayResult:
    """The last day to accept, refuse or ask for correction (《行政许可法》第三十二条)."""
    return calendar.add_working_days(received_on, limit_days)


def is_deemed_accepted(received_on: dt.date, limit_days: int | None, today: dt.date,
                       calendar: WorkingDayCalendar) -> bool:
    """True once the acceptance limit has passed with the application still untouched:
    it then counts as accepted as of ``received_on`` (逾期不告知的，自收到申请材料之日起
    即为受理)."""
    if limit_days is None:
        return False
    return today > acceptance_deadline(received_on, limit_days, calendar).day


# -- extensions (延期) ------------------------------------------------------------------


class ExtensionRefused(ValueError):
    """An extension the matter's rule does not allow; the message is 中文 (English)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def check_extension(rule: ExtensionRule, *, days: int, already: int, reason: str,
                    approved_by: str) -> None:
    """Raise :class:`ExtensionRefused` unless ``rule`` allows ``days`` more.

    ``already`` is what earlier extensions of the case granted: together they stay
    within ``rule.max_days`` (第四十二条: 十日).
    """
    if rule.max_days <= 0:
        raise ExtensionRefused("days", "本事项不适用延期 (this matter's limits cannot be "
                                       "extended)")
    if days <= 0:
        raise ExtensionRefused("days", "延长天数应为正整数 (days must be a positive number)")
    left = rule.max_days - already
    if days > left:
        raise ExtensionRefused(
            "days", f"延长期限累计不得超过{rule.max_days}日，本件还可延长{max(left, 0)}日 "
                    f"(extensions may add at most {rule.max_days} days in all; "
                    f"{max(left, 0)} left)")
    if rule.reason_required and not reason.strip():
        raise ExtensionRefused("reason", "延期必须写明理由，并告知申请人 (an extension needs "
                                         "a reason, told to the applicant)")
    if rule.approval == "head" and not approved_by.strip():
        raise ExtensionRefused("approved_by", "延期须经本行政机关负责人批准，请填写批准人 "
                                              "(name the head who approved the extension)")
