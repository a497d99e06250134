"""Messages people want (issue 15): SMS only at the application's milestones, signed
and linked; every step stays an in-site message; the header counts unread ones."""

import datetime as dt
import string
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from onething.applications import delivery
from onething.applications.procedures import available_actions
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action, CaseStatus, Role
from onething.domain.messages import (
    TEMPLATES,
    Milestone,
    language_of,
    milestone_for,
    render,
    sms_key,
)
from onething.notifications.backends import MemorySmsBackend
from onething.notifications.models import Notification
from tests.conftest import restaurant_submission

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
S = CaseStatus


# -- the policy (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(("action", "after", "expected"), [
    (Action.SUBMIT, [S.SUBMITTED, S.WAITING], Milestone.RECEIVED),
    (Action.ACCEPT, [S.ACCEPTED, S.WAITING], None),
    (Action.START_REVIEW, [S.IN_REVIEW], None),
    (Action.RELEASE, [S.APPROVED, S.SUBMITTED], None),
    (Action.SUSPEND, [S.SUSPENDED], None),
    (Action.EXTEND, [S.IN_REVIEW], None),
    (Action.RESCHEDULE, [S.IN_REVIEW], None),
    (Action.CHOOSE_DELIVERY, [S.APPROVED], None),
    (Action.REQUEST_CORRECTION, [S.CORRECTION_REQUESTED, S.WAITING], Milestone.ACTION_NEEDED),
    (Action.ACCEPT_PENDING, [S.ACCEPTED_PENDING], Milestone.ACTION_NEEDED),
    (Action.APPROVE, [S.APPROVED, S.IN_REVIEW], None),
    (Action.APPROVE, [S.APPROVED, S.APPROVED_ON_COMMITMENT], Milestone.DECIDED),
    (Action.APPROVE_ON_COMMITMENT, [S.APPROVED, S.APPROVED_ON_COMMITMENT], Milestone.DECIDED),
    (Action.DENY, [S.DENIED, S.IN_REVIEW], Milestone.REFUSED),
    (Action.REFUSE, [S.REFUSED, S.CANCELLED], Milestone.DECIDED),
    (Action.REVOKE_FALSE_COMMITMENT, [S.REVOKED, S.CONCLUDED], Milestone.DECIDED),
    (Action.CONFIRM_COMMITMENT, [S.APPROVED, S.CONCLUDED], None),
    (Action.CONCLUDE, [S.CONCLUDED, S.APPROVED], None),
    (Action.CONCLUDE, [S.CONCLUDED, S.CONCLUDED, S.CANCELLED], Milestone.RESULT_READY),
    (Action.DISPATCH, [S.CONCLUDED], Milestone.DISPATCHED),
    (Action.DELIVERED, [S.CONCLUDED], Milestone.DELIVERED),
    (Action.REVOKE_CERTIFICATE, [S.REVOKED], Milestone.CERTIFICATE_REVOKED),
    (Action.CANCEL, [S.WITHDRAWN, S.CANCELLED], None),
    ("not-an-action", [S.APPROVED], None),
])
def test_the_policy_sends_only_milestones(action, after, expected):
    assert milestone_for(action, after) == expected


def test_application_milestones_share_one_key_and_step_milestones_keep_theirs():
    assert sms_key(Milestone.DECIDED, 7, "event:1") == sms_key(Milestone.DECIDED, 7, "event:2")
    assert sms_key(Milestone.DECIDED, 7, "event:1") == "application:7:decided"
    assert sms_key(Milestone.ACTION_NEEDED, 7, "event:3") == "event:3"


def test_every_milestone_has_chinese_and_english_with_the_same_placeholders():
    names = lambda text: {n for _, n, _, _ in string.Formatter().parse(text) if n}  # noqa: E731
    assert set(TEMPLATES) == set(Milestone)
    for milestone, texts in TEMPLATES.items():
        assert set(texts) == {"zh-hans", "en"}, milestone
        assert names(texts["zh-hans"]) == names(texts["en"]), milestone
        assert {"signature", "link"} <= names(texts["zh-hans"]), milestone


def test_the_language_follows_the_saved_preference_with_chinese_by_default():
    fields = {"signature": "【中心】", "bundle": "开办餐饮店", "number": "1", "link": "L"}
    assert language_of("") == language_of("fr") == "zh-hans"
    assert render(Milestone.DECIDED, "en", fields) == (
        "【中心】Every matter of your application \"开办餐饮店\" (1) has been decided. "
        "Results: L")
    assert render(Milestone.DECIDED, "", fields) == (
        "【中心】您的“开办餐饮店”申请 1 的全部事项已作出决定。查看结果：L")


# -- the restaurant, from submission to delivery ---------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _reviewer(case):
    from onething.accounts.models import User

    return User.objects.get(username=f"reviewer-{case.department.code}")


PREFERRED = [Action.ACCEPT, Action.APPROVE, Action.CONFIRM_COMMITMENT, Action.CONCLUDE]


