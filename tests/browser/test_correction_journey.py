"""A correction (补正) that keeps its files, in a real browser (issue 15): two pages of the
lease attached, the other material forgotten; the error keeps both pages attached (each
with 移除), one is removed, the missing material added and the correction sent."""

import re

import pytest

from onething.applications.models import CaseUploads, Upload
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action, CaseStatus
from tests.browser.test_restaurant_journey import sign_in_citizen
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_error_keeps_the_attached_correction_files(live_server, loaded_catalog, demo,
                                                      new_page, tmp_path):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    registration = application.cases.get(matter__code="business-registration")
    transition_case(registration.pk, Action.REQUEST_CORRECTION, actor=demo.samr,
                    reason="材料不全",
                    items=[{"material": "premises-proof", "note": "租赁合同缺页"},
                           {"material": "registration-application", "note": "未签字"}])
    paths = {}
    for name in ("lease-1.pdf", "lease-2.pdf", "signed-form.pdf"):
        paths[name] = tmp_path / name
        paths[name].write_bytes(b"%PDF-1.4 " + name.encode() + b"\n%%EOF\n")

    base = live_server.url
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.goto(f"{base}/applications/{application.pk}/")
    card = page.locator(f"#case-{registration.pk}")
    card.locator(f"#case-{registration.pk}-material-premises-proof").set_input_files(
        [str(paths["lease-1.pdf"]), str(paths["lease-2.pdf"])])
    card.get_by_role("button", name="提交补正材料").click()
    page.wait_for_load_state()

    # Refused: the application form is missing; both lease pages are still attached.
    assert "请选择“经营主体登记申请书”的补正文件" in page.locator(".error-summary").inner_text()
    card = page.locator(f"#case-{registration.pk}")
    attached = card.locator(f"#case-{registration.pk}-material-premises-proof-attached")
    assert "“经营场所使用证明”已上传 2 个文件" in attached.inner_text()
    assert "第 1 页：lease-1.pdf" in attached.inner_text()
    assert "第 2 页：lease-2.pdf" in attached.inner_text()
    assert card.get_by_role("button", name=re.compile("^移除")).count() == 2
    assert "请重新选择" not in page.locator("main").inner_text()

    # 移除 the first page: the second stays, nothing is sent.
    card.get_by_role("button", name=re.compile(r"^移除\s*“经营场所使用证明”第 1 页")).click()
    page.wait_for_url(re.compile(rf".*/applications/{application.pk}/"
                                 rf"#case-{registration.pk}-material-premises-proof$"))
    card = page.locator(f"#case-{registration.pk}")
    assert card.get_by_role("button", name=re.compile("^移除")).count() == 1
    assert "第 1 页：lease-2.pdf" in card.inner_text()
    registration.refresh_from_db()
    assert registration.status == CaseStatus.CORRECTION_REQUESTED

    # The missing material added: the correction is sent with the kept page.
    card.locator(f"#case-{registration.pk}-material-registration-application").set_input_files(
        str(paths["signed-form.pdf"]))
    card.get_by_role("button", name="提交补正材料").click()
    page.wait_for_url(re.compile(rf".*/applications/{application.pk}/$"))
    assert "的补正材料已提交" in page.locator("main").inner_text()
    registration.refresh_from_db()
    assert registration.status == CaseStatus.SUBMITTED
    kept = Upload.objects.get(owner=demo.applicant, original_name="lease-2.pdf")
    assert list(application.materials.filter(current=True, material_key="premises-proof")
                .values_list("upload_id", flat=True)) == [kept.pk]
    assert not CaseUploads.objects.exists()
