"""The portal: choosing delivery on the apply form, seeing and changing it on the
application page, the tracking number in the timeline."""

import pytest

from onething.applications import delivery
from onething.applications.models import Application, Event, ResultDelivery
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from tests.conftest import restaurant_submission
from tests.portal.test_citizen import restaurant_post

pytestmark = pytest.mark.django_db

POST = {"delivery-method": "post", "delivery-address": "山东省德州市德城区湖滨路8号",
        "delivery-recipient": "张小明", "delivery-mobile": "13800000001"}


def test_apply_form_offers_the_three_methods_with_labels(client, demo):
    client.force_login(demo.applicant)
    html = client.get("/bundles/restaurant/apply/").content.decode()
    assert "办结后如何领取" in html and "<legend>办结后如何领取</legend>" in html
    for value, label in (("pickup", "窗口领取"), ("post", "邮寄到家"), ("electronic", "电子证照")):
        assert f'for="delivery-method-{value}"' in html and label in html
    assert 'id="delivery-method-pickup" value="pickup" aria-describedby=' in html
    assert 'value="pickup" aria-describedby="delivery-method-pickup-hint" checked' in html
    for name in ("address", "recipient", "mobile"):
        assert f'for="delivery-{name}"' in html and f'name="delivery-{name}"' in html


def test_apply_with_post_records_the_choice(client, demo):
    client.force_login(demo.applicant)
    response = client.post("/bundles/restaurant/apply/", restaurant_post(demo.applicant, **POST))
    assert response.status_code == 302
    application = Application.objects.get(applicant=demo.applicant)
    chosen = ResultDelivery.objects.get(application=application)
    assert chosen.method == "post" and chosen.mobile == "13800000001"
    page = client.get(response["Location"]).content.decode()
    assert "邮寄到家" in page and "山东省德州市****" in page and "湖滨路" not in page


def test_apply_with_a_bad_delivery_submits_nothing(client, demo):
    client.force_login(demo.applicant)
    data = restaurant_post(demo.applicant, **{**POST, "delivery-mobile": "12345",
                                              "delivery-address": ""})
    response = client.post("/bundles/restaurant/apply/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert not Application.objects.filter(applicant=demo.applicant).exists()
    assert 'href="#delivery-mobile"' in html and 'href="#delivery-address"' in html
    assert 'aria-describedby="delivery-mobile-hint delivery-mobile-error"' in html
    assert 'aria-describedby="delivery-address-hint delivery-address-error"' in html
    assert 'aria-invalid="true"' in html
    # What was typed stays; the radio stays on post.
    assert 'value="post" aria-describedby="delivery-method-post-hint" checked' in html
    assert 'value="张小明"' in html


def test_apply_without_a_choice_means_pickup(client, demo):
    client.force_login(demo.applicant)
    client.post("/bundles/restaurant/apply/", restaurant_post(demo.applicant))
    application = Application.objects.get(applicant=demo.applicant)
    assert not ResultDelivery.objects.filter(application=application).exists()
    assert delivery.delivery_for(demo.applicant, application.pk).method == "pickup"


def test_change_on_the_application_page_then_tracking_number_in_the_timeline(client, demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    client.force_login(demo.applicant)
    url = f"/applications/{application.pk}/"
    page = client.get(url).content.decode()
    assert "领取方式（送证上门）" in page and "保存领取方式" in page

    bad = client.post(f"{url}delivery/", {"delivery-method": "post"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'role="alert"' in html and 'href="#delivery-recipient"' in html
    assert 'id="delivery-mobile-error"' in html

    # Someone else's application: 404.
    client.force_login(demo.applicant2)
    assert client.post(f"{url}delivery/", {"delivery-method": "electronic"}).status_code == 404
    client.force_login(demo.applicant)

    done = client.post(f"{url}delivery/", POST)
    assert done.status_code == 302
    case = application.cases.filter(department=demo.samr.department,
                                    status="submitted").first()
    for action in (Action.ACCEPT, Action.APPROVE):
        transition_case(case.pk, action, actor=demo.samr)
    delivery.record_dispatch(application.pk, actor=demo.samr, carrier="中国邮政EMS",
                             tracking_number="EA123456789CN")
    page = client.get(url).content.decode()
    assert page.count("EA123456789CN") >= 2  # the delivery box and the timeline
    assert "结果已寄出：中国邮政EMS 运单号 EA123456789CN" in page
    assert "选择领取方式：邮寄到家" in page
    assert "保存领取方式" not in page and "领取方式不能再更改" in page
    assert Event.objects.filter(application=application, action="dispatch").count() == 1