def _advance(application, capture) -> bool:
    """One reviewer step on the first case that can move; False when none can."""
    for case in application.cases.order_by("position"):
        offered = available_actions(case, Role.REVIEWER)
        action = next((a for a in PREFERRED if a in offered), None)
        if action is None:
            continue
        kwargs = {"reason": "现场核查与承诺一致"} if action is Action.CONFIRM_COMMITMENT else {}
        with capture(execute=True):
            transition_case(case.pk, action, actor=_reviewer(case), **kwargs)
        return True
    return False


@pytest.mark.django_db
def test_the_restaurant_sends_at_most_five_signed_sms_and_keeps_every_step_in_site(
        demo, halls, frozen, client, django_capture_on_commit_callbacks):
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        delivery.choose_delivery(application.pk, actor=demo.applicant, method="post",
                                 address="山东省德州市德城区新华路1号", recipient="张小明",
                                 mobile="13800000001")
    steps = 0
    while _advance(application, django_capture_on_commit_callbacks):
        steps += 1
        assert steps < 40
    statuses = set(application.cases.values_list("status", flat=True))
    assert statuses == {CaseStatus.CONCLUDED}
    fire = application.cases.get(matter__code="fire-safety-check-commitment")
    assert list(fire.events.values_list("action", flat=True)) == [
        "submit", "release", "approve_on_commitment", "confirm_commitment", "conclude"]
    with django_capture_on_commit_callbacks(execute=True):
        delivery.record_dispatch(application.pk, actor=demo.clerk, carrier="中国邮政EMS",
                                 tracking_number="EMS123456")
        delivery.record_delivered(application.pk, actor=demo.clerk)

    number, link = application.tracking_number, (
        f"http://localhost:8000/applications/{application.pk}/")
    sign = "【德城区政务服务中心】"
    assert [text for _, text, _ in MemorySmsBackend.outbox] == [
        f"{sign}您的“开办餐饮店”申请已收到，受理编号 {number}，共 5 个事项同时办理。"
        f"办理进度：{link}",
        f"{sign}您的“开办餐饮店”申请 {number} 的全部事项已作出决定。查看结果：{link}",
        f"{sign}您的“开办餐饮店”申请 {number} 已办结，办理结果可领取。"
        f"查看和选择领取方式：{link}",
        f"{sign}您的申请 {number} 的办理结果已寄出（中国邮政EMS，运单号 EMS123456）。"
        f"详情：{link}",
        f"{sign}您的申请 {number} 的办理结果已送达。详情：{link}",
    ]
    assert {mobile for mobile, _, _ in MemorySmsBackend.outbox} == {demo.applicant.mobile}
    # In-site: every step (submission, the delivery choice, each case step, dispatch,
    # delivery) is a message.
    in_site = list(Notification.objects.filter(user=demo.applicant, application=application)
                   .order_by("id").values_list("message", flat=True))
    assert len(in_site) == 2 + steps + 1 + 2 == 19
    assert in_site[0].startswith("您的“开办餐饮店”申请已提交")
    assert any("“经营主体设立登记（营业执照）”受理" in m for m in in_site)
    assert any("告知承诺准予" in m for m in in_site)
    assert any("事后核查：承诺属实" in m for m in in_site)

    # The header counts the unread ones; viewing the list marks them read.
    client.force_login(demo.applicant)
    unread = Notification.objects.filter(user=demo.applicant, read_at__isnull=True).count()
    assert unread == 19
    page = client.get(reverse("portal:home")).content.decode()
    assert '<span class="badge" data-unread="19">19 条未读</span>' in page
    client.get(reverse("portal:notifications"))
    assert not Notification.objects.filter(user=demo.applicant, read_at__isnull=True).exists()
    assert 'class="badge"' not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.django_db
def test_an_applicant_who_chose_english_gets_english_sms(demo, halls, frozen,
                                                        django_capture_on_commit_callbacks):
    demo.applicant2.language = "en"
    demo.applicant2.save(update_fields=["language"])
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = submit_application(restaurant_submission(demo.applicant2),
                                         actor=demo.applicant2, applicant=demo.applicant2)
    count = application.cases.count()
    assert [text for _, text, _ in MemorySmsBackend.outbox] == [
        f"【德城区政务服务中心】Your application \"开办餐饮店\" was received, number "
        f"{application.tracking_number}, {count} matters handled together. Progress: "
        f"http://localhost:8000/applications/{application.pk}/"]


@pytest.mark.django_db
def test_the_signature_setting_wins_over_the_hall(demo, halls, settings,
                                                 django_capture_on_commit_callbacks):
    settings.ONETHING_SMS_SIGNATURE = "德州市德城区政务服务"
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                           applicant=demo.applicant)
    assert MemorySmsBackend.outbox[0][1].startswith(
        "【德州市德城区政务服务】您的“开办餐饮店”申请已收到")


@pytest.mark.django_db
def test_the_sign_in_code_carries_the_signature_too(demo, halls):
    from onething.accounts.services import request_login_code

    MemorySmsBackend.outbox.clear()
    request_login_code(demo.applicant.mobile, client="192.0.2.1")
    [(_, text, _)] = MemorySmsBackend.outbox
    assert text.startswith("【德城区政务服务中心】您的登录验证码是 ")
    assert text.endswith("，5分钟内有效。")
