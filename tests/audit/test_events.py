"""The events the issue names reach the audit trail, and staff see their cases' access log."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from onething.accounts.models import ApiToken
from onething.accounts.services import issue_api_token
from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.audit.models import AuditEntry
from onething.audit.services import record_audit, verify_chain
from onething.certificates.models import Certificate
from onething.certificates.services import revoke_certificate
from onething.domain.cases import Action
from onething.notifications.backends import MemorySmsBackend
from onething.registers.demo import demo_csvs
from onething.registers.services import load_register
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


def kinds() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("kind", flat=True))


def last(kind: str) -> AuditEntry:
    return AuditEntry.objects.filter(kind=kind).order_by("-id").first()


def last_code() -> str:
    return re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()


@pytest.fixture
def application(demo):
    return submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                              applicant=demo.applicant)


def test_portal_sms_sign_in_failure_and_success(client, demo):
    client.post("/login/", {"step": "mobile", "mobile": "13800000001"})
    code = last_code()
    client.post("/login/", {"step": "code", "mobile": "13800000001",
                            "code": "000000" if code != "000000" else "111111"})
    failed = last("auth.login_failed")
    assert (failed.actor_id, failed.actor_label) == (None, "138****0001")
    assert failed.details == {"channel": "portal", "ip": "127.0.0.1", "reason": "bad_code"}
    client.post("/login/", {"step": "code", "mobile": "13800000001", "code": code})
    done = last("auth.login_succeeded")
    assert (done.actor_id, done.subject_type, done.subject_id) == (
        demo.applicant.pk, "accounts.user", str(demo.applicant.pk))
    assert done.details == {"channel": "portal", "ip": "127.0.0.1"}
    assert done.actor_label == "demo-applicant"
    assert kinds() == ["auth.login_failed", "auth.login_succeeded"]
    assert verify_chain().ok


def test_workbench_password_sign_in_failure_and_success(client, demo):
    demo.samr.set_password("a-long-pass-1")
    demo.samr.save()
    url = reverse("workbench:login")
    client.post(url, {"username": "reviewer-dc-samr", "password": "wrong"})
    failed = last("auth.login_failed")
    assert (failed.actor_label, failed.details) == (
        "reviewer-dc-samr", {"channel": "workbench", "ip": "127.0.0.1"})
    assert "wrong" not in str(failed.details)
    client.post(url, {"username": "reviewer-dc-samr", "password": "a-long-pass-1"})
    assert last("auth.login_succeeded").actor_id == demo.samr.pk
    assert last("auth.login_succeeded").details["channel"] == "workbench"


def test_admin_password_failure_is_recorded(client, demo):
    client.post("/admin/login/", {"username": "demo-manager", "password": "nope"})
    assert last("auth.login_failed").details == {"channel": "admin", "ip": "127.0.0.1"}


def test_kiosk_code_failure_is_recorded(client, demo):
    client.post(reverse("kiosk:identify"), {"id_number": demo.applicant.id_number})
    client.post(reverse("kiosk:code"), {"code": "000000" if last_code() != "000000"
                                        else "111111"})
    failed = last("auth.login_failed")
    # The kiosk knows only the ID number typed (masked in the trail), not the account.
    number = demo.applicant.id_number
    assert (failed.actor_label, failed.details["channel"], failed.details["reason"]) == (
        f"{number[:6]}********{number[-4:]}", "kiosk", "bad_code")
    client.post(reverse("kiosk:code"), {"code": last_code()})
    assert last("auth.login_succeeded").details["channel"] == "kiosk"


def test_token_issue_and_revocation(demo):
    issue_api_token(demo.applicant, label="会计软件")
    token = ApiToken.objects.get()
    issued = last("token.issued")
    assert (issued.subject_type, issued.subject_id, issued.details) == (
        "accounts.apitoken", str(token.pk), {"label": "会计软件", "holder": "demo-applicant"})
    token.last_used_at = timezone.now()
    token.save()
    assert kinds() == ["token.issued"]  # other changes are not revocations
    token.revoked_at = timezone.now()
    token.save()
    token.save()  # saved again: still one revocation
    assert kinds() == ["token.issued", "token.revoked"]
    assert last("token.revoked").subject_id == str(token.pk)


def test_staff_views_and_downloads_of_materials_are_recorded(client, demo, application):
    material = application.materials.get(material_key="premises-proof")
    url = reverse("applications:material", args=[material.pk])
    client.force_login(demo.applicant)  # the applicant's own look is not a staff access
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(kind__startswith="material.").count() == 0
    client.force_login(demo.samr)
    assert client.get(url).status_code == 200
    assert client.get(url, {"inline": "1"}).status_code == 200
    downloaded, viewed = last("material.downloaded"), last("material.viewed")
    assert (downloaded.actor_id, downloaded.subject_type, downloaded.subject_id) == (
        demo.samr.pk, "applications.providedmaterial", str(material.pk))
    assert downloaded.details == {"application": application.pk,
                                  "material": "premises-proof",
                                  "sha256": material.upload.sha256}
    assert viewed.actor_id == demo.samr.pk
    client.force_login(demo.fire)  # not needed by the fire department: 404, nothing recorded
    assert client.get(url).status_code == 404
    assert AuditEntry.objects.filter(kind__startswith="material.").count() == 2


def test_case_page_access_log_for_the_department_managers_and_admins(client, demo, application):
    case = application.cases.get(matter__code="business-registration")
    material = application.materials.get(material_key="premises-proof")
    client.force_login(demo.samr)
    client.get(reverse("applications:material", args=[material.pk]))
    client.force_login(demo.clerk)
    clerk_page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert "查阅记录" not in clerk_page  # the clerk opens the case but not who looked
    client.force_login(demo.manager)
    client.get(reverse("workbench:case", args=[case.pk]))
    client.force_login(demo.samr)
    page = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    section = page[page.index('id="access-heading"'):]
    rows = re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>([^<]+)</th>\s*<td[^>]*>([^<]+)</td>\s*"
                      r"<td[^>]*>([^<]+)</td>\s*<td[^>]*>([^<]+)</td>", section)
    names = {m["key"]: m["name"] for m in application.plan["materials"]}
    assert [r[1:] for r in rows] == [
        (demo.samr.display_name, "查阅办件", "—"),
        (demo.manager.display_name, "查阅办件", "—"),
        (demo.clerk.display_name, "查阅办件", "—"),  # the clerk's look is on the record too
        (demo.samr.display_name, "下载材料", names["premises-proof"]),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[0]) for r in rows)
    # Another department's material views do not show on this case.
    health = application.cases.get(matter__code="food-worker-health-certificate")
    record_audit("case.viewed", actor=demo.health, subject=health, case_id=health.pk)
    again = client.get(reverse("workbench:case", args=[case.pk])).content.decode()
    assert demo.health.display_name not in again[again.index('id="access-heading"'):]


def test_certificate_revocation_and_staff_download_are_recorded(client, demo, application):
    case = application.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    transition(case.pk, Action.APPROVE, actor=demo.samr, result={"note": "ok"})
    certificate = Certificate.objects.get(case=case)
    client.force_login(demo.applicant)
    assert client.get(reverse("certificates:pdf", args=[certificate.number])).status_code == 200
    assert last("certificate.downloaded") is None  # the holder's own copy
    client.force_login(demo.manager)
    assert client.get(reverse("certificates:pdf", args=[certificate.number])).status_code == 200
    assert (last("certificate.downloaded").actor_id, last("certificate.downloaded").case_id) == (
        demo.manager.pk, case.pk)
    revoke_certificate(certificate, actor=demo.samr, reason="申请人 13800000001 申请注销")
    revoked = last("certificate.revoked")
    assert (revoked.actor_id, revoked.subject_id, revoked.case_id) == (
        demo.samr.pk, str(certificate.pk), case.pk)
    assert revoked.details == {"number": certificate.number,
                               "reason": "申请人 138****0001 申请注销"}


def test_register_import_is_recorded(demo):
    text = demo_csvs()["contributions"]
    result = load_register("contributions", text.encode(), actor=None, filename="c.csv")
    entry = last("register.imported")
    assert (entry.actor_id, entry.actor_label, entry.subject_type, entry.subject_id) == (
        None, "command line", "registers.registerload", str(result.load.pk))
    assert entry.details == {"register": "contributions", "rows": result.load.rows,
                             "sha256": result.load.sha256, "filename": "c.csv"}
    bad = load_register("contributions", b"no,such\n1,2\n", actor=None)
    assert not bad.ok and AuditEntry.objects.filter(kind="register.imported").count() == 1


def test_staff_reading_a_case_through_the_api_is_recorded(client, demo, application):
    case = application.cases.get(matter__code="business-registration")
    applicant_token = issue_api_token(demo.applicant, label="own")
    response = client.get(f"/api/v1/cases/{case.pk}",
                          HTTP_AUTHORIZATION=f"Bearer {applicant_token}")
    assert response.status_code == 200 and last("case.viewed") is None
    staff_token = issue_api_token(demo.samr, label="department system")
    response = client.get(f"/api/v1/cases/{case.pk}", HTTP_AUTHORIZATION=f"Bearer {staff_token}")
    assert response.status_code == 200
    viewed = last("case.viewed")
    assert (viewed.actor_id, viewed.case_id, viewed.details) == (
        demo.samr.pk, case.pk, {"application": application.pk, "channel": "api"})
