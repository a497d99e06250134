"""The 审批样板间 poster printed by Chromium: it fits one A4 page."""

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def pdf_pages(pdf: bytes) -> int:
    # "/Type /Page" but not "/Type /Pages" (the page tree).
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("slug", ["cake-shop", "open-company"])
def test_poster_prints_on_exactly_one_a4_page(live_server, loaded_catalog, new_page, slug):
    page = new_page()
    page.goto(f"{live_server.url}/scenarios/{slug}/poster/")
    assert page.locator("svg.poster-qr").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    # The QR code is about 6 cm wide on paper (96 CSS px per inch).
    width_cm = page.locator("svg.poster-qr").bounding_box()["width"] / 96 * 2.54
    assert 5.5 <= width_cm <= 6.5
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) == 1
