"""Downloading notices as large print and Braille: every kind, access, pages' links."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from onething.accessibility import braille
from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db

FORMATS = ("large.pdf", "braille.txt", "brf")


@pytest.fixture
def application(demo):
    """A restaurant application with a correction, an approval with a certificate and a
    refusal: every kind of notice exists."""
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    registration = application.cases.get(matter__code="business-registration")
    transition(registration.pk, Action.ACCEPT, actor=demo.samr)
    transition(registration.pk, Action.APPROVE, actor=demo.samr, result={"note": "同意"})
    health = application.cases.get(matter__code="food-worker-health-certificate")
    material = next(m for m in application.plan["materials"]
                    if "food-worker-health-certificate" in m["needed_by"])
    transition(health.pk, Action.REQUEST_CORRECTION, actor=demo.health, reason="材料不清晰",
               items=[{"material": material["key"], "note": "照片看不清"}])
    licence = application.cases.get(matter__code="food-business-licence")
    transition(licence.pk, Action.REFUSE, actor=demo.samr, reason="经营场所不符合要求")
    application.refresh_from_db()
    return application


def _cases(application):
    return {c.matter.code: c for c in application.cases.all()}


def _paths(application):
    cases = _cases(application)
    base = f"/applications/{application.pk}"
    return {
        "receipt": f"{base}/notices/receipt",
        "correction":
            f"{base}/cases/{cases['food-worker-health-certificate'].pk}/notices/correction",
        "decision": f"{base}/cases/{cases['business-registration'].pk}/notices/decision",
        "refusal": f"{base}/cases/{cases['food-business-licence'].pk}/notices/decision",
        "certificate": f"{base}/cases/{cases['business-registration'].pk}/notices/certificate",
    }


def _pdf_text(body: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).replace("\n", "")


EXPECTED = {  # a phrase each notice must say
    "receipt": "收件回执",
    "correction": "照片看不清",
    "decision": "准予决定通知",
    "refusal": "经营场所不符合要求",
    "certificate": "营业执照",
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_notice_downloads_in_each_format(application, demo, client, name):
    client.force_login(demo.applicant)
    path = _paths(application)[name]
    pdf = client.get(f"{path}.large.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    assert "no-store" in pdf["Cache-Control"]
    text = _pdf_text(pdf.content)
    assert EXPECTED[name] in text
    assert demo.applicant.id_number not in text
    txt = client.get(f"{path}.braille.txt")
    assert txt.status_code == 200 and txt["Content-Type"] == "text/plain; charset=utf-8"
    cells = txt.content.decode("utf-8")
    assert set(cells) <= {chr(c) for c in range(0x2800, 0x2900)} | {"\n"}
    assert braille.translate_lines([EXPECTED[name]])[0].split("⠀")[0] in cells
    brf = client.get(f"{path}.brf")
    assert brf.status_code == 200
    assert all(len(line) <= 40 for page in brf.content.decode("ascii").split("\f")
               for line in page.split("\r\n"))


def test_large_print_is_a4_with_an_embedded_font_and_at_least_18_points(application, demo,
                                                                         client):
    client.force_login(demo.applicant)
    body = client.get(_paths(application)["receipt"] + ".large.pdf").content
    assert b"/FontFile2" in body
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+WenQuanYiMicroHei", body)
    reader = PdfReader(io.BytesIO(body))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    sizes = [float(s) for p in reader.pages
             for s in re.findall(rb"/F\d+ ([\d.]+) Tf", p.get_contents().get_data())]
    assert sizes and min(sizes) >= 18
    text = _pdf_text(body)
    assert application.tracking_number in text
    assert demo.applicant.masked_id_number in text
    assert demo.applicant.id_number not in text
    assert "不予受理，预计" not in text  # a decided case has no date to wait for


def test_certificate_notice_labels_what_the_reviewer_typed(application, demo, client):
    client.force_login(demo.applicant)
    text = _pdf_text(client.get(_paths(application)["certificate"] + ".large.pdf").content)
    # the reviewer's comment stays on the case; the licence's certified fields are read out
    assert "同意" not in text and "审批意见" not in text and "note" not in text
    assert "统一社会信用代码：" in text and "经营范围：" in text and "成立日期：" in text
    assert "核验网址：http://testserver/verify/" in text


def test_braille_receipt_says_the_tracking_number(application, demo, client):
    client.force_login(demo.applicant)
    cells = client.get(_paths(application)["receipt"] + ".braille.txt").content.decode()
    lines = cells.split("\n")
    assert lines[0] == braille.translate_lines(["收件回执"])[0]
    number = braille.translate_lines([application.tracking_number])[0]
    assert number in cells


def test_only_the_applicant_and_staff_who_see_the_application(application, demo, client):
    paths = _paths(application)
    receipt = paths["receipt"] + ".brf"
    assert client.get(receipt).status_code == 302  # sign in first
    assert client.get(receipt)["Location"].startswith("/login/")
    client.force_login(demo.applicant2)
    for path in paths.values():
        assert client.get(path + ".large.pdf").status_code == 404, path
    for user in (demo.clerk, demo.manager, demo.samr):
        client.force_login(user)
        assert client.get(receipt).status_code == 200, user.username
    # A reviewer sees only their department's cases of the application.
    client.force_login(demo.health)
    assert client.get(paths["correction"] + ".brf").status_code == 200
    assert client.get(paths["decision"] + ".brf").status_code == 404
    assert client.get(paths["certificate"] + ".brf").status_code == 404


def test_notices_that_do_not_exist_are_404(application, demo, client):
    client.force_login(demo.applicant)
    paths = _paths(application)
    cases = _cases(application)
    base = f"/applications/{application.pk}"
    signboard = cases["outdoor-signboard"].pk  # waiting: no correction, no decision
    for kind in ("correction", "decision", "certificate"):
        assert client.get(f"{base}/cases/{signboard}/notices/{kind}.brf").status_code == 404
    assert client.get(paths["receipt"] + ".docx").status_code == 404
    assert client.get("/applications/999999/notices/receipt.brf").status_code == 404
    other = submit_application(restaurant_submission(demo.applicant2), actor=demo.applicant2,
                               applicant=demo.applicant2)
    foreign_case = other.cases.first().pk  # a case, but of another application
    assert client.get(f"{base}/cases/{foreign_case}/notices/decision.brf").status_code == 404


def test_missing_liblouis_is_a_clear_503(application, demo, client, monkeypatch):
    client.force_login(demo.applicant)
    monkeypatch.setattr(braille, "LOU_TRANSLATE", "/nonexistent/lou_translate")
    response = client.get(_paths(application)["receipt"] + ".brf")
    assert response.status_code == 503
    body = response.content.decode()
    assert "盲文转换程序不可用" in body and "liblouis-bin" in body and "unavailable" in body
    # Large print does not need liblouis.
    assert client.get(_paths(application)["receipt"] + ".large.pdf").status_code == 200


def test_missing_font_is_a_clear_503(application, demo, client, settings, tmp_path):
    client.force_login(demo.applicant)
    settings.ONETHING_CERTIFICATE_FONT = str(tmp_path / "none.ttf")
    response = client.get(_paths(application)["receipt"] + ".large.pdf")
    assert response.status_code == 503
    assert "fonts-wqy-microhei" in response.content.decode()


def test_application_page_links_every_notice(application, demo, client):
    client.force_login(demo.applicant)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    for name, path in _paths(application).items():
        for fmt in FORMATS:
            assert f'href="{path}.{fmt}"' in page, (name, fmt)
    assert "电子证照（营业执照）" in page
    assert "盲文版（BRF，供点字机）" in page and "大字版（PDF）" in page
    assert '<span class="visually-hidden">收件回执，</span>' in page


def test_correction_notice_is_offered_while_pending_and_kept_afterwards(application, demo,
                                                                       client):
    from tests.conftest import upload_pdf

    client.force_login(demo.applicant)
    health = _cases(application)["food-worker-health-certificate"]
    path = _paths(application)["correction"]
    transition(health.pk, Action.RESUBMIT, actor=demo.applicant,
               materials={i["material"]: upload_pdf(demo.applicant).pk
                          for i in health.correction_items})
    page = client.get(f"/applications/{application.pk}/").content.decode()
    # Nothing left to correct: the page's form is gone, the notice stays downloadable.
    assert f"/cases/{health.pk}/resubmit/" not in page
    assert f'href="{path}.brf"' in page and f'href="{path}.large.pdf"' in page
    text = _pdf_text(client.get(f"{path}.large.pdf").content)
    assert "照片看不清" in text and "已于" in text and "提交补正材料" in text
    # Still there once the case is decided and concluded.
    for action in (Action.ACCEPT, Action.APPROVE, Action.CONCLUDE):
        transition(health.pk, action, actor=demo.health)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert f'href="{path}.brf"' in page
    assert client.get(f"{path}.brf").status_code == 200


def test_bundle_guide_is_public_and_follows_the_answers(client, loaded_catalog):
    path = "/bundles/restaurant/guide"
    response = client.get(f"{path}.large.pdf")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "开办餐饮店一件事 办事指南" in text
    assert "营业执照" in text and "需要准备的材料" in text
    with_licence = _pdf_text(client.get(f"{path}.large.pdf?has_business_licence=yes").content)
    assert "已有营业执照" in with_licence
    assert "已有营业执照" not in text
    # A wrong answer falls back to the common case, as the bundle page does.
    assert client.get(f"{path}.brf?has_business_licence=perhaps").status_code == 200
    for fmt in ("braille.txt", "brf"):
        assert client.get(f"{path}.{fmt}").status_code == 200
    assert client.get("/bundles/no-such-bundle/guide.brf").status_code == 404


def test_bundle_page_links_the_guide_with_the_answers(client, loaded_catalog):
    page = client.get("/bundles/restaurant/?has_business_licence=yes").content.decode()
    assert "/bundles/restaurant/guide.large.pdf?" in page
    assert "has_business_licence=yes" in page
    assert "盲文版（BRF，供点字机）" in page
