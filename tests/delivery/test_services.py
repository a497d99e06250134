"""Delivery of results (送证上门): choosing, dispatch, delivered — services."""

import pytest

from onething.applications import delivery
from onething.applications.models import Event, ResultDelivery
from onething.applications.services import CaseActionDenied, submit_application, transition_case
from onething.domain.cases import Action
from onething.notifications.models import Notification
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db

POST = {"method": "post", "address": "山东省德州市德城区新华路1号3单元", "recipient": "张小明",
        "mobile": "13800000001"}


@pytest.fixture
def application(demo):
    return submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                              applicant=demo.applicant)


def approve(case, reviewer):
    for action in (Action.ACCEPT, Action.APPROVE):
        transition_case(case.pk, action, actor=reviewer)


def test_check_delivery_is_pure_and_reports_every_field():
    assert delivery.check_delivery("pickup") == (
        {"method": "pickup", "address": "", "recipient": "", "mobile": ""}, {})
    _, errors = delivery.check_delivery("post", mobile="1234")
    assert set(errors) == {"address", "recipient", "mobile"}
    assert "method" in delivery.check_delivery("pigeon")[1]
    clean, errors = delivery.check_delivery("post", address=" 新华路 1号 ", recipient="李四",
                                            mobile="１３８０００００００２")
    assert errors == {} and clean["mobile"] == "13800000002" and clean["address"] == "新华路 1号"


@pytest.mark.parametrize("method", ["pickup", "post", "electronic"])
def test_choose_each_method_writes_an_event_and_tells_the_applicant(application, demo, method):
    kwargs = POST if method == "post" else {"method": method}
    before = Notification.objects.filter(user=demo.applicant).count()
    chosen = delivery.choose_delivery(application.pk, actor=demo.applicant, **kwargs)
    assert ResultDelivery.objects.get(application=application).method == method == chosen.method
    event = Event.objects.filter(application=application, action="choose_delivery").get()
    assert event.case is None and event.data["method"] == method
    assert event.action_label == "选择领取方式"
    if method == "post":
        # The history never holds the whole address or mobile.
        assert event.data["address"] == "山东省德州市****"
        assert event.data["mobile"] == "138****0001"
        assert "新华路" not in str(event.data)
    assert Notification.objects.filter(user=demo.applicant).count() == before + 1


def test_post_needs_address_recipient_and_a_valid_mobile(application, demo):
    with pytest.raises(delivery.DeliveryError) as exc:
        delivery.choose_delivery(application.pk, actor=demo.applicant, method="post",
                                 address="新华路1号", recipient="张小明", mobile="12345678901")
    assert set(exc.value.errors) == {"mobile"}
    with pytest.raises(delivery.DeliveryError) as exc:
        delivery.choose_delivery(application.pk, actor=demo.applicant, method="post")
    assert set(exc.value.errors) == {"address", "recipient", "mobile"}
    assert not ResultDelivery.objects.filter(application=application).exists()
    assert not Event.objects.filter(application=application, action="choose_delivery").exists()


def test_only_the_applicant_chooses(application, demo):
    for other in (demo.applicant2, demo.clerk, demo.samr):
        with pytest.raises(CaseActionDenied):
            delivery.choose_delivery(application.pk, actor=other, method="electronic")


