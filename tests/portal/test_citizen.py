"""The citizen portal: sign-in by SMS code, registration, applying once,
following the parallel cases, corrections, withdrawal, messages."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onething.accounts.models import User
from onething.applications.models import Application
from onething.applications.services import submit_application, transition_case
from onething.catalog.selectors import plan_bundle
from onething.domain.cases import Action
from onething.domain.validators import id_check_character, uscc_check_character
from onething.notifications.backends import MemorySmsBackend
from tests.conftest import RESTAURANT_FORM, restaurant_submission

pytestmark = pytest.mark.django_db


def pdf(name="a.pdf", body=b"%PDF-1.4 test file\n%%EOF\n"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def last_code():
    return re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()


def restaurant_post(user, key="key-1", **overrides):
    plan = plan_bundle("restaurant", {})
    data = {f.key: RESTAURANT_FORM.get(f.key, "x") for f in plan.fields}
    data["legal_representative_id_number"] = user.id_number
    data["idempotency_key"] = key
    for m in plan.materials:
        data[f"material-{m.key}"] = pdf(f"{m.key}.pdf")
    for c in plan.commitments:  # 告知承诺: the box ticked sends the hash of the text shown
        data[f"commitment-{c.matter}"] = c.sha256
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_sign_in_by_sms_code_and_sign_out(client, demo):
    page = client.get("/login/").content.decode()
    assert 'for="field-mobile"' in page and 'inputmode="tel"' in page

    bad = client.post("/login/", {"step": "mobile", "mobile": "1234"}).content.decode()
    assert 'role="alert"' in bad and 'href="#field-mobile"' in bad
    assert 'aria-describedby="field-mobile-hint field-mobile-error"' in bad

    step2 = client.post("/login/", {"step": "mobile", "mobile": "13800000001",
                                    "next": "/notifications/"}).content.decode()
    assert "138****0001" in step2 and 'autocomplete="one-time-code"' in step2
    assert MemorySmsBackend.outbox[-1][0] == "13800000001"
    code = last_code()

    wrong = client.post("/login/", {"step": "code", "mobile": "13800000001",
                                    "code": "000000" if code != "000000" else "111111"})
    html = wrong.content.decode()
    assert 'role="alert"' in html and "验证码错误，还可以再试4次" in html
    assert 'aria-invalid="true"' in html and 'href="#field-code"' in html

    signed_in = client.post("/login/", {"step": "code", "mobile": "13800000001",
                                        "code": code, "next": "/notifications/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/notifications/"
    header = client.get("/applications/").content.decode()
    assert "张小明" in header and "我的申请" in header and "退出" in header

    assert client.get("/logout/").status_code == 405  # signing out is a POST (CSRF-safe)
    assert client.post("/logout/").status_code == 302
    assert "登录" in client.get("/").content.decode()
    assert client.get("/applications/")["Location"].startswith("/login/?next=")

    # Unknown numbers get the same answer (no probing) and no SMS.
    sent = len(MemorySmsBackend.outbox)
    unknown = client.post("/login/", {"step": "mobile", "mobile": "13900000009"})
    assert "139****0009" in unknown.content.decode()
    assert len(MemorySmsBackend.outbox) == sent


def test_registration_checks_every_field_then_signs_in_by_code(client, loaded_catalog):
    page = client.get("/register/").content.decode()
    assert "个人注册" in page and 'for="field-id_number"' in page
    bad_id = "37140219900101123" + ("0" if id_check_character("37140219900101123") != "0"
                                     else "1")
    response = client.post("/register/", {"kind": "person", "real_name": "",
                                           "id_number": bad_id, "mobile": "1380000"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "校验码" in html
    for name in ("real_name", "id_number", "mobile"):
        assert f'href="#field-{name}"' in html and f'id="field-{name}-error"' in html

    good_id = "11010519491231002" + id_check_character("11010519491231002")
    done = client.post("/register/", {"kind": "person", "real_name": "陈一",
                                      "id_number": good_id, "mobile": "13700000007"})
    # The number goes to the sign-in form through the session, not the address.
    assert done.status_code == 302 and done["Location"] == "/login/"
    login_page = client.get(done["Location"]).content.decode()
    assert 'value="13700000007"' in login_page
    # The form no longer takes the number from the address either.
    assert 'value="13900000009"' not in client.get("/login/?mobile=13900000009").content.decode()
    # A number that already has an account gets the same answer (no account probing);
    # nothing is created, the number's holder simply signs in.
    again = client.post("/register/", {"kind": "person", "real_name": "冒名",
                                       "id_number": good_id, "mobile": "13700000007"})
    assert again.status_code == 302 and again["Location"] == "/login/"
    assert User.objects.get(mobile="13700000007").real_name == "陈一"

    company = client.get("/register/?kind=company").content.decode()
    assert 'for="field-uscc"' in company and 'for="field-representative_id_number"' in company
    uscc = "91371402MA0000009"
    done = client.post("/register/", {
        "kind": "company", "company_name": "德城小馆有限公司",
        "uscc": uscc + uscc_check_character(uscc), "representative_name": "周二",
        "representative_id_number": good_id, "mobile": "13700000008"})
    assert done.status_code == 302
    client.post("/login/", {"step": "mobile", "mobile": "13700000008"})
    client.post("/login/", {"step": "code", "mobile": "13700000008", "code": last_code()})
    assert "德城小馆有限公司" in client.get("/applications/").content.decode()


def test_apply_once_and_follow_the_parallel_cases(client, demo):
    bundle_page = client.get("/bundles/restaurant/?menu=pastry").content.decode()
    assert "在线申请" in bundle_page and "/bundles/restaurant/apply/?" in bundle_page
    assert client.get("/bundles/restaurant/apply/")["Location"].startswith("/login/?next=")

    client.force_login(demo.applicant)
    form = client.get("/bundles/restaurant/apply/").content.decode()
    assert 'name="idempotency_key"' in form and 'enctype="multipart/form-data"' in form
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in form and 'for="material-id-card"' in form
    assert "<select" in form and 'for="field-entity_type"' in form  # choice
    assert 'for="field-business_scope"' in form and "<textarea" in form
    assert 'type="number"' in form
    assert 'id="field-applicant_mobile"' not in form  # known from the profile
    assert "13800000001" in form and "由办理结果自动带入" in form

    response = client.post("/bundles/restaurant/apply/", restaurant_post(demo.applicant))
    assert response.status_code == 302
    application = Application.objects.get()
    assert response["Location"] == f"/applications/{application.pk}/"
    # The same form sent twice (double click, back button) makes one application.
    again = client.post("/bundles/restaurant/apply/", restaurant_post(demo.applicant))
    assert again["Location"] == response["Location"]
    assert Application.objects.count() == 1

    page = client.get(response["Location"]).content.decode()
    assert application.tracking_number in page and "申请已提交" in page
    assert "各部门同时办理" in page and "等前一步完成后办理" in page
    first_stage = page.split('id="stage-2"')[0]
    assert first_stage.count('class="case-card') == 2
    assert "德城区市场监督管理局" in first_stage and "卫生健康" in first_stage
    assert "受理后确定" in page and "预计全部办结" in page
    assert "全部办理记录" in page and "提交申请" in page

    listing = client.get("/applications/").content.decode()
    assert application.tracking_number in listing and "开办餐饮店一件事" in listing
    assert "办理中" in listing
    assert "已提交" in client.get("/notifications/").content.decode()

    # Nobody else sees it, nor its files: 404, never 403.
    material = application.materials.first()
    client.force_login(demo.applicant2)
    assert client.get(f"/applications/{application.pk}/").status_code == 404
    assert client.get(f"/files/materials/{material.pk}/").status_code == 404
    assert application.tracking_number not in client.get("/applications/").content.decode()
    client.force_login(demo.applicant)
    assert client.get(f"/files/materials/{material.pk}/").status_code == 200
    client.force_login(demo.clerk)  # staff work in the workbench, not in "my applications"
    assert client.get("/applications/")["Location"] == "/workbench/"
    assert "工作台" in client.get("/").content.decode()


def test_form_errors_are_listed_and_tied_to_their_fields(client, demo):
    client.force_login(demo.applicant)
    bad_id = demo.applicant.id_number[:-1] + ("0" if demo.applicant.id_number[-1] != "0"
                                               else "1")
    data = restaurant_post(demo.applicant, business_address="", registered_capital="很多",
                           legal_representative_id_number=bad_id)
    data["material-id-card"] = SimpleUploadedFile("id.pdf", b"MZ not a pdf")
    del data["material-staff-list"]
    response = client.post("/bundles/restaurant/apply/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    # The files received are kept (a draft on the server): nothing to choose again.
    assert "页面提示错误时不用重新选择" in html
    assert 'value="id-card:' not in html and 'value="staff-list:' not in html  # refused, missing
    assert html.count('name="remove"') == len(plan_bundle("restaurant", {}).materials) - 2
    for anchor in ("field-business_address", "field-registered_capital",
                   "field-legal_representative_id_number", "material-id-card",
                   "material-staff-list"):
        assert f'href="#{anchor}"' in html
        assert f'aria-describedby="{anchor}-hint {anchor}-error"' in html
    assert "校验码" in html and "只接受 PDF" in html
    assert 'value="很多"' in html  # what was typed is kept
    assert Application.objects.count() == 0


def test_correction_then_withdrawal_through_the_page(client, demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    registration = application.cases.get(matter__code="business-registration")
    transition_case(registration.pk, Action.REQUEST_CORRECTION, actor=demo.samr,
                    reason="材料不全",
                    items=[{"material": "premises-proof", "note": "租赁合同缺页"},
                           {"material": "registration-application", "note": "未签字"}])
    client.force_login(demo.applicant)
    url = f"/applications/{application.pk}/"
    page = client.get(url).content.decode()
    assert "一次性告知单" in page and "租赁合同缺页" in page and "未签字" in page
    assert "待补正" in page
    field_id = f"case-{registration.pk}-material-premises-proof"
    assert f'for="{field_id}"' in page

    resubmit = f"{url}cases/{registration.pk}/resubmit/"
    partial = client.post(resubmit, {"material-premises-proof": pdf()})
    html = partial.content.decode()
    assert partial.status_code == 400 and 'role="alert"' in html
    assert f'href="#case-{registration.pk}-material-registration-application"' in html

    done = client.post(resubmit, {"material-premises-proof": pdf(body=b"%PDF-1.4 fixed"),
                                  "material-registration-application": pdf()})
    assert done.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "submitted" and registration.correction_items == []
    page = client.get(url).content.decode()
    # The correction form is gone; the notice itself stays downloadable (large print, Braille).
    assert "一次性告知单：请补正" not in page and f"/cases/{registration.pk}/resubmit/" not in page
    assert f"/cases/{registration.pk}/notices/correction.large.pdf" in page

    unconfirmed = client.post(f"{url}withdraw/", {"reason": "不开了"})
    html = unconfirmed.content.decode()
    assert unconfirmed.status_code == 400 and 'href="#withdraw-confirm"' in html
    assert 'aria-describedby="withdraw-confirm-error"' in html
    application.refresh_from_db()
    assert application.status == "in_progress"
    client.force_login(demo.applicant2)
    assert client.post(f"{url}withdraw/", {"confirm": "1"}).status_code == 404
    client.force_login(demo.applicant)
    withdrawn = client.post(f"{url}withdraw/", {"reason": "不开了", "confirm": "1"})
    assert withdrawn.status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"
    page = client.get(url).content.decode()
    assert "已撤回" in page and "不开了" in page and 'id="withdraw-heading"' not in page
    assert "一次性告知补正" in client.get("/notifications/").content.decode()


def test_a_single_instant_matter_reads_as_one_decided_case(client, demo):
    """无犯罪记录证明 by 秒批: one department, decided at once. The page says 已办结 and
    准予 together and does not claim that several departments act at once."""
    from tests.instant.test_instant_approval import kiosk_submission, load_demo_criminal

    load_demo_criminal()
    application = submit_application(kiosk_submission(), actor=demo.applicant,
                                     applicant=demo.applicant)
    client.force_login(demo.applicant)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    status = page.split("<dt>状态</dt>")
    assert '<span class="status status-completed">已办结</span>' in status[1]
    assert '<span class="status status-approved">准予</span>' in status[2]
    assert '<h3 id="stage-1">办理情况</h3>' in page
    assert "同时办理" not in page
    listing = client.get("/applications/").content.decode()
    assert "已办结" in listing and "办理中" not in listing
    bundle = client.get("/bundles/no-criminal-record/").content.decode()
    assert "<h3>提交后办理</h3>" in bundle and "各部门同时办理" not in bundle
    restaurant = client.get("/bundles/restaurant/").content.decode()
    assert "<h3>提交后各部门同时办理</h3>" in restaurant
