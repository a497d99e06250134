"""The workbench case page: 登记寄递 for posted results, by allowed staff only."""

import pytest

from onething.applications import delivery
from onething.applications.models import ResultDelivery
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    case = application.cases.filter(department=demo.samr.department,
                                    status="submitted").first()
    for action in (Action.ACCEPT, Action.APPROVE):
        transition_case(case.pk, action, actor=demo.samr)
    return application, case


def test_dispatch_form_only_for_post(client, demo, approved):
    application, case = approved
    client.force_login(demo.samr)
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "结果送达" in page and "窗口领取" in page and "登记寄递" not in page
    delivery.choose_delivery(application.pk, actor=demo.applicant, method="post",
                             address="山东省德州市德城区湖滨路8号", recipient="张小明",
                             mobile="13800000001")
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "登记寄递" in page and 'for="dispatch-carrier"' in page
    assert 'for="dispatch-tracking_number"' in page and "湖滨路" not in page

    bad = client.post(f"/workbench/cases/{case.pk}/", {"form": "dispatch", "carrier": "",
                                                       "tracking_number": ""})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'role="alert"' in html and 'href="#dispatch-carrier"' in html
    assert 'aria-describedby="dispatch-tracking_number-error"' in html

    done = client.post(f"/workbench/cases/{case.pk}/",
                       {"form": "dispatch", "carrier": "中国邮政EMS",
                        "tracking_number": "EA123456789CN"})
    assert done.status_code == 302
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "中国邮政EMS 运单号 EA123456789CN" in page  # the history table
    assert client.post(f"/workbench/cases/{case.pk}/",
                       {"form": "delivered"}).status_code == 302
    assert ResultDelivery.objects.get(application=application).delivered_at is not None


def test_dispatch_by_the_clerk_and_not_by_another_department(client, demo, approved):
    application, case = approved
    delivery.choose_delivery(application.pk, actor=demo.applicant, method="post",
                             address="山东省德州市德城区湖滨路8号", recipient="张小明",
                             mobile="13800000001")
    from onething.accounts.models import Role, User
    from onething.catalog.models import Department

    used = set(application.cases.values_list("department_id", flat=True))
    outsider = User.objects.create(username="outsider", role=Role.REVIEWER,
                                   department=Department.objects.exclude(pk__in=used).first())
    client.force_login(outsider)
    assert client.post(f"/workbench/cases/{case.pk}/",
                       {"form": "dispatch", "carrier": "EMS",
                        "tracking_number": "1"}).status_code == 404
    client.force_login(demo.clerk)
    assert "登记寄递" in client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert client.post(f"/workbench/cases/{case.pk}/",
                       {"form": "dispatch", "carrier": "EMS",
                        "tracking_number": "1"}).status_code == 302
    assert ResultDelivery.objects.get(application=application).tracking_number == "1"
