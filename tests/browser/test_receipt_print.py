"""The window's 收件回执 prints on one A4 page with the hall's address and phone (issue 15):
Chromium prints it to PDF and pypdf counts the pages."""

import io

import pytest
from pypdf import PdfReader

from tests.browser.test_axe import sign_in_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_window_receipt_fits_one_a4_page(live_server, demo, halls, new_page):
    from onething.applications.services import submit_application
    from tests.conftest import restaurant_submission

    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    base = live_server.url
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in_staff(page, base, "demo-clerk")
    page.goto(f"{base}/workbench/applications/{application.pk}/receipt/")
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False)))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "收件回执" in text and application.tracking_number in text
    assert halls.county.address in text.replace("\n", "") and halls.county.phone in text
    assert len(pdf.pages) == 1
