"""GET/POST /api/v1/applications/{id}/delivery, dispatch and delivered, with access checks."""

import json

import pytest

from onething.accounts.services import issue_api_token
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, label='test')}"}


def post(client, url, data, user):
    return client.post(url, json.dumps(data), content_type="application/json", **bearer(user))


@pytest.fixture
def application(demo):
    return submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                              applicant=demo.applicant)


def test_delivery_through_the_api(client, demo, application):
    url = f"/api/v1/applications/{application.pk}/delivery"
    got = client.get(url, **bearer(demo.applicant))
    assert got.status_code == 200 and got.json()["method"] == "pickup"
    assert got.json()["can_change"] is True

    # Another applicant sees nothing, and cannot choose.
    assert client.get(url, **bearer(demo.applicant2)).status_code == 404
    assert post(client, url, {"method": "electronic"}, demo.applicant2).status_code == 404

    bad = post(client, url, {"method": "post", "address": "新华路1号", "recipient": "张小明",
                             "mobile": "1380000"}, demo.applicant)
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"mobile"}
    assert post(client, url, {"method": "pigeon"}, demo.applicant).status_code == 400

    ok = post(client, url, {"method": "post", "address": "山东省德州市德城区新华路1号",
                            "recipient": "张小明", "mobile": "13800000001"}, demo.applicant)
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["method"] == "post" and body["address"] == "山东省德州市****"
    assert body["mobile"] == "138****0001" and body["recipient"] == "张**"

    # Dispatch: not before a result; never by the applicant.
    dispatch = f"{url}/dispatch"
    parcel = {"carrier": "中国邮政EMS", "tracking_number": "EA123456789CN"}
    assert post(client, dispatch, parcel, demo.clerk).status_code == 409
    case = application.cases.filter(department=demo.samr.department,
                                    status="submitted").first()
    for action in (Action.ACCEPT, Action.APPROVE):
        transition_case(case.pk, action, actor=demo.samr)
    assert post(client, dispatch, parcel, demo.applicant).status_code == 403
    # A reviewer whose department has no case here gets a 404 (no probing).
    from onething.accounts.models import Role, User
    from onething.catalog.models import Department

    used = set(application.cases.values_list("department_id", flat=True))
    outsider = User.objects.create(username="outsider", role=Role.REVIEWER,
                                   department=Department.objects.exclude(pk__in=used).first())
    assert post(client, dispatch, parcel, outsider).status_code == 404
    assert client.get(url, **bearer(outsider)).status_code == 404

    sent = post(client, dispatch, parcel, demo.samr)
    assert sent.status_code == 200 and sent.json()["tracking_number"] == "EA123456789CN"
    assert sent.json()["can_change"] is False
    again = post(client, url, {"method": "pickup"}, demo.applicant)
    assert again.status_code == 409 and again.json()["code"] == "already_dispatched"

    done = client.post(f"{url}/delivered", **bearer(demo.applicant))
    assert done.status_code == 200 and done.json()["delivered_at"]
    assert client.post(f"{url}/delivered", **bearer(demo.applicant)).status_code == 409


def test_dispatch_refused_unless_post(client, demo, application):
    case = application.cases.filter(department=demo.samr.department,
                                    status="submitted").first()
    for action in (Action.ACCEPT, Action.APPROVE):
        transition_case(case.pk, action, actor=demo.samr)
    response = post(client, f"/api/v1/applications/{application.pk}/delivery/dispatch",
                    {"carrier": "EMS", "tracking_number": "1"}, demo.samr)
    assert response.status_code == 409 and response.json()["code"] == "not_post"
