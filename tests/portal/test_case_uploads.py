"""补正 and 容缺补齐 keep their files across an error (CaseUploads): what was attached stays
on the server for that case, that form and that person, listed with 移除; sending the form
consumes it; housekeeping deletes it once expired. Nobody else sees or uses it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from onething.accounts.models import User
from onething.applications.drafts import keep_case_uploads
from onething.applications.models import Application, CaseUploads, Upload
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action, CaseStatus
from onething.ops.housekeeping import run_housekeeping
from tests.conftest import restaurant_submission
from tests.portal.test_citizen import pdf
from tests.portal.test_procedures_portal import PERFORMANCE, PERMIT, performance_post

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def corrected(demo):
    """The restaurant application with 设立登记 asked to correct two materials."""
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    registration = application.cases.get(matter__code="business-registration")
    transition_case(registration.pk, Action.REQUEST_CORRECTION, actor=demo.samr,
                    reason="材料不全",
                    items=[{"material": "premises-proof", "note": "租赁合同缺页"},
                           {"material": "registration-application", "note": "未签字"}])
    return application, registration


def pages(html: str, key: str) -> list[tuple[str, str]]:
    """(page text, 移除 button value) of material ``key`` as the page lists them."""
    return re.findall(r'<li><span>(第 \d+ 页：[^<]+)</span>\s*<button type="submit" '
                      rf'class="button button-secondary button-small" name="remove" '
                      rf'value="({key}:\d+)">', html)


def test_an_error_keeps_the_correction_files_attached_until_they_are_sent(client, demo):
    application, registration = corrected(demo)
    client.force_login(demo.applicant)
    url = f"/applications/{application.pk}/"
    resubmit = f"{url}cases/{registration.pk}/resubmit/"
    # Two pages of the lease, the application form forgotten: refused, the pages kept.
    response = client.post(resubmit, {"material-premises-proof": [
        pdf("lease-1.pdf", body=b"%PDF-1.4 lease one"),
        pdf("lease-2.pdf", body=b"%PDF-1.4 page two")]})
    html = response.content.decode()
    assert response.status_code == 400
    assert f'href="#case-{registration.pk}-material-registration-application"' in html
    first, second = Upload.objects.filter(owner=demo.applicant,
                                          original_name__startswith="lease-").order_by("pk")
    kept = CaseUploads.objects.get()
    assert (kept.owner, kept.case, kept.purpose, kept.materials) == (
        demo.applicant, registration, "resubmit", {"premises-proof": [first.pk, second.pk]})
    assert pages(html, "premises-proof") == [
        ("第 1 页：lease-1.pdf（18\xa0字节）", f"premises-proof:{first.pk}"),
        ("第 2 页：lease-2.pdf（17\xa0字节）", f"premises-proof:{second.pk}")]
    assert "“经营场所使用证明”已上传 2 个文件：" in html
    assert "请重新选择每一份材料" not in html
    # Still there when the page is opened again (another visit, the same person).
    page = client.get(url).content.decode()
    assert [v for _, v in pages(page, "premises-proof")] == [
        f"premises-proof:{first.pk}", f"premises-proof:{second.pk}"]

    # 移除 takes one page off and sends nothing.
    removed = client.post(resubmit, {"remove": f"premises-proof:{first.pk}"})
    assert removed.status_code == 302
    assert removed["Location"] == f"{url}#case-{registration.pk}-material-premises-proof"
    kept.refresh_from_db()
    assert kept.materials == {"premises-proof": [second.pk]}
    registration.refresh_from_db()
    assert registration.status == CaseStatus.CORRECTION_REQUESTED

    # The missing one added: sent with the kept page; nothing is left pending.
    done = client.post(resubmit, {"material-registration-application": pdf("form.pdf")})
    assert done.status_code == 302 and done["Location"] == url
    registration.refresh_from_db()
    assert registration.status == CaseStatus.SUBMITTED
    current = application.materials.filter(current=True, material_key="premises-proof")
    assert list(current.values_list("upload_id", "page")) == [(second.pk, 1)]
    assert application.materials.get(current=True,
                                      material_key="registration-application"
                                      ).upload.original_name == "form.pdf"
    assert not CaseUploads.objects.exists()


def test_the_supply_form_keeps_the_pages_before_a_refused_file(client, demo):
    culture = User.objects.get(username="reviewer-dc-culture-tourism")
    client.force_login(demo.applicant2)
    client.post("/bundles/performance/apply/", performance_post(demo.applicant2))
    application = Application.objects.get()
    case = application.cases.get(matter__code=PERFORMANCE)
    transition_case(case.pk, Action.ACCEPT_PENDING, actor=culture)
    supply = f"/applications/{application.pk}/cases/{case.pk}/supply/"
    response = client.post(supply, {f"material-{PERMIT}": [
        pdf("permit-1.pdf", body=b"%PDF-1.4 permit"), pdf("virus.pdf", body=b"MZ not a pdf")]})
    assert response.status_code == 400
    html = response.content.decode()
    [page_one] = Upload.objects.filter(owner=demo.applicant2, original_name="permit-1.pdf")
    assert pages(html, PERMIT) == [
        ("第 1 页：permit-1.pdf（15\xa0字节）", f"{PERMIT}:{page_one.pk}")]
    assert CaseUploads.objects.get().materials == {PERMIT: [page_one.pk]}
    # Sent as it is: the kept page is the material.
    done = client.post(supply, {})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert list(application.materials.filter(current=True, material_key=PERMIT)
                .values_list("upload_id", flat=True)) == [page_one.pk]
    assert not CaseUploads.objects.exists()


def test_nobody_else_sees_uses_or_changes_the_kept_files(client, demo):
    application, registration = corrected(demo)
    client.force_login(demo.applicant)
    url = f"/applications/{application.pk}/"
    resubmit = f"{url}cases/{registration.pk}/resubmit/"
    client.post(resubmit, {"material-premises-proof": pdf("lease-1.pdf", body=b"%PDF-1.4 l1")})
    [lease] = Upload.objects.filter(original_name="lease-1.pdf")
    kept = {"premises-proof": [lease.pk]}
    assert CaseUploads.objects.get().materials == kept

    # Another applicant, and staff of a department without the case: 404, nothing kept.
    culture = User.objects.get(username="reviewer-dc-culture-tourism")
    for outsider in (demo.applicant2, culture):
        client.force_login(outsider)
        for data in ({"remove": f"premises-proof:{lease.pk}"},
                     {"material-premises-proof": pdf("theirs.pdf"),
                      "material-registration-application": pdf("theirs.pdf")}):
            assert client.post(resubmit, data).status_code == 404
        assert client.get(url).status_code == 404
    # The reviewer who holds the case sees the application, never the applicant's
    # pending files, and keeps none of their own.
    client.force_login(demo.samr)
    page = client.get(url).content.decode()
    assert "lease-1.pdf" not in page and 'name="remove"' not in page
    refused = client.post(resubmit, {"material-premises-proof": pdf("staff.pdf"),
                                     "material-registration-application": pdf("staff.pdf")})
    assert refused.status_code == 400
    assert list(CaseUploads.objects.values_list("owner", "materials")) == [
        (demo.applicant.pk, kept)]
    registration.refresh_from_db()
    assert registration.status == CaseStatus.CORRECTION_REQUESTED

    # Someone else's upload id slipped into the row is neither listed nor sent.
    theirs = Upload.objects.create(owner=demo.applicant2, sha256="1" * 64, size=1,
                                   content_type="application/pdf", original_name="x.pdf")
    CaseUploads.objects.update(materials={"premises-proof": [lease.pk, theirs.pk]})
    client.force_login(demo.applicant)
    page = client.get(url).content.decode()
    assert [v for _, v in pages(page, "premises-proof")] == [f"premises-proof:{lease.pk}"]
    client.post(resubmit, {"material-registration-application": pdf("form.pdf")})
    assert list(application.materials.filter(current=True, material_key="premises-proof")
                .values_list("upload_id", flat=True)) == [lease.pk]


def test_kept_files_expire_like_drafts_and_housekeeping_deletes_them(client, demo):
    application, registration = corrected(demo)
    client.force_login(demo.applicant)
    with time_machine.travel(T0, tick=False):
        client.post(f"/applications/{application.pk}/cases/{registration.pk}/resubmit/",
                    {"material-premises-proof": pdf("lease-1.pdf", body=b"%PDF-1.4 l1")})
        kept = CaseUploads.objects.get()
        assert kept.expires_at == T0 + dt.timedelta(days=30)
    with time_machine.travel(T0 + dt.timedelta(days=29), tick=False):
        assert run_housekeeping().deleted["case_uploads"] == 0
        assert "lease-1.pdf" in client.get(f"/applications/{application.pk}/").content.decode()
    with time_machine.travel(T0 + dt.timedelta(days=30, seconds=1), tick=False):
        # Expired: gone from the form at once, before housekeeping runs.
        page = client.get(f"/applications/{application.pk}/").content.decode()
        assert "lease-1.pdf" not in page
        report = run_housekeeping()
    assert report.deleted["case_uploads"] == 1 and not CaseUploads.objects.exists()
    assert ("已删除 1 条过期的待提交补正/补齐文件 (deleted 1 expired pending correction file "
            "list(s))") in report.lines()
    # The file itself stays its owner's, unused.
    assert Upload.objects.filter(owner=demo.applicant, original_name="lease-1.pdf").exists()


def test_only_the_applicant_keeps_files_and_an_empty_form_keeps_no_row(demo):
    _, registration = corrected(demo)
    upload = Upload.objects.create(owner=demo.samr, sha256="0" * 64, size=1,
                                   content_type="application/pdf")
    keep_case_uploads(demo.samr, registration, "resubmit", {"premises-proof": [upload.pk]},
                      allowed=["premises-proof"])
    assert not CaseUploads.objects.exists()
    mine = Upload.objects.filter(owner=demo.applicant).first()
    keep_case_uploads(demo.applicant, registration, "resubmit",
                      {"premises-proof": [mine.pk], "not-asked": [mine.pk]},
                      allowed=["premises-proof"])
    assert CaseUploads.objects.get().materials == {"premises-proof": [mine.pk]}
    assert CaseUploads.objects.get().expires_at > timezone.now()
    keep_case_uploads(demo.applicant, registration, "resubmit", {}, allowed=["premises-proof"])
    assert not CaseUploads.objects.exists()
