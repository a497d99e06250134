"""GET /bundles/{slug}/plan with an applicant's token plans with the certificates
they hold (免提交); without one it is the same public plan as before."""

from __future__ import annotations

import pytest

from onething.accounts.services import issue_api_token
from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.certificates.models import Certificate
from onething.certificates.services import revoke_certificate
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

URL = "/api/v1/bundles/restaurant/plan"
HOLDS = {"answer": "has_business_licence=yes"}


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, label='test')}"}


@pytest.fixture
def licence(demo):
    """The company applicant gets a business licence: restaurant, registration approved."""
    first = submit_application(restaurant_submission(demo.applicant2), actor=demo.applicant2,
                               applicant=demo.applicant2)
    case = first.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    transition(case.pk, Action.APPROVE, actor=demo.samr, result={"note": "ok"})
    return Certificate.objects.get(case=case)


def keys(items) -> list[str]:
    return [m["key"] for m in items]


def test_a_holders_token_moves_the_licence_to_reused_materials(client, demo, licence):
    anonymous = client.get(URL, HOLDS)
    assert anonymous.status_code == 200
    assert "business-licence" in keys(anonymous.json()["materials"])
    assert anonymous.json()["reused_materials"] == []
    assert anonymous.json()["materials_reused"] == 0

    response = client.get(URL, HOLDS, **bearer(demo.applicant2))
    assert response.status_code == 200, response.content
    body = response.json()
    assert "business-licence" not in keys(body["materials"])
    [reused] = body["reused_materials"]
    assert reused["key"] == "business-licence" and reused["reused"] is True
    assert reused["certificate"] == "business-licence"
    assert reused["certificate_number"] == licence.number
    assert reused["verify_url"] == f"/verify/{licence.number}/"
    assert body["materials_reused"] == 1
    assert len(body["materials"]) == len(anonymous.json()["materials"]) - 1
    assert "Authorization" in response["Vary"] and "Authorization" in anonymous["Vary"]


def test_others_plan_as_anonymous(client, demo, licence):
    anonymous = client.get(URL, HOLDS).json()
    staff = client.get(URL, HOLDS, **bearer(demo.samr)).json()
    assert staff == anonymous
    body = client.get(URL, HOLDS, **bearer(demo.applicant)).json()  # holds nothing
    outcome, anonymous_outcome = body.pop("outcome"), anonymous.pop("outcome")
    assert body == anonymous
    # Only the outcome knows the difference: nothing held, nothing reused (改革成效).
    assert (outcome["materials"]["reuse_basis"], outcome["materials"]["after_reuse"]) == \
        ("held", 11)
    assert (anonymous_outcome["materials"]["reuse_basis"],
            anonymous_outcome["materials"]["after_reuse"]) == ("catalogue", 9)


def test_a_revoked_certificate_is_not_reused(client, demo, licence):
    revoke_certificate(licence, actor=demo.samr, reason="吊销")
    body = client.get(URL, HOLDS, **bearer(demo.applicant2)).json()
    assert "business-licence" in keys(body["materials"]) and body["reused_materials"] == []


def test_a_bad_token_is_refused_not_ignored(client, demo):
    for header in ("Bearer ot_not-a-token", "Basic abc"):
        response = client.get(URL, HOLDS, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
        assert response["WWW-Authenticate"] == "Bearer"


def test_openapi_documents_optional_authentication(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/bundles/{slug}/plan"]["get"]
    assert operation["security"] == [{"BearerToken": []}, {}]
    assert "reused_materials" in operation["description"]
    assert "certificate_number" in operation["description"]
    assert "401" in operation["responses"]
