"""The case clock through the services, with frozen time: exact promised and statutory
due dates through acceptance across 国庆, a 补正, an extension, a 公示 period, deemed
acceptance, and holiday data entered for an unpublished year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from onething.applications.models import Case, CaseExtension, CaseSuspension, Event
from onething.applications.services import (
    SubmissionError,
    deem_overdue_cases_accepted,
    recompute_due_dates,
    submit_application,
    transition_case,
)
from onething.applications.tasks import deem_accepted
from onething.domain.cases import Action, CaseStatus, IllegalTransition
from tests.conftest import restaurant_submission, upload_pdf

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10):
    """Travel to ``day`` at ``hour`` o'clock in Shanghai, time standing still."""
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(hour=hour,
                                                                      tzinfo=SHANGHAI),
                               tick=False)


def act(case_id, action, user, **kw):
    return transition_case(case_id, action, actor=user, **kw)


def dates(case_id):
    case = Case.objects.get(pk=case_id)
    return (case.promised_due_date, case.statutory_due_date)


D = dt.date.fromisoformat


@pytest.fixture
def licence(demo):
    """食品经营许可 (行政许可, promised 5, statutory 10 working days) received by the
    market regulator on 2025-09-30, the day before 国庆 (2025-10-01 … 10-08 off,
    10-11 a make-up working day): its prerequisite was approved that morning."""
    with at("2025-09-30", 9):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        registration = application.cases.get(matter__code="business-registration")
        act(registration.pk, Action.ACCEPT, demo.samr)
        act(registration.pk, Action.APPROVE, demo.samr)
    case = application.cases.get(matter__code="food-business-licence")
    assert case.status == CaseStatus.SUBMITTED
    assert case.received_at == dt.datetime(2025, 9, 30, 9, tzinfo=SHANGHAI)
    return case


def accept(case, demo, day="2025-09-30"):
    with at(day, 11):
        act(case.pk, Action.ACCEPT, demo.samr)


def test_acceptance_across_national_day(licence, demo):
    accept(licence, demo)
    case = Case.objects.get(pk=licence.pk)
    # Counting starts the day after acceptance: 10-09, 10-10, 10-11 (调休), 10-13, 10-14 …
    assert dates(case.pk) == (D("2025-10-14"), D("2025-10-21"))
    assert (case.due_provisional, case.statutory_due_provisional) == (False, False)
    assert not case.clock_paused


def test_a_correction_of_three_working_days_moves_both_dates(licence, demo):
    accept(licence, demo)
    with at("2025-10-10"):  # Friday
        act(licence.pk, Action.START_REVIEW, demo.samr)
        act(licence.pk, Action.REQUEST_CORRECTION, demo.samr, reason="平面图不清",
            items=[{"material": "premises-proof", "note": "平面图不清晰"}])
    case = Case.objects.get(pk=licence.pk)
    assert case.clock_paused and case.status == CaseStatus.CORRECTION_REQUESTED
    period = CaseSuspension.objects.get(case=case)
    assert (period.kind, period.started_on, period.ended_on) == ("correction", D("2025-10-10"),
                                                                   None)
    assert "第三十二条" in period.legal_basis
    assert dates(case.pk) == (D("2025-10-14"), D("2025-10-21"))  # unchanged while paused
    with at("2025-10-14"):  # Tuesday: 10-11 (调休), 10-13 and 10-14 did not count
        act(licence.pk, Action.RESUBMIT, demo.applicant,
            materials={"premises-proof": upload_pdf(demo.applicant, b"%PDF-1.4 new").pk})
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and not case.clock_paused
    period.refresh_from_db()
    assert (period.ended_on, period.ended_by) == (D("2025-10-14"), demo.applicant)
    assert dates(case.pk) == (D("2025-10-17"), D("2025-10-24"))
    resubmitted = Event.objects.get(case=case, action="resubmit")
    assert resubmitted.data["promised_due_date"] == "2025-10-17"
    assert resubmitted.data["statutory_due_date"] == "2025-10-24"


