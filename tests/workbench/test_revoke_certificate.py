"""注销证照 from the workbench case page: only a reviewer of the issuing department,
always with a reason; everyone else is refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.certificates.models import Certificate
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(demo):
    """A business licence issued on approving the restaurant's registration."""
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    case = application.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    transition(case.pk, Action.APPROVE, actor=demo.samr, result={"note": "ok"})
    return Certificate.objects.get(case=case)


def case_url(certificate) -> str:
    return reverse("workbench:case", args=[certificate.case_id])


def revoke_url(certificate) -> str:
    return reverse("workbench:certificate-revoke", args=[certificate.number])


def verify_json(client, certificate) -> dict:
    return client.get(f"/verify/{certificate.number}/", HTTP_ACCEPT="application/json").json()


def test_reviewer_of_the_issuing_department_revokes(client, demo, licence):
    client.force_login(demo.samr)
    page = client.get(case_url(licence)).content.decode()
    assert licence.number in page and "<strong>有效</strong>" in page
    assert f'href="/verify/{licence.number}/"' in page
    assert f'action="{revoke_url(licence)}"' in page
    assert 'name="csrfmiddlewaretoken"' in page.split(f'action="{revoke_url(licence)}"')[1]
    assert '<label for="revoke-reason">' in page and 'id="revoke-reason"' in page
    assert "注销证照</button>" in page

    response = client.post(revoke_url(licence), {"reason": "以欺骗手段取得许可，依法撤销"})
    assert response.status_code == 302 and response["Location"] == case_url(licence)
    licence.refresh_from_db()
    assert licence.revoked_at is not None and licence.revoked_by == demo.samr
    page = client.get(response["Location"]).content.decode()
    assert f"已注销证照 {licence.number}" in page and "成功" in page
    assert "<strong>已注销</strong>" in page and "以欺骗手段取得许可，依法撤销" in page
    assert 'id="revoke-reason"' not in page  # nothing left to revoke
    assert '<td data-label="动作">注销证照</td>' in page  # in the history
    assert verify_json(client, licence)["status"] == "revoked"


def test_another_departments_reviewer_and_the_centre_get_403(client, demo, licence):
    for user in (demo.health, demo.manager):
        client.force_login(user)
        response = client.post(revoke_url(licence), {"reason": "不应允许"})
        assert response.status_code == 403
        assert "只有发证部门的审核人员可以注销证照" in response.content.decode()
    licence.refresh_from_db()
    assert licence.revoked_at is None
    assert verify_json(client, licence)["status"] == "valid"
    # The centre sees the certificate on the case page, but no form to revoke it.
    page = client.get(case_url(licence)).content.decode()
    assert licence.number in page and 'id="revoke-reason"' not in page

    client.force_login(demo.applicant)  # not staff at all
    assert client.post(revoke_url(licence), {"reason": "x"}).status_code == 403
    client.logout()
    response = client.post(revoke_url(licence), {"reason": "x"})
    assert response.status_code == 302 and "/workbench/login/" in response["Location"]


def test_an_empty_reason_is_shown_beside_the_field(client, demo, licence):
    client.force_login(demo.samr)
    response = client.post(revoke_url(licence), {"reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    error = '<p class="wb-error" id="revoke-reason-error">请填写注销理由 (a reason is required)</p>'
    assert error in html
    assert 'aria-invalid="true" aria-describedby="revoke-reason-error"' in html
    assert 'role="alert"' in html and 'href="#revoke-reason"' in html
    licence.refresh_from_db()
    assert licence.revoked_at is None


def test_revoking_twice_is_handled_gracefully(client, demo, licence):
    client.force_login(demo.samr)
    client.post(revoke_url(licence), {"reason": "第一次"})
    response = client.post(revoke_url(licence), {"reason": "第二次"})
    assert response.status_code == 302 and response["Location"] == case_url(licence)
    page = client.get(response["Location"]).content.decode()
    assert "已注销，无需再次注销" in page and "<strong>已注销</strong>" in page
    licence.refresh_from_db()
    assert licence.revoke_reason == "第一次"


def test_only_post_with_csrf_and_only_known_numbers(demo, licence):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.samr)
    assert client.get(revoke_url(licence)).status_code == 405
    assert client.post(revoke_url(licence), {"reason": "x"}).status_code == 403  # no token
    licence.refresh_from_db()
    assert licence.revoked_at is None
    client = Client()
    client.force_login(demo.samr)
    assert client.post(reverse("workbench:certificate-revoke", args=["NO-SUCH-1"]),
                       {"reason": "x"}).status_code == 404


def test_the_decision_shows_the_certificates_name_not_its_code(client, demo, licence):
    """The result of a decision lists the certificate by name; the catalogue's internal
    code (business-licence) is for machines and stays off the page."""
    client.force_login(demo.samr)
    page = client.get(case_url(licence)).content.decode()
    assert f"<dt>证照名称</dt><dd>{licence.certificate_type.name}</dd>" in page
    assert licence.certificate_type.key == "business-licence"
    assert "business-licence" not in page and "证照类型代码" not in page
