"""The staff workbench: sign-in, the department queue, one case, the window."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from onething.applications.models import Application, Case
from onething.applications.services import submit_application, transition_case
from onething.catalog.selectors import plan_bundle
from tests.conftest import PDF, RESTAURANT_FORM, restaurant_submission

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def submit(demo, applicant=None):
    applicant = applicant or demo.applicant
    return submit_application(restaurant_submission(applicant), actor=applicant,
                              applicant=applicant)


def case_of(application, code) -> Case:
    return application.cases.get(matter__code=code)


def case_url(case) -> str:
    return reverse("workbench:case", args=[case.pk])


def buttons(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<button type="submit" class="button(?: button-danger)?">([^<]+)</button>',
                      html)


def test_only_staff_get_in(client, demo):
    home = reverse("workbench:home")
    response = client.get(home)
    assert response.status_code == 302 and response["Location"].startswith("/workbench/login/")

    # An applicant who somehow has a password is refused at the login form ...
    demo.applicant.set_password("secret-pass-1")
    demo.applicant.save()
    response = client.post(reverse("workbench:login"),
                           {"username": "demo-applicant", "password": "secret-pass-1"})
    assert response.status_code == 200
    assert "工作台仅供工作人员登录" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    # ... and a signed-in applicant cannot open any workbench page.
    client.force_login(demo.applicant)
    for url in (home, reverse("workbench:queue"), reverse("workbench:window")):
        response = client.get(url)
        assert response.status_code == 403
        assert "仅供政务服务工作人员使用" in response.content.decode()

    # Staff sign in with username and password and land where their work is.
    client.logout()
    response = client.post(reverse("workbench:login"),
                           {"username": "reviewer-dc-samr", "password": "onething-demo"})
    assert response.status_code == 302 and response["Location"] == home
    assert client.get(home)["Location"] == reverse("workbench:queue")
    client.force_login(demo.clerk)
    assert client.get(home)["Location"] == reverse("workbench:window")
    assert client.get(reverse("workbench:queue")).status_code == 403  # not a reviewer
    application = submit(demo)
    client.force_login(demo.manager)
    page = client.get(home).content.decode()
    assert application.tracking_number in page and "最近的申请" in page
    response = client.post(reverse("workbench:logout"))
    assert response["Location"] == reverse("workbench:login")
    assert client.get(home).status_code == 302


def test_queue_shows_the_department_only_with_filters_and_paging(client, demo, monkeypatch):
    first, second = submit(demo), submit(demo, demo.applicant2)
    # Only the business registrations reach 市场监管局 now; the food licences wait.
    client.force_login(demo.samr)
    page = client.get(reverse("workbench:queue")).content.decode()
    assert first.tracking_number in page and second.tracking_number in page
    assert "经营主体设立登记" in page
    assert "预防性健康检查" not in page and "食品经营许可" not in page
    assert demo.applicant.id_number not in page and "张小明" in page
    assert '<th scope="col">受理编号</th>' in page

    client.force_login(demo.health)
    page = client.get(reverse("workbench:queue")).content.decode()
    assert first.tracking_number in page
    assert "共 2 件" in page

    # Filters: status and due date; the overdue badge is text, not colour alone.
    late = case_of(first, "business-registration")
    transition_case(late.pk, "accept", actor=demo.samr)
    Case.objects.filter(pk=late.pk).update(
        promised_due_date=timezone.localdate() - dt.timedelta(days=3))
    client.force_login(demo.samr)
    page = client.get(reverse("workbench:queue"), {"status": "accepted"}).content.decode()
    assert first.tracking_number in page and second.tracking_number not in page
    page = client.get(reverse("workbench:queue"), {"due": "overdue"}).content.decode()
    assert first.tracking_number in page and second.tracking_number not in page
    assert "已超期" in page
    page = client.get(reverse("workbench:queue"), {"status": "submitted"}).content.decode()
    assert second.tracking_number in page and first.tracking_number not in page
    page = client.get(reverse("workbench:queue"), {"due": "soon"}).content.decode()
    assert "共 0 件" in page

    # Paging keeps the filters in the page links.
    monkeypatch.setattr("onething.workbench.views.PAGE_SIZE", 1)
    page = client.get(reverse("workbench:queue"), {"status": ""}).content.decode()
    assert "第 1 / 2 页" in page
    assert "?status=&amp;page=2" in page
    page2 = client.get(reverse("workbench:queue"), {"status": "", "page": "2"}).content.decode()
    assert 'aria-current="page">第 2 页' in page2


def test_case_page_shows_only_legal_actions_and_each_post_goes_through_the_service(client,
                                                                                   demo):
    application = submit(demo)
    case = case_of(application, "business-registration")
    client.force_login(demo.samr)
    page = client.get(case_url(case))
    assert buttons(page) == ["受理", "不予受理", "一次性告知补正"]
    html = page.content.decode()
    assert "准予" not in buttons(page)
    assert demo.applicant.masked_id_number in html and demo.applicant.id_number not in html
    assert reverse("applications:material", args=[application.materials.first().pk])[:-2] in html
    assert "经营场所" in html or "德城区新华路1号" in html  # the shared form data
    assert "提交申请" in html  # history

    # Refusing without a reason shows an error tied to the field and changes nothing.
    response = client.post(case_url(case), {"action": "refuse", "reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-describedby="refuse-reason-error"' in html
    case.refresh_from_db()
    assert case.status == "submitted"

    # An action that is not legal now is not carried out.
    response = client.post(case_url(case), {"action": "approve"})
    case.refresh_from_db()
    assert case.status == "submitted"

    for action, data, status in (
        ("accept", {}, "accepted"),
        ("start_review", {}, "in_review"),
        ("approve", {"result-number": "DC-LIC-1", "result-note": "材料齐全"}, "approved"),
        ("conclude", {}, "concluded"),
    ):
        response = client.post(case_url(case), {"action": action, **data})
        assert response.status_code == 302, response.content.decode()[:2000]
        case.refresh_from_db()
        assert case.status == status
        page = client.get(response["Location"])
        assert "成功" in page.content.decode()
    assert case.result["number"] == "DC-LIC-1"
    # No case action is left; only the issued licence can still be revoked (注销).
    assert buttons(client.get(case_url(case))) == ["注销证照"]

    # The released food licence shows the registration's result it received.
    food = case_of(application, "food-business-licence")
    html = client.get(case_url(food)).content.decode()  # 市场监管局 decides both
    assert "DC-LIC-1" in html and "前置事项的办理结果" in html

    # 一次性告知: every item at once, with a note each and an overall reason.
    health = case_of(application, "food-worker-health-certificate")
    client.force_login(demo.health)
    response = client.post(case_url(health), {"action": "request_correction", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请至少勾选一项" in html and "请填写“一次性告知补正”的理由" in html
    keys = [m["key"] for m in application.plan["materials"]
            if health.matter.code in m["needed_by"]]
    response = client.post(case_url(health), {
        "action": "request_correction", "reason": "请补正以下材料",
        "items": keys, **{f"note-{k}": f"{k} 不清晰" for k in keys},
    })
    assert response.status_code == 302
    health.refresh_from_db()
    assert health.status == "correction_requested"
    assert [i["material"] for i in health.correction_items] == keys
    assert buttons(client.get(case_url(health))) == []


def test_other_departments_see_nothing(client, demo):
    application = submit(demo)
    case = case_of(application, "business-registration")
    material = application.materials.get(material_key=next(
        m["key"] for m in application.plan["materials"]
        if case.matter.code in m["needed_by"] and len(m["needed_by"]) == 1))
    client.force_login(demo.fire)
    assert client.get(case_url(case)).status_code == 404
    assert client.post(case_url(case), {"action": "accept"}).status_code == 404
    assert client.get(reverse("applications:material", args=[material.pk])).status_code == 404
    case.refresh_from_db()
    assert case.status == "submitted"
    client.force_login(demo.samr)
    assert client.get(reverse("applications:material", args=[material.pk])).status_code == 200


def form_post(plan, applicant, key, files):
    data = {f.key: RESTAURANT_FORM.get(f.key, "x") for f in plan.fields}
    data["legal_representative_id_number"] = applicant.id_number
    data.pop("uscc", None)
    data["idempotency_key"] = key
    for material in plan.materials:
        upload = io.BytesIO(files.get(material.key, PDF))
        upload.name = f"{material.key}.pdf"
        data[f"file-{material.key}"] = upload
    for c in plan.commitments:  # 告知承诺: signed on paper, recorded by the clerk
        data[f"commitment-{c.matter}"] = c.sha256
    return data


def test_clerk_takes_in_a_walk_in_end_to_end(client, demo):
    client.force_login(demo.clerk)
    response = client.get(reverse("workbench:window"), {"bundle": "restaurant"})
    assert response["Location"] == reverse("workbench:window-questions", args=["restaurant"])
    page = client.get(response["Location"]).content.decode()
    assert 'type="radio"' in page or "不需要选择情形" in page

    # Find the applicant by mobile or ID number (exact match only).
    applicant_url = reverse("workbench:window-applicant", args=["restaurant"])
    # Searched by POST: the number never appears in an address.
    page = client.get(applicant_url).content.decode()
    assert '<form method="post" action="/workbench/window/restaurant/applicant/?"' in page
    assert '<input type="search" name="q"' in page
    page = client.post(applicant_url, {"kind": "search", "q": "138 0000 0001"}).content.decode()
    assert "张小明" in page and demo.applicant.id_number not in page
    page = client.post(applicant_url, {"kind": "search",
                                       "q": demo.applicant.id_number}).content.decode()
    assert "张小明" in page
    assert "张小明" not in client.get(applicant_url, {"q": "13800000001"}).content.decode()
    # The answers travel with every step and decide the matters.
    page = client.post(applicant_url + "?a_signboard=no",
                       {"kind": "search", "q": "13800000001"}).content.decode()
    assert "a_signboard=no&amp;applicant=" in page and "户外招牌设施设置" not in page
    page = client.post(applicant_url, {"kind": "search", "q": "1380000"}).content.decode()
    assert "没有找到" in page

    # Or register a new person on the spot.
    response = client.post(applicant_url, {"kind": "person", "real_name": "刘新",
                                           "id_number": "11010519491231002X",
                                           "mobile": "13900000009"})
    assert response.status_code == 302 and "applicant=" in response["Location"]
    response = client.post(applicant_url, {"kind": "person", "real_name": "刘新",
                                           "id_number": "110105194912310021",
                                           "mobile": "13900000008"})
    assert response.status_code == 400
    assert 'aria-describedby="person-id_number-error"' in response.content.decode()

    # The merged form, prefilled from the verified profile, with one upload per material.
    form_url = (reverse("workbench:window-form", args=["restaurant"])
                + f"?applicant={demo.applicant.pk}")
    page = client.get(form_url).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert 'value="13800000001" required readonly' in page  # from the verified profile
    assert 'enctype="multipart/form-data"' in page
    plan = plan_bundle("restaurant", {})
    assert page.count('type="file"') == len(plan.materials)

    response = client.post(form_url, form_post(plan, demo.applicant, key, {}))
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    assert application.channel == "window" and application.submitted_by == demo.clerk
    assert response["Location"] == reverse("workbench:receipt", args=[application.pk])
    receipt = client.get(response["Location"]).content.decode()
    assert application.tracking_number in receipt and "收件回执" in receipt
    assert "<svg" in receipt and f"/progress/?number={application.tracking_number}" in receipt
    assert "市场监督管理局" in receipt or "市场监管" in receipt

    # A double click: the same idempotency key makes no second application.
    again = client.post(form_url, form_post(plan, demo.applicant, key, {}))
    assert again["Location"] == response["Location"]
    assert Application.objects.count() == 1


def test_files_are_judged_by_content(client, demo):
    client.force_login(demo.clerk)
    form_url = (reverse("workbench:window-form", args=["restaurant"])
                + f"?applicant={demo.applicant.pk}")
    page = client.get(form_url).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    plan = plan_bundle("restaurant", {})
    first, second = plan.materials[0].key, plan.materials[1].key
    response = client.post(form_url, form_post(plan, demo.applicant, key, {
        first: b"just some text, not a PDF", second: b"GIF89a not allowed"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "只接受 PDF、JPEG、PNG 文件" in html and 'role="alert"' in html
    assert f'aria-describedby="file-{first}-hint file-{first}-error"' in html
    # Files that passed are kept; only the rejected ones are asked for again.
    third = plan.materials[2].key
    assert f'name="upload-{third}"' in html and f'name="upload-{first}"' not in html
    assert Application.objects.count() == 0
    # A PNG is fine whatever its name says.
    kept = {m.key: re.search(rf'name="upload-{m.key}" value="(\d+)"', html)
            for m in plan.materials}
    data = form_post(plan, demo.applicant, key, {})
    for m in plan.materials:
        if kept[m.key]:
            data.pop(f"file-{m.key}")
            data[f"upload-{m.key}"] = kept[m.key].group(1)
    png = io.BytesIO(PNG)
    png.name = "scan.pdf"
    data[f"file-{first}"] = png
    response = client.post(form_url, data)
    assert response.status_code == 302
    assert Application.objects.count() == 1


def test_a_register_dated_certificate_asks_the_reviewer_for_its_end(client, demo):
    """户外招牌设置意见书 (validity: register) asks 有效期至; the 营业执照 (long-term) does not."""
    from onething.certificates.models import Certificate

    application = submit(demo)
    registration = case_of(application, "business-registration")
    client.force_login(demo.samr)
    client.post(case_url(registration), {"action": "accept"})
    assert 'name="result-valid_until"' not in client.get(case_url(registration)).content.decode()
    client.post(case_url(registration), {"action": "approve"})
    signboard = case_of(application, "outdoor-signboard")
    client.force_login(demo.urban)
    client.post(case_url(signboard), {"action": "accept"})
    html = client.get(case_url(signboard)).content.decode()
    assert '<input type="date" name="result-valid_until"' in html
    response = client.post(case_url(signboard), {"action": "approve",
                                                 "result-valid_until": "2029-06-30"})
    assert response.status_code == 302, response.content.decode()[:2000]
    certificate = Certificate.objects.get(case=signboard)
    assert certificate.valid_until == dt.date(2029, 6, 30)
    assert certificate.data["valid_until"] == "2029-06-30"
