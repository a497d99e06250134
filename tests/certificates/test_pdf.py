"""The certificate as a PDF: embedded Chinese font, signed data, a QR code to /verify/."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image
from pypdf import PdfReader

from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.certificates import pdf
from onething.certificates.models import Certificate
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    registration = application.cases.get(matter__code="business-registration")
    transition(registration.pk, Action.ACCEPT, actor=demo.samr)
    transition(registration.pk, Action.APPROVE, actor=demo.samr)  # the signboard waits on it
    case = application.cases.get(matter__code="outdoor-signboard")
    transition(case.pk, Action.ACCEPT, actor=demo.urban)
    transition(case.pk, Action.APPROVE, actor=demo.urban,
               result={"招牌内容": "甜心烘焙", "valid_until": "2046-12-31",
                       "note": "现场核实无误"})
    return Certificate.objects.get(case=case)


def _text(body: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_pdf_embeds_the_font_and_carries_the_signed_data(certificate):
    url = f"https://zwfw.example.gov.cn/verify/{certificate.number}/"
    body = pdf.render_certificate_pdf(certificate, url)
    assert body.startswith(b"%PDF")
    assert b"/FontFile2" in body or b"/FontFile3" in body
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+WenQuanYiMicroHei", body)  # subset, embedded
    text = _text(body)
    assert "户外招牌设置意见书" in text
    assert certificate.number in text
    assert certificate.data["holder_name"] == "德城甜心烘焙店" and "德城甜心烘焙店" in text
    assert certificate.department.name in text
    assert "2046年12月31日" in text
    assert "甜心烘焙" in text
    assert "现场核实无误" not in text and "note" not in text and "审批意见" not in text
    assert url in text.replace("\n", "")
    assert certificate.key.key_id in text
    holder = certificate.holder
    if holder.id_number:
        assert holder.id_number not in text  # masked, as signed


def test_qr_image_encodes_the_verify_url(certificate):
    url = f"https://zwfw.example.gov.cn/verify/{certificate.number}/"
    body = pdf.render_certificate_pdf(certificate, url)
    images = PdfReader(io.BytesIO(body)).pages[0].images
    assert len(images) == 1
    embedded = images[0].image.convert("L")
    expected = Image.open(io.BytesIO(pdf.qr_png(url))).convert("L")
    assert embedded.size == expected.size
    assert embedded.tobytes() == expected.tobytes()
    other = Image.open(io.BytesIO(pdf.qr_png(url + "x"))).convert("L")
    assert other.tobytes() != expected.tobytes()


def test_download_for_the_holder_with_an_absolute_verify_url(certificate, demo, client,
                                                              settings):
    path = f"/certificates/{certificate.number}.pdf"
    assert client.get(path).status_code == 302  # login first
    client.force_login(demo.applicant)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{certificate.number}.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text = _text(response.content).replace("\n", "")
    assert f"http://testserver/verify/{certificate.number}/" in text

    # Kept as issued: a later download is the same file, whatever the address now.
    settings.ONETHING_PUBLIC_URL = "https://zwfw.example.gov.cn/"
    assert client.get(path).content == response.content

    page = client.get(f"/applications/{certificate.case.application_id}/").content.decode()
    assert f'href="{path}"' in page and "下载电子证照（PDF）" in page


def test_only_holder_staff_and_issuing_reviewers(certificate, demo, client):
    path = f"/certificates/{certificate.number}.pdf"
    for user, status in ((demo.applicant2, 404), (demo.samr, 404), (demo.urban, 200),
                         (demo.clerk, 200), (demo.manager, 200)):
        client.force_login(user)
        assert client.get(path).status_code == status, user.username
    client.force_login(demo.applicant)
    assert client.get("/certificates/BL-20260101-NOSUCHNO.pdf").status_code == 404


def test_missing_font_is_a_clear_error(settings, tmp_path):
    settings.ONETHING_CERTIFICATE_FONT = str(tmp_path / "none.ttf")
    with pytest.raises(ImproperlyConfigured, match="ONETHING_CERTIFICATE_FONT"):
        pdf.font_path()
    settings.ONETHING_CERTIFICATE_FONT = ""
    assert pdf.font_path().is_file()