def test_dispatch_only_for_post_after_a_result_and_by_allowed_staff(application, demo):
    samr_case = application.cases.filter(department=demo.samr.department,
                                         status="submitted").first()
    # Not post yet.
    delivery.choose_delivery(application.pk, actor=demo.applicant, method="pickup")
    approve(samr_case, demo.samr)
    with pytest.raises(delivery.DeliveryError) as exc:
        delivery.record_dispatch(application.pk, actor=demo.samr, carrier="EMS",
                                 tracking_number="1234567890")
    assert exc.value.code == "not_post"
    delivery.choose_delivery(application.pk, actor=demo.applicant, **POST)
    # A reviewer of a department with no case in this application may not.
    outsider = _outsider(application, demo)
    with pytest.raises(CaseActionDenied):
        delivery.record_dispatch(application.pk, actor=outsider, carrier="EMS",
                                 tracking_number="1234567890")
    with pytest.raises(CaseActionDenied):
        delivery.record_dispatch(application.pk, actor=demo.applicant, carrier="EMS",
                                 tracking_number="1234567890")
    with pytest.raises(delivery.DeliveryError) as exc:
        delivery.record_dispatch(application.pk, actor=demo.samr, carrier="",
                                 tracking_number="单号")
    assert set(exc.value.errors) == {"carrier", "tracking_number"}

    sent = delivery.record_dispatch(application.pk, actor=demo.samr, carrier="中国邮政EMS",
                                    tracking_number=" 1234 5678 90 ")
    assert sent.tracking_number == "1234567890" and sent.dispatched_at is not None
    event = Event.objects.get(application=application, action="dispatch")
    assert event.data["tracking_number"] == "1234567890" and event.actor == demo.samr
    assert Notification.objects.filter(user=demo.applicant,
                                       message__contains="1234567890").exists()
    # Once sent, the method can no longer change.
    with pytest.raises(delivery.DeliveryError) as exc:
        delivery.choose_delivery(application.pk, actor=demo.applicant, method="pickup")
    assert exc.value.code == "already_dispatched"
    # The clerk may correct the number; then delivered, and nothing after that.
    delivery.record_dispatch(application.pk, actor=demo.clerk, carrier="中国邮政EMS",
                             tracking_number="EMS999")
    done = delivery.record_delivered(application.pk, actor=demo.applicant)
    assert done.delivered_at is not None
    assert Event.objects.get(application=application, action="delivered").data[
        "tracking_number"] == "EMS999"
    with pytest.raises(delivery.DeliveryError):
        delivery.record_delivered(application.pk, actor=demo.clerk)
    with pytest.raises(delivery.DeliveryError):
        delivery.record_dispatch(application.pk, actor=demo.clerk, carrier="EMS",
                                 tracking_number="X1")


def test_no_dispatch_before_any_case_is_approved(application, demo):
    delivery.choose_delivery(application.pk, actor=demo.applicant, **POST)
    with pytest.raises(delivery.DeliveryError) as exc:
        delivery.record_dispatch(application.pk, actor=demo.clerk, carrier="EMS",
                                 tracking_number="1234567890")
    assert exc.value.code == "no_result"
    with pytest.raises(delivery.DeliveryError):
        delivery.record_delivered(application.pk, actor=demo.clerk)


def _outsider(application, demo):
    """A reviewer whose department has no case in the application."""
    from onething.accounts.models import Role, User
    from onething.catalog.models import Department

    used = set(application.cases.values_list("department_id", flat=True))
    department = Department.objects.exclude(pk__in=used).first()
    return User.objects.create(username="outsider", role=Role.REVIEWER, department=department)


def test_no_delivery_choice_once_the_whole_application_is_withdrawn(application, demo):
    from onething.applications.services import withdraw_application

    delivery.choose_delivery(application.pk, actor=demo.applicant, method="electronic")
    withdraw_application(application.pk, actor=demo.applicant, reason="不办了")
    sent = Notification.objects.filter(user=demo.applicant).count()
    with pytest.raises(delivery.DeliveryError) as exc:
        delivery.choose_delivery(application.pk, actor=demo.applicant, **POST)
    assert exc.value.code == "nothing_to_deliver"
    assert exc.value.errors == {
        "method": "申请已撤回，没有需要领取的结果 (withdrawn: there is no result to deliver)"}
    assert ResultDelivery.objects.get(application=application).method == "electronic"
    assert Notification.objects.filter(user=demo.applicant).count() == sent
    shown = delivery.summary(delivery.delivery_for(demo.applicant, application.pk))
    assert shown["can_change"] is False


def test_a_case_kept_by_the_withdrawal_still_takes_a_delivery_choice(application, demo):
    from onething.applications.services import withdraw_application

    samr_case = application.cases.get(department=demo.samr.department, status="submitted")
    approve(samr_case, demo.samr)
    withdraw_application(application.pk, actor=demo.applicant, reason="只要这一项")
    chosen = delivery.choose_delivery(application.pk, actor=demo.applicant, **POST)
    assert chosen.method == "post"
