"""Issue 7's journey in headless Chromium: a citizen switches to elder mode and to
English, then downloads the Braille (BRF) version of their one-time correction notice."""

import pytest

from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.domain.cases import Action
from tests.browser.test_restaurant_journey import sign_in_citizen
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db(transaction=True)


def test_elder_mode_english_and_a_braille_correction_notice(live_server, demo, new_page):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    health = application.cases.get(matter__code="food-worker-health-certificate")
    material = next(m for m in application.plan["materials"]
                    if "food-worker-health-certificate" in m["needed_by"])
    transition(health.pk, Action.REQUEST_CORRECTION, actor=demo.health, reason="材料不清晰",
               items=[{"material": material["key"], "note": "照片看不清"}])

    base = live_server.url
    page = new_page(accept_downloads=True)
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.goto(f"{base}/applications/{application.pk}/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")

    page.get_by_role("button", name="长辈模式（大字）").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    larger = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert larger >= normal * 1.2

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    toggle = page.get_by_role("button", name="中文")
    assert toggle.get_attribute("lang") == "zh-Hans"

    link = page.get_by_role("link", name="One-time correction notice", exact=False).filter(
        has_text="BRF")
    with page.expect_download() as info:
        link.first.click()
    body = open(info.value.path(), "rb").read()
    text = body.decode("ascii")  # BRF is ASCII Braille
    lines = [line for page_ in text.split("\f") for line in page_.split("\n") if line]
    assert lines and all(len(line.rstrip("\r")) <= 40 for line in lines)
    # Still remembered on the next page.
    page.goto(f"{base}/applications/")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.documentElement.classList.contains('elder')")
