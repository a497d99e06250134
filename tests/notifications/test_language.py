"""In-site messages in the reader's language: stored as template keys and parameters
(onething/notifications/messages.py), rendered when read; rows sent before show their
stored text."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from onething.notifications.models import Notification
from onething.notifications.services import notify
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db
REGISTRATION = "business-registration"


def page(user, language: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/notifications/").content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def application(demo):
    return submit_application(
        restaurant_submission(demo.applicant), actor=demo.applicant, applicant=demo.applicant
    )


def test_the_submission_message_in_each_language(demo, application):
    number = application.tracking_number
    note = Notification.objects.get(user=demo.applicant)
    assert note.parts == [["submitted", {"bundle": "开办餐饮店", "number": number, "count": 5}]]
    chinese = f"您的“开办餐饮店”申请已提交，受理编号 {number}，共 5 个事项同时办理。"
    english = (
        f"Your “Opening a restaurant” application has been submitted, tracking number "
        f"{number}; 5 matters are handled at the same time."
    )
    assert note.message == chinese  # stored in Chinese too, for the admin and old readers
    with translation.override("en"):
        assert note.text == english
    with translation.override("zh-hans"):
        assert note.text == chinese
    assert chinese in page(demo.applicant, "zh-hans")
    shown = page(demo.applicant, "en")
    assert english in shown and chinese not in shown


def test_a_step_with_a_reason_and_cancelled_matters_in_each_language(demo, application):
    case = application.cases.get(matter__code=REGISTRATION)
    transition_case(case.pk, Action.REFUSE, actor=demo.samr, reason="经营范围填写不规范")
    note = Notification.objects.filter(user=demo.applicant).order_by("-id").first()
    number = application.tracking_number
    with translation.override("zh-hans"):
        chinese = note.text
    with translation.override("en"):
        english = note.text
    assert chinese == note.message
    assert chinese == (
        f"您的申请 {number}：“经营主体设立登记（营业执照）”不予受理。理由：经营范围填写不规范。"
        "因此以下事项终止办理：“食品经营许可（新办）”、“公众聚集场所投入使用、营业前消防安全检查"
        "（告知承诺）”、“户外招牌设施设置”"
    )
    # The matters by their English names, joined the English way; the reason as written.
    assert english == (
        f"Your application {number}: “Business establishment registration (business "
        "licence)” — Refused. Reason: 经营范围填写不规范. The following matters are therefore "
        "terminated: “Food business licence (new)”, “Fire safety inspection of a public "
        "gathering place before opening (commitment)”, “Setting up an outdoor signboard”"
    )
    step = {"number": number, "matter": "经营主体设立登记（营业执照）", "action": "refuse"}
    assert note.parts[0] == ["case_step", step]


def test_a_message_sent_before_parts_existed_shows_as_stored(demo):
    notify(user=demo.applicant, dedupe_key="old", message="您的申请已办结。")
    note = Notification.objects.get(user=demo.applicant)
    assert note.parts == []
    with translation.override("en"):
        assert note.text == "您的申请已办结。"
    assert "您的申请已办结。" in page(demo.applicant, "en")


def test_the_message_catalogue_is_complete_and_compiled():
    from onething.notifications.messages import TEMPLATES
    from tests.english import check_catalogue

    assert check_catalogue("notifications") == len(TEMPLATES) + 2  # + separator, quotes


def texts(note: Notification) -> tuple[str, str]:
    with translation.override("zh-hans"):
        chinese = note.text
    with translation.override("en"):
        english = note.text
    return chinese, english


def test_the_delivery_messages_in_each_language(demo, application):
    """Choosing post, the dispatch and the delivery: each message in the reader's
    language; the address, the recipient and the carrier as written."""
    from onething.applications import delivery

    case = application.cases.get(matter__code=REGISTRATION)
    for action in (Action.ACCEPT, Action.APPROVE):
        transition_case(case.pk, action, actor=demo.samr)
    number = application.tracking_number
    delivery.choose_delivery(application.pk, actor=demo.applicant, method="post",
                             address="山东省德州市德城区湖滨路8号", recipient="张小明",
                             mobile="13800000001")
    delivery.record_dispatch(application.pk, actor=demo.samr, carrier="中国邮政EMS",
                             tracking_number="ea123456789cn")
    delivery.record_delivered(application.pk, actor=demo.samr)
    notes = list(Notification.objects.filter(user=demo.applicant).order_by("-id")[:3])
    delivered, dispatched, chosen = (texts(n) for n in notes)
    shown = delivery.summary(delivery.delivery_for(demo.applicant, application.pk))
    address, recipient = shown["address"], shown["recipient"]
    assert chosen == (
        f"您的申请 {number}：领取方式已设为“邮寄到家”，寄往 {address}（{recipient}）。",
        f"Your application {number}: the way to receive the result is now “By post”, sent "
        f"to {address} ({recipient}).",
    )
    assert dispatched == (
        f"您的申请 {number}：办理结果已由中国邮政EMS寄出，运单号 EA123456789CN。",
        f"Your application {number}: the result was sent by 中国邮政EMS, tracking number "
        "EA123456789CN.",
    )
    assert delivered == (
        f"您的申请 {number}：办理结果已送达（运单号 EA123456789CN）。",
        f"Your application {number}: the result was delivered (tracking number "
        "EA123456789CN).",
    )
    assert notes[0].message == delivered[0]


def test_the_revocation_message_in_each_language(demo, application):
    from onething.certificates.models import Certificate
    from onething.certificates.services import revoke_certificate

    case = application.cases.get(matter__code=REGISTRATION)
    for action in (Action.ACCEPT, Action.APPROVE):
        transition_case(case.pk, action, actor=demo.samr)
    certificate = Certificate.objects.get(case=case)
    revoke_certificate(certificate, actor=demo.samr, reason="申请人申请注销")
    note = Notification.objects.filter(user=demo.applicant).order_by("-id").first()
    chinese, english = texts(note)
    assert chinese == (f"您的“营业执照”（编号 {certificate.number}）已被德城区市场监督管理局注销。"
                       "理由：申请人申请注销")
    assert english == (f"Your “Business licence” (number {certificate.number}) was revoked by "
                       "Decheng District Administration for Market Regulation. "
                       "Reason: 申请人申请注销")
