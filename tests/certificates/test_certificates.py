"""Certificates issued on approval, verified in public, revoked by the issuer; keys."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from django.core.management import call_command
from django.urls import reverse

from onething.accounts.services import issue_api_token
from onething.applications.services import CaseActionDenied, SubmissionError, submit_application
from onething.applications.services import transition_case as transition
from onething.certificates import keys
from onething.certificates.models import Certificate, SigningKey
from onething.certificates.services import revoke_certificate, verify_path
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(demo):
    return submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                              applicant=demo.applicant)


def approve_registration(application, demo, **result):
    case = application.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    transition(case.pk, Action.APPROVE, actor=demo.samr, result=result or {"note": "ok"})
    case.refresh_from_db()
    return case


def verify_json(client, number):
    return client.get(f"/verify/{number}/", HTTP_ACCEPT="application/json")


def test_approval_issues_a_signed_certificate_that_the_dependent_case_receives(
        application, demo, client):
    case = approve_registration(application, demo)
    certificate = Certificate.objects.get(case=case)
    assert certificate.certificate_type.key == "business-licence"
    assert certificate.holder == demo.applicant
    assert certificate.department == case.department
    assert case.result["number"] == certificate.number
    assert case.result["verify_url"] == f"/verify/{certificate.number}/"
    assert verify_path(certificate.number) == reverse("certificates:verify",
                                                      args=[certificate.number])
    data = certificate.data
    assert data["tracking_number"] == application.tracking_number
    assert data["matter"]["code"] == "business-registration"
    assert data["details"] == {}  # the reviewer's note stays on the case
    assert "ok" not in [f["value"] for f in data["fields"]]
    assert demo.applicant.id_number not in str(data)  # masked
    food = application.cases.get(matter__code="food-business-licence")
    assert food.received["business-registration"]["number"] == certificate.number
    assert food.received["business-registration"]["verify_url"] == case.result["verify_url"]
    assert food.received["business-registration"]["uscc"] == data["holder_id"]
    assert verify_json(client, certificate.number).json()["status"] == "valid"


def test_a_matter_without_certificate_type_issues_none(application, demo):
    case = application.cases.get(matter__code="food-worker-health-certificate")
    type(case.matter).objects.filter(pk=case.matter_id).update(issues=None)
    transition(case.pk, Action.ACCEPT, actor=demo.health)
    transition(case.pk, Action.APPROVE, actor=demo.health)
    case.refresh_from_db()
    assert not Certificate.objects.filter(case=case).exists()
    assert "number" not in case.result and case.result["decision"] == "approved"


def test_verify_statuses_page_and_json(application, demo, client):
    certificate = Certificate.objects.get(case=approve_registration(application, demo))
    number = certificate.number

    response = verify_json(client, number)
    assert response.status_code == 200 and response["Cache-Control"].startswith("no-store")
    body = response.json()
    assert body["status"] == "valid" and body["details_shown"] is False
    data = certificate.data
    assert body["certificate"] == {  # a business's licence is public (企业信用信息公示)
        "number": number, "certificate_type": "business-licence",
        "certificate_name": data["certificate_name"], "holder_name": "德城甜心烘焙店",
        "holder_id": data["holder_id"], "department": data["department"],
        "issued_at": data["issued_at"], "valid_until": None, "fields": data["fields"]}
    page = client.get(f"/verify/{number}/")
    assert page.status_code == 200 and "有效" in page.content.decode()
    assert 'lang="zh-Hans"' in page.content.decode()

    missing = verify_json(client, "BL-20260101-NOSUCHNO")
    assert missing.status_code == 404
    assert missing.json() == {"status": "unknown", "reason": "not_found", "certificate": None}
    assert "没有找到" in client.get("/verify/BL-20260101-NOSUCHNO/").content.decode()

    Certificate.objects.filter(pk=certificate.pk).update(valid_until=dt.date(2020, 1, 1))
    assert verify_json(client, number).json()["reason"] == "signature_mismatch"


def test_expired_when_signed_validity_has_passed(application, demo, client):
    # 户外招牌设置意见书: valid until the date the register records (entered at approval)
    approve_registration(application, demo)  # the signboard waits on the licence
    case = application.cases.get(matter__code="outdoor-signboard")
    transition(case.pk, Action.ACCEPT, actor=demo.urban)
    transition(case.pk, Action.APPROVE, actor=demo.urban, result={"valid_until": "2020-12-31"})
    case.refresh_from_db()
    body = verify_json(client, case.result["number"]).json()
    assert body["status"] == "expired"
    assert body["certificate"]["valid_until"] == "2020-12-31"
    assert "details" not in body["certificate"]
    certificate = Certificate.objects.get(number=case.result["number"])
    assert "valid_until" not in certificate.data["details"]


def test_a_long_term_licence_ignores_a_typed_expiry(application, demo):
    case = approve_registration(application, demo, valid_until="2020-12-31")
    certificate = Certificate.objects.get(case=case)
    assert certificate.valid_until is None and certificate.data["valid_until"] is None


def test_bad_validity_is_refused(application, demo):
    case = application.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    with pytest.raises(SubmissionError):
        transition(case.pk, Action.APPROVE, actor=demo.samr, result={"valid_until": "明年"})
    assert not Certificate.objects.exists()


def test_tampered_rows_are_unknown_with_signature_mismatch(application, demo, client):
    certificate = Certificate.objects.get(case=approve_registration(application, demo))
    original = dict(certificate.data)
    for data in ({**original, "holder_name": "别人"},
                 {**original, "details": {"note": "ok", "extra": "1"}},
                 {k: v for k, v in original.items() if k != "holder_id"}):
        Certificate.objects.filter(pk=certificate.pk).update(data=data)
        body = verify_json(client, certificate.number).json()
        assert body == {"status": "unknown", "reason": "signature_mismatch",
                        "certificate": None}
    forged = ("B" if certificate.signature[0] == "A" else "A") + certificate.signature[1:]
    Certificate.objects.filter(pk=certificate.pk).update(data=original, signature=forged)
    assert verify_json(client, certificate.number).json()["status"] == "unknown"
    Certificate.objects.filter(pk=certificate.pk).update(signature=certificate.signature)
    assert verify_json(client, certificate.number).json()["status"] == "valid"
    Certificate.objects.filter(pk=certificate.pk).update(
        data={**original, "holder_name": "篡改者"})
    page = client.get(f"/verify/{certificate.number}/").content.decode()
    assert "不一致" in page and "篡改者" not in page  # tampered data is never shown


def test_revoke_only_by_issuing_reviewer_with_reason(application, demo, client):
    certificate = Certificate.objects.get(case=approve_registration(application, demo))
    for user in (demo.applicant, demo.health, demo.clerk, demo.manager):
        with pytest.raises(CaseActionDenied):
            revoke_certificate(certificate, actor=user, reason="错误")
    with pytest.raises(SubmissionError):
        revoke_certificate(certificate, actor=demo.samr, reason="  ")
    revoke_certificate(certificate, actor=demo.samr, reason="申请人申请注销")
    assert certificate.revoked_at and certificate.revoked_by == demo.samr
    body = verify_json(client, certificate.number).json()
    assert body["status"] == "revoked" and body["revoked_at"]
    assert "已注销" in client.get(f"/verify/{certificate.number}/").content.decode()
    assert application.events.filter(action="revoke_certificate").exists()
    with pytest.raises(SubmissionError):
        revoke_certificate(certificate, actor=demo.samr, reason="again")


def test_keys_init_is_idempotent_and_private_key_is_0600(db, capsys):
    call_command("keys", "init")
    first = SigningKey.objects.get(active=True)
    call_command("keys", "init")
    assert SigningKey.objects.count() == 1
    assert first.key_id in capsys.readouterr().out
    path = keys.private_key_path(first.key_id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "PRIVATE" not in first.public_key_pem


def test_rotated_keys_still_verify(application, demo, client):
    call_command("keys", "init")
    old_key = SigningKey.objects.get(active=True)
    certificate = Certificate.objects.get(case=approve_registration(application, demo))
    assert certificate.key == old_key
    call_command("keys", "rotate")
    old_key.refresh_from_db()
    assert not old_key.active and old_key.retired_at is not None
    new_key = SigningKey.objects.get(active=True)
    assert new_key != old_key
    assert verify_json(client, certificate.number).json()["status"] == "valid"
    food = application.cases.get(matter__code="food-business-licence")
    transition(food.pk, Action.ACCEPT, actor=demo.samr)
    transition(food.pk, Action.APPROVE, actor=demo.samr)
    second = Certificate.objects.get(case=food)
    assert second.key == new_key
    assert verify_json(client, second.number).json()["status"] == "valid"


def test_api_case_carries_its_certificate(application, demo, client):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(demo.applicant, label='t')}"}
    before = client.get(f"/api/v1/applications/{application.pk}", **headers).json()
    assert all(c["certificate"] is None for c in before["cases"])
    case = approve_registration(application, demo)
    after = client.get(f"/api/v1/applications/{application.pk}", **headers).json()
    cases = {c["matter"]["code"]: c for c in after["cases"]}
    assert cases["business-registration"]["certificate"] == {
        "number": case.result["number"], "verify_url": case.result["verify_url"]}
    assert cases["food-business-licence"]["certificate"] is None
    verified = client.get(cases["business-registration"]["certificate"]["verify_url"],
                          HTTP_ACCEPT="application/json").json()
    assert verified["status"] == "valid"


def test_a_number_from_the_department_register_is_kept_once(application, demo, client):
    case = approve_registration(application, demo, number="dc-lic-1")
    assert case.result["number"] == "DC-LIC-1"
    assert verify_json(client, "DC-LIC-1").json()["status"] == "valid"
    food = application.cases.get(matter__code="food-business-licence")
    transition(food.pk, Action.ACCEPT, actor=demo.samr)
    for bad in ("DC-LIC-1", "含中文", "a/b"):
        with pytest.raises(SubmissionError):
            transition(food.pk, Action.APPROVE, actor=demo.samr, result={"number": bad})