def test_a_correction_before_acceptance_restarts_the_acceptance_limit(licence, demo):
    with at("2025-10-09"):
        act(licence.pk, Action.REQUEST_CORRECTION, demo.samr, reason="缺页",
            items=[{"material": "premises-proof", "note": "缺页"}])
    with at("2025-10-20", 15):
        act(licence.pk, Action.RESUBMIT, demo.applicant,
            materials={"premises-proof": upload_pdf(demo.applicant, b"%PDF-1.4 p").pk})
    case = Case.objects.get(pk=licence.pk)
    assert case.received_at == dt.datetime(2025, 10, 20, 15, tzinfo=SHANGHAI)
    with at("2025-10-27"):  # 5 working days after 10-20 end on 10-27: not yet
        assert licence.pk not in deem_overdue_cases_accepted()
    with at("2025-10-21"):
        act(licence.pk, Action.ACCEPT, demo.samr)
    # The correction lay wholly before acceptance: it moves nothing.
    assert dates(licence.pk) == (D("2025-10-28"), D("2025-11-04"))


def test_an_extension_within_the_rule(licence, demo):
    accept(licence, demo)
    with at("2025-10-20"):
        act(licence.pk, Action.START_REVIEW, demo.samr)
        with pytest.raises(SubmissionError) as info:
            act(licence.pk, Action.EXTEND, demo.samr, days=5, reason="需现场核查")
        assert "approved_by" in info.value.errors  # 第四十二条: the head approves
        with pytest.raises(SubmissionError) as info:
            act(licence.pk, Action.EXTEND, demo.samr, days=5, approved_by="王局长")
        assert "reason" in info.value.errors
        with pytest.raises(SubmissionError) as info:
            act(licence.pk, Action.EXTEND, demo.samr, days=11, reason="需现场核查",
                approved_by="王局长")
        assert "10" in info.value.errors["days"]
        act(licence.pk, Action.EXTEND, demo.samr, days=6, reason="需现场核查",
            approved_by="王局长")
    assert dates(licence.pk) == (D("2025-10-22"), D("2025-10-29"))
    with at("2025-10-21"):
        with pytest.raises(SubmissionError) as info:
            act(licence.pk, Action.EXTEND, demo.samr, days=5, reason="再延", approved_by="王局长")
        assert "还可延长4日" in info.value.errors["days"]
        act(licence.pk, Action.EXTEND, demo.samr, days=4, reason="专家意见未返回",
            approved_by="王局长")
    case = Case.objects.get(pk=licence.pk)
    assert case.status == CaseStatus.IN_REVIEW
    # 10 + 10 working days after 2025-09-30; promised 5 + 10.
    assert dates(case.pk) == (D("2025-10-28"), D("2025-11-04"))
    assert list(CaseExtension.objects.filter(case=case).values_list("days", "approved_by")) == [
        (6, "王局长"), (4, "王局长")]
    event = Event.objects.filter(case=case, action="extend").last()
    assert (event.from_status, event.to_status) == ("in_review", "in_review")
    assert event.data == {"days": 4, "approved_by": "王局长",
                          "promised_due_date": "2025-10-28", "statutory_due_date": "2025-11-04"}
    notice = demo.applicant.notifications.filter(message__contains="延长办理期限4日").get()
    assert "承诺办结日期 2025年10月28日，法定办结日期 2025年11月4日" in notice.message
    assert "专家意见未返回" in notice.message
    with translation.override("en"):  # read on an English page
        english = notice.text
    assert english.endswith(
        " by 4 days. Promised completion date: Oct. 28, 2025; statutory completion date: "
        "Nov. 4, 2025. Reason: 专家意见未返回")


def test_a_matter_without_an_extension_rule_cannot_be_extended(demo):
    with at("2025-09-30", 9):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        registration = application.cases.get(matter__code="business-registration")  # 行政登记
        act(registration.pk, Action.ACCEPT, demo.samr)
        with pytest.raises(SubmissionError) as info:
            act(registration.pk, Action.EXTEND, demo.samr, days=1, reason="x", approved_by="y")
    assert "不适用延期" in info.value.errors["days"]
    assert not CaseExtension.objects.exists()


