"""Due dates from acceptance, limits, non-counting periods, extensions and the calendar
(onething.domain.deadlines), and the catalogue's acceptance and extension rules."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.domain.calendar import CalendarDataMissing, WorkingDayCalendar
from onething.domain.catalog import ExtensionRule, TimeLimit, read_catalog
from onething.domain.deadlines import (
    ExtensionRefused,
    Period,
    acceptance_deadline,
    check_extension,
    due_dates,
    is_deemed_accepted,
)

D = dt.date.fromisoformat
cal = WorkingDayCalendar()
provisional = WorkingDayCalendar(provisional=True)
WD = lambda n: TimeLimit("working_days", n)  # noqa: E731
NATURAL = lambda n: TimeLimit("days", n)  # noqa: E731
INSTANT = TimeLimit("instant")


def dates(start, promised, statutory, **kw):
    result = due_dates(D(start), promised=promised, statutory=statutory,
                       calendar=kw.pop("calendar", cal), **kw)
    return result.promised.day.isoformat(), result.statutory.day.isoformat()


def test_acceptance_across_national_day():
    assert dates("2025-09-30", WD(5), WD(10)) == ("2025-10-14", "2025-10-21")


def test_a_period_does_not_count_from_the_day_after_it_begins_to_the_day_it_ends():
    # 10-10 (Fri) to 10-14 (Tue): 10-11 (调休), 10-13 and 10-14 do not count.
    correction = [Period(D("2025-10-10"), D("2025-10-14"))]
    assert dates("2025-09-30", WD(5), WD(10), suspensions=correction) == (
        "2025-10-17", "2025-10-24")
    # Begun and ended on the same day: nothing is lost.
    same_day = [Period(D("2025-10-10"), D("2025-10-10"))]
    assert dates("2025-09-30", WD(5), WD(10), suspensions=same_day) == (
        "2025-10-14", "2025-10-21")


def test_an_open_period_counts_up_to_today_and_pauses():
    result = due_dates(D("2025-09-30"), promised=WD(5), statutory=WD(10), calendar=cal,
                       suspensions=[Period(D("2025-10-10"))], today=D("2025-10-14"))
    assert result.paused
    assert (result.promised.day, result.statutory.day) == (D("2025-10-17"), D("2025-10-24"))
    with pytest.raises(ValueError):
        due_dates(D("2025-09-30"), promised=WD(5), statutory=WD(10), calendar=cal,
                  suspensions=[Period(D("2025-10-10"))])


def test_a_period_before_acceptance_or_after_the_due_date_moves_nothing():
    before = [Period(D("2025-09-20"), D("2025-09-30"))]
    after = [Period(D("2025-10-22"), D("2025-11-30"))]
    assert dates("2025-09-30", WD(5), WD(10), suspensions=before + after) == (
        "2025-10-14", "2025-10-21")


def test_extensions_add_to_both_limits():
    assert dates("2025-09-30", WD(5), WD(10), extension_days=10) == (
        "2025-10-28", "2025-11-04")


def test_natural_days_end_on_the_next_working_day_after_a_holiday():
    # 7 natural days from 2025-09-28 end on 10-05, a holiday: the limit ends 10-09.
    assert dates("2025-09-28", INSTANT, NATURAL(7)) == ("2025-09-28", "2025-10-09")
    # A period skips natural days too: 3 days not counted.
    assert dates("2025-09-10", WD(1), NATURAL(7),
                 suspensions=[Period(D("2025-09-12"), D("2025-09-15"))]) == (
        "2025-09-11", "2025-09-22")


def test_instant_on_a_day_off_is_due_the_next_working_day():
    assert dates("2025-10-04", INSTANT, WD(2)) == ("2025-10-09", "2025-10-10")


def test_provisional_when_a_counted_day_lies_in_an_unpublished_year():
    result = due_dates(D("2026-12-24"), promised=WD(3), statutory=WD(10),
                       calendar=provisional)
    assert (result.promised.day, result.promised.provisional) == (D("2026-12-29"), False)
    assert result.statutory.provisional  # runs into 2027
    with pytest.raises(CalendarDataMissing):
        due_dates(D("2026-12-24"), promised=WD(3), statutory=WD(10), calendar=cal)


def test_deemed_acceptance_after_the_acceptance_limit():
    assert acceptance_deadline(D("2025-09-30"), 5, cal).day == D("2025-10-14")
    assert not is_deemed_accepted(D("2025-09-30"), 5, D("2025-10-14"), cal)
    assert is_deemed_accepted(D("2025-09-30"), 5, D("2025-10-15"), cal)
    assert not is_deemed_accepted(D("2025-09-30"), None, D("2026-10-15"), cal)


LICENCE = ExtensionRule(10, "head", True, "《中华人民共和国行政许可法》第四十二条")


@pytest.mark.parametrize(("rule", "kw", "field", "fragment"), [
    (ExtensionRule(), {"days": 1}, "days", "不适用延期"),
    (LICENCE, {"days": 0}, "days", "正整数"),
    (LICENCE, {"days": 4, "already": 7}, "days", "还可延长3日"),
    (LICENCE, {"days": 4, "reason": ""}, "reason", "理由"),
    (LICENCE, {"days": 4, "approved_by": " "}, "approved_by", "负责人批准"),
])
def test_extension_refusals(rule, kw, field, fragment):
    args = {"days": 1, "already": 0, "reason": "专家评审", "approved_by": "局长", **kw}
    with pytest.raises(ExtensionRefused) as info:
        check_extension(rule, **args)
    assert info.value.field == field and fragment in str(info.value)


def test_extension_allowed_within_the_rule():
    check_extension(LICENCE, days=3, already=7, reason="专家评审", approved_by="局长")
    check_extension(ExtensionRule(5, "department", False, "某条例"), days=5, already=0,
                    reason="", approved_by="")


# -- properties ------------------------------------------------------------------------

days_2025 = st.dates(min_value=D("2025-01-01"), max_value=D("2025-10-31"))
limits = st.integers(min_value=0, max_value=30)


@st.composite
def periods(draw, start):
    begin = draw(st.dates(min_value=start - dt.timedelta(days=5),
                          max_value=start + dt.timedelta(days=40)))
    length = draw(st.integers(min_value=0, max_value=20))
    return Period(begin, begin + dt.timedelta(days=length))


@st.composite
def cases(draw):
    start = draw(days_2025)
    promised = draw(limits)
    statutory = draw(st.integers(min_value=promised, max_value=40))
    unit = draw(st.sampled_from(["working_days", "days"]))
    statutory_limit = TimeLimit(unit, statutory) if statutory else INSTANT
    promised_limit = WD(promised) if promised else INSTANT
    return (start, promised_limit, statutory_limit,
            draw(st.lists(periods(start), max_size=3)), draw(st.integers(0, 10)))


def compute(start, promised, statutory, suspensions, extension):
    return due_dates(start, promised=promised, statutory=statutory, calendar=cal,
                     suspensions=suspensions, extension_days=extension)


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_a_suspension_never_shortens_a_due_date(case, data):
    start, promised, statutory, suspensions, extension = case
    before = compute(start, promised, statutory, suspensions, extension)
    more = data.draw(periods(start))
    after = compute(start, promised, statutory, [*suspensions, more], extension)
    assert after.promised.day >= before.promised.day
    assert after.statutory.day >= before.statutory.day


@settings(max_examples=300, deadline=None)
@given(cases())
def test_promised_never_after_statutory_in_working_days(case):
    start, promised, statutory, suspensions, extension = case
    statutory = WD(max(statutory.days, promised.days)) if statutory.days else promised
    result = compute(start, promised, statutory, suspensions, extension)
    assert result.promised.day <= result.statutory.day


@settings(max_examples=200, deadline=None)
@given(cases(), st.randoms())
def test_recomputation_is_idempotent_and_order_free(case, rnd):
    start, promised, statutory, suspensions, extension = case
    first = compute(start, promised, statutory, suspensions, extension)
    shuffled = list(suspensions)
    rnd.shuffle(shuffled)
    assert compute(start, promised, statutory, shuffled, extension) == first
    assert compute(start, promised, statutory, suspensions, extension) == first


@settings(max_examples=200, deadline=None)
@given(cases())
def test_an_open_period_ended_today_gives_the_dates_of_the_closed_one(case):
    start, promised, statutory, suspensions, extension = case
    if not suspensions:
        return
    *rest, last = suspensions
    closed = compute(start, promised, statutory, suspensions, extension)
    assert last.end is not None
    opened = due_dates(start, promised=promised, statutory=statutory, calendar=cal,
                       suspensions=[*rest, Period(last.start)], extension_days=extension,
                       today=last.end)
    assert (opened.promised, opened.statutory) == (closed.promised, closed.statutory)
    assert opened.paused and not closed.paused


# -- the catalogue's rules -------------------------------------------------------------

MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "minimal"


def test_defaults_by_matter_kind():
    catalog = read_catalog(MINIMAL).catalog
    licence, registration = catalog.matters["fire-check"], catalog.matters["register"]
    assert licence.acceptance_limit == 5
    assert licence.extension == LICENCE
    assert registration.acceptance_limit is None
    assert registration.extension == ExtensionRule()


def spoiled(tmp_path: Path, extra: str, code: str = "fire-check") -> tuple[list[str], object]:
    target = tmp_path / "catalog"
    shutil.copytree(MINIMAL, target)
    path = target / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = f"  - code: {code}\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + extra, 1), encoding="utf-8")
    result = read_catalog(target)
    return [str(p) for p in result.problems], result.catalog


@pytest.mark.parametrize(("extra", "code", "fragment"), [
    ("    acceptance_limit: 7\n", "fire-check", "at most 5 working days"),
    ("    acceptance_limit: none\n", "fire-check", "positive number of working days"),
    ("    acceptance_limit: -1\n", "register", "positive number of working days or 'none'"),
    ("    extension: {max_days: 15}\n", "fire-check", "unless another law allows more"),
    ("    extension: {max_days: 5, reason_required: false}\n", "fire-check",
     "needs a reason"),
    ("    extension: {max_days: 5, approval: mayor}\n", "fire-check",
     "approval 'mayor' is not one of head, department"),
    ("    extension: {max_days: 5}\n", "register", "needs its legal_basis"),
    ("    extension: {max_days: -2, legal_basis: x}\n", "register", "must not be negative"),
    ("    extension: none\n", "fire-check", "may always be extended"),
    ("    extension: {days: 5}\n", "register", "unknown key 'days'"),
])
def test_rule_problems_are_reported_with_their_line(tmp_path, extra, code, fragment):
    problems, _ = spoiled(tmp_path, extra, code)
    matching = [p for p in problems if fragment in p]
    assert matching, problems
    assert matching[0].startswith("catalog/catalog.yaml:")


def test_a_rule_with_its_basis_is_read(tmp_path):
    problems, catalog = spoiled(
        tmp_path, "    acceptance_limit: 3\n    extension: {max_days: 15, approval: "
                  "department, legal_basis: 某条例第十条}\n", "register")
    assert problems == []
    matter = catalog.matters["register"]
    assert matter.acceptance_limit == 3
    assert matter.extension == ExtensionRule(15, "department", True, "某条例第十条")
