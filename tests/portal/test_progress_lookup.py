"""The public progress lookup by 受理编号 + the applicant's ID number (issue 15)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from onething.accounts.models import RateLimitHit
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
WRONG = "受理编号或身份证号码不正确，请核对回执后重试。"


@pytest.fixture
def application(demo):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.applicant, applicant=demo.applicant)
        registration = application.cases.get(matter__code="business-registration")
        transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
    return application


def lookup(client, number, id_number, address="203.0.113.7"):
    return client.post(reverse("portal:progress"), {"number": number, "id_number": id_number},
                       REMOTE_ADDR=address)


def test_the_right_pair_shows_statuses_and_no_personal_data(client, demo, application):
    response = lookup(client, application.tracking_number, demo.applicant.id_number.lower())
    assert response.status_code == 200
    page = response.content.decode()
    assert f"受理编号 {application.tracking_number}" in page
    assert "经营主体设立登记（营业执照）" in page and "已受理" in page and "待受理" in page
    assert "2026年3月2日" in page
    for personal in (demo.applicant.display_name, demo.applicant.id_number,
                     demo.applicant.masked_id_number, demo.applicant.mobile):
        assert personal not in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_wrong_number_and_a_wrong_id_number_get_the_same_answer(client, demo, application):
    wrong_id = lookup(client, application.tracking_number, "110101199003074514")
    wrong_number = lookup(client, "999999999999999", demo.applicant.id_number)
    empty_id_on_file = lookup(client, "000000000000000", "000000000000000000")
    for response in (wrong_id, wrong_number, empty_id_on_file):
        assert response.status_code == 200
        page = response.content.decode()
        assert WRONG in page
        assert "各事项办理情况" not in page
    strip = lambda r: r.content.decode().replace(application.tracking_number, "N")  # noqa: E731
    assert strip(wrong_id).split("csrfmiddlewaretoken")[0] == strip(wrong_number).split(
        "csrfmiddlewaretoken")[0].replace("999999999999999", "N")


def test_missing_fields_are_named(client):
    page = client.post(reverse("portal:progress"), {}).content.decode()
    assert "请输入回执上的受理编号。" in page and "请输入申请人的身份证号码。" in page


def test_after_five_tries_of_one_number_the_lookup_waits(client, demo, application):
    for _ in range(5):
        assert WRONG in lookup(client, application.tracking_number,
                               "110101199003074514").content.decode()
    refused = lookup(client, application.tracking_number, demo.applicant.id_number,
                     address="198.51.100.9")  # even the right pair, from elsewhere
    assert refused.status_code == 429
    assert "查询次数过多，请 60 分钟后再试。" in refused.content.decode()
    assert "各事项办理情况" not in refused.content.decode()
    # the table stores keyed hashes, never the number or the address
    keys = "".join(RateLimitHit.objects.values_list("key", flat=True))
    assert application.tracking_number not in keys and "203.0.113.7" not in keys


def test_one_address_trying_many_numbers_is_stopped(client, demo, application):
    for n in range(20):
        assert lookup(client, f"1000000000000{n:02d}", "110101199003074514").status_code == 200
    assert lookup(client, application.tracking_number,
                  demo.applicant.id_number).status_code == 429


def test_the_number_is_prefilled_from_the_qr_link(client, application):
    page = client.get(reverse("portal:progress") + f"?number={application.tracking_number}")
    assert f'value="{application.tracking_number}"' in page.content.decode()