def test_a_public_notice_period_does_not_count(licence, demo):
    accept(licence, demo)
    with at("2025-10-13"):
        act(licence.pk, Action.START_REVIEW, demo.samr)
        with pytest.raises(SubmissionError):  # the kind is required
            act(licence.pk, Action.SUSPEND, demo.samr, reason="公示")
        with pytest.raises(SubmissionError):  # a correction is not opened this way
            act(licence.pk, Action.SUSPEND, demo.samr, reason="公示", kind="correction")
        act(licence.pk, Action.SUSPEND, demo.samr, reason="许可事项依法公示5个工作日",
            kind="public_notice", expected_end=D("2025-10-20"))
    case = Case.objects.get(pk=licence.pk)
    assert case.status == CaseStatus.SUSPENDED and case.clock_paused
    notice = demo.applicant.notifications.filter(message__contains="特别程序").get()
    assert "（公示），所需时间不计入办理时限，预计至 2025年10月20日" in notice.message
    with at("2025-10-15"), pytest.raises(IllegalTransition):
        act(licence.pk, Action.APPROVE, demo.samr)  # nothing is decided during the period
    with at("2025-10-20"):
        act(licence.pk, Action.RESUME, demo.samr)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    # 10-14 … 10-20 (5 working days) did not count.
    assert dates(case.pk) == (D("2025-10-21"), D("2025-10-28"))
    period = CaseSuspension.objects.get(case=case)
    assert (period.kind, period.started_on, period.ended_on, period.started_by,
            period.ended_by) == ("public_notice", D("2025-10-13"), D("2025-10-20"), demo.samr,
                                 demo.samr)
    assert "第四十五条" not in period.legal_basis and "公示" in period.legal_basis
    resumed = demo.applicant.notifications.filter(message__contains="恢复计时").get()
    assert "承诺办结日期 2025年10月21日，法定办结日期 2025年10月28日" in resumed.message


def test_withdrawal_ends_an_open_period(licence, demo):
    accept(licence, demo)
    with at("2025-10-13"):
        act(licence.pk, Action.SUSPEND, demo.samr, reason="送检", kind="testing")
    with at("2025-10-15"):
        act(licence.pk, Action.WITHDRAW, demo.applicant)
    period = CaseSuspension.objects.get(case_id=licence.pk)
    assert (period.ended_on, period.ended_by) == (D("2025-10-15"), demo.applicant)


def test_deemed_acceptance_by_the_scheduled_task(licence, demo, django_capture_on_commit_callbacks):
    health = Case.objects.get(application=licence.application_id,
                              matter__code="food-worker-health-certificate")  # 公共服务
    fire = Case.objects.get(application=licence.application_id,
                            matter__code="fire-safety-check-commitment")  # 行政许可, 即办
    with at("2025-10-14", 23):  # the 5th working day after receipt: still in time
        assert deem_accepted.enqueue().return_value == []
    with at("2025-10-15", 0):
        with django_capture_on_commit_callbacks(execute=True):
            result = deem_accepted.enqueue()
    assert result.return_value == [licence.pk]
    # The fire check (行政许可, 即办) was decided on its signed commitment (告知承诺) when it
    # was released, so it was never waiting to be deemed accepted: due that day;
    # statutory 10 working days.
    assert Case.objects.get(pk=fire.pk).status == CaseStatus.APPROVED_ON_COMMITMENT
    assert dates(fire.pk) == (D("2025-09-30"), D("2025-10-21"))
    case = Case.objects.get(pk=licence.pk)
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_at == dt.datetime(2025, 9, 30, 9, tzinfo=SHANGHAI)  # as of receipt
    assert dates(case.pk) == (D("2025-10-14"), D("2025-10-21"))
    event = Event.objects.get(case=case, action="deem_accepted")
    assert (event.actor, event.from_status, event.to_status) == (None, "submitted", "accepted")
    assert event.data["received_on"] == "2025-09-30" and event.data["acceptance_limit"] == 5
    notice = demo.applicant.notifications.filter(message__contains="视为受理").get(
        message__contains="食品经营许可")
    assert "自收件之日 2025年9月30日 起即为受理。承诺办结日期 2025年10月14日" in notice.message
    # A public service has no deemed acceptance; running again changes nothing.
    with at("2025-10-16"):
        assert deem_overdue_cases_accepted() == []
    assert Case.objects.get(pk=health.pk).status == CaseStatus.SUBMITTED
    assert Event.objects.filter(action="deem_accepted").count() == 1


def test_deemed_acceptance_is_checked_again_under_the_lock(licence, demo):
    with at("2025-10-14", 23), pytest.raises(IllegalTransition) as info:
        transition_case(licence.pk, Action.DEEM_ACCEPTED, actor=None)
    assert "受理期限尚未届满" in str(info.value)
    with at("2025-10-15"), pytest.raises(IllegalTransition):
        act(licence.pk, Action.DEEM_ACCEPTED, demo.samr)  # the system's action only


