"""A citizen books an appointment on the phone (390 px wide): signs in with an SMS code,
chooses the hall, category A, the first day with a free slot and its first slot, sees
the code on the confirmation and in "my appointments"; the booking is the account's,
at a slot of the hall's schedule, with the page never wider than the phone."""

from __future__ import annotations

import pytest

from onething.hall.appointment_selectors import local
from onething.hall.models import Appointment
from tests.browser.hall_appointment_steps import book_appointment_on_phone, new_phone_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_citizen_books_an_appointment_on_the_phone(live_server, halls, demo, new_page):
    base = live_server.url
    page = new_phone_page(new_page)
    booked = book_appointment_on_phone(page, base, mobile=demo.applicant.mobile,
                                       hall_id=halls.county.pk, category_letter="A")
    stored = Appointment.objects.get(pk=booked.appointment_id)
    assert (stored.person_id, stored.code, stored.channel, stored.status) == (
        demo.applicant.pk, booked.code, "portal", "booked")
    assert stored.category.letter == "A" and stored.hall_id == halls.county.pk
    assert booked.slot == (f"{local(stored.slot_starts):%Y-%m-%d %H:%M}–"
                           f"{local(stored.slot_ends):%H:%M}")
    assert len(booked.code) == 6
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{base}/appointments/")
    assert page.locator(f'main a[href="/appointments/{stored.pk}/"]').count() == 1
    # The page offers change and cancel, and says when check-in opens.
    page.goto(booked.url)
    assert page.locator(f'main a[href="/appointments/{stored.pk}/change/"]').count() == 1
    assert page.locator(f'main form[action="/appointments/{stored.pk}/cancel/"]').count() == 1
