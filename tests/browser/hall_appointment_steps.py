"""Reusable browser steps for appointments (预约) on a phone, for the appointment test
(tests/browser/test_hall_appointment.py) and the larger hall journey.

``book_appointment_on_phone(page, base_url, mobile=…)`` signs the citizen in with an SMS
code (unless ``sign_in=False``: the page is signed in already), chooses the hall, the
category (by its letter), the first day with a free slot (or ``day``) and the first free
slot of that day, books, and returns what the confirmation page shows. The server runs
at real time: the first free slot is at least the hall's cut-off (60 minutes) ahead.
Locators use addresses and element kinds, not words, so the steps work in any interface
language; only the sign-in uses the Chinese labels (the journeys sign in in Chinese).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tests.browser.test_restaurant_journey import sign_in_citizen

# An ordinary phone: 390 × 844 CSS px (iPhone 12–15), touch.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}


@dataclass(frozen=True)
class Booked:
    appointment_id: int
    code: str
    slot: str  # as the confirmation page shows it: "2026-12-08 09:00–09:30"
    url: str


def new_phone_page(new_page):
    """A page of the size and kind of a phone, from the ``new_page`` fixture."""
    return new_page(**PHONE)


def book_appointment_on_phone(page, base_url: str, *, mobile: str = "", hall_id: int | None = None,
                              category_letter: str = "A", day: dt.date | None = None,
                              sign_in: bool = True) -> Booked:
    if sign_in:
        sign_in_citizen(page, base_url, mobile)
    page.goto(f"{base_url}/appointments/new/")
    if hall_id is not None and "/appointments/new/" in page.url:
        page.locator(f'main a[href="/halls/{hall_id}/appointments/"]').click()
    elif "/appointments/new/" in page.url:  # several halls: the first (the main hall)
        page.locator('main a[href^="/halls/"][href$="/appointments/"]').first.click()
    page.wait_for_url(re.compile(r".*/halls/\d+/appointments/$"))
    page.locator('main a[href^="?category="]').filter(
        has_text=re.compile(rf"^\s*{category_letter}\s")).first.click()
    page.wait_for_url(re.compile(r".*\?category=\d+$"))
    days = page.locator('main a[href*="&day="]')
    wanted = [day.isoformat()] if day is not None else [
        re.search(r"day=([\d-]+)", days.nth(n).get_attribute("href")).group(1)
        for n in range(days.count())]
    category_url = page.url
    for chosen in wanted:
        page.goto(f"{category_url}&day={chosen}")
        free = page.locator("main input[name=slot]:not([disabled])")
        if free.count():
            break
    else:
        raise AssertionError(f"no free slot on {wanted}")
    free.first.check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/appointments/\d+/$"))
    appointment_id = int(re.search(r"/appointments/(\d+)/$", page.url).group(1))
    code = page.locator("#appointment-code").inner_text().strip()
    slot = page.locator(".ticket-card p").nth(3).inner_text().strip()
    return Booked(appointment_id, code, slot, page.url)