def test_holiday_data_for_an_unpublished_year_recomputes_open_cases(
        demo, django_capture_on_commit_callbacks):
    from onething.catalog.models import CalendarDay, HolidayYear
    from onething.catalog.signals import calendar_changed

    with at("2027-03-01", 9):  # a Monday in a year whose notice is not yet entered
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        registration = application.cases.get(matter__code="business-registration")
        act(registration.pk, Action.ACCEPT, demo.samr)  # promised 1, statutory 3 working days
    case = Case.objects.get(pk=registration.pk)
    assert dates(case.pk) == (D("2027-03-02"), D("2027-03-04"))
    assert (case.due_provisional, case.statutory_due_provisional) == (True, True)
    with at("2027-03-01", 15), django_capture_on_commit_callbacks(execute=True):
        # The (invented) notice makes 03-02 a day off: the first working day is 03-03.
        HolidayYear.objects.create(year=2027, source="测试用通知")
        CalendarDay.objects.create(date=D("2027-03-02"), is_working_day=False, name="测试")
        calendar_changed.send(sender=None, years={2027})
    case.refresh_from_db()
    assert dates(case.pk) == (D("2027-03-03"), D("2027-03-05"))
    assert (case.due_provisional, case.statutory_due_provisional) == (False, False)
    event = Event.objects.get(case=case, action="reschedule")
    assert event.data["previous"] == ["2027-03-02", "2027-03-04"]
    notice = demo.applicant.notifications.get(message__contains="办结日期按节假日安排调整")
    number, matter = case.application.tracking_number, "经营主体设立登记（营业执照）"
    assert notice.message == (f"您的申请 {number}：“{matter}”办结日期按节假日安排调整，"
                              "承诺办结日期由 2027年3月2日 调整为 2027年3月3日。"
                              "2027年节假日安排已更新")
    with translation.override("en"):
        assert notice.text == (
            f"Your application {number}: “Business establishment registration (business "
            "licence)” — Due dates adjusted to the holiday schedule: the promised completion "
            "date moved from March 2, 2027 to March 3, 2027. The public holiday calendar for "
            "2027 was updated")
    # Idempotent: recomputing again changes nothing and tells no one.
    with at("2027-03-01", 16):
        assert recompute_due_dates(case.pk) == []
    assert Event.objects.filter(action="reschedule").count() == 1


def test_the_deadlines_command(licence, demo, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with at("2025-10-15"):
        call_command("deadlines", "deem-accepted", "--inline", stdout=out)
    assert "视为受理 1 件" in out.getvalue() and str(licence.pk) in out.getvalue()
    assert Case.objects.get(pk=licence.pk).status == CaseStatus.ACCEPTED
    out = StringIO()
    with at("2025-10-16"):
        call_command("deadlines", "deem-accepted", stdout=out)  # queued (here: run at once)
        call_command("deadlines", "recompute", "--year", "2025", stdout=out)
    assert "已排队 (queued) deem_accepted" in out.getvalue()
    assert "已重算 0 件" in out.getvalue()  # nothing changed since the dates were set
    assert Event.objects.filter(action="deem_accepted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_accepting_meanwhile_wins_over_deemed_acceptance(demo):
    """Two real PostgreSQL connections: the task waits for the reviewer's lock, then
    finds the case accepted and leaves it alone."""
    import threading

    from django.db import connection, transaction

    from onething.applications.transitions import apply_transition, lock_case
    from onething.domain.cases import Role

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (make test-postgres)")
    with at("2025-09-30", 9):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        registration = application.cases.get(matter__code="business-registration")
        act(registration.pk, Action.ACCEPT, demo.samr)
        act(registration.pk, Action.APPROVE, demo.samr)
    licence = application.cases.get(matter__code="food-business-licence")
    locked, release = threading.Event(), threading.Event()
    deemed: list[list[int]] = []

    def reviewer():
        try:
            with transaction.atomic():
                case = lock_case(licence.pk)
                locked.set()
                release.wait(10)
                apply_transition(case, Action.ACCEPT, actor=demo.samr, role=Role.REVIEWER)
        finally:
            connection.close()

    def task():
        try:
            deemed.append(deem_overdue_cases_accepted())
        finally:
            connection.close()

    with at("2025-10-15"):
        first = threading.Thread(target=reviewer)
        first.start()
        assert locked.wait(10)
        second = threading.Thread(target=task)
        second.start()
        second.join(1)
        assert second.is_alive()  # waiting for the reviewer's lock
        release.set()
        first.join(10)
        second.join(10)
    assert licence.pk not in deemed[0]
    case = Case.objects.get(pk=licence.pk)
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_at == dt.datetime(2025, 10, 15, 10, tzinfo=SHANGHAI)  # the reviewer's
    assert not Event.objects.filter(case=case, action="deem_accepted").exists()
