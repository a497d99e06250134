"""The hall's labels and the new workbench pages in English; Chinese stays the default.
Hall names, addresses and notes are data and stay Chinese."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from onething.catalog.models import Region
from onething.domain.appointments import CHANNEL_LABELS as APPOINTMENT_CHANNEL_LABELS
from onething.domain.appointments import STATUS_LABELS as APPOINTMENT_STATUS_LABELS
from onething.domain.hall import (
    HALL_KIND_LABELS,
    SERVICE_KIND_LABELS,
    WEEKDAY_LABELS,
    WINDOW_KIND_LABELS,
)
from onething.domain.tickets import CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS
from onething.hall.labels import LABELS, label
from onething.hall.models import Hall, ServiceCategory, Window
from onething.hall.services import start_shift
from tests.english import catalogue_data, check_catalogue, chinese_left, english

pytestmark = pytest.mark.django_db

SOURCES = {
    "hall_kind": HALL_KIND_LABELS,
    "window_kind": WINDOW_KIND_LABELS,
    "service_kind": SERVICE_KIND_LABELS,
    "weekday": {str(k): v for k, v in WEEKDAY_LABELS.items()},
    "ticket_channel": CHANNEL_LABELS,
    "ticket_priority": PRIORITY_LABELS,
    "ticket_status": STATUS_LABELS,
    "appointment_status": APPOINTMENT_STATUS_LABELS,
    "appointment_channel": APPOINTMENT_CHANNEL_LABELS,
}


def test_every_domain_label_has_its_english():
    assert set(LABELS) == set(SOURCES)
    for kind, source in SOURCES.items():
        assert set(LABELS[kind]) == set(source), kind
        with translation.override("zh-hans"):
            assert {value: label(kind, value) for value in source} == source, kind
        with translation.override("en"):
            assert all(label(kind, v) not in ("", text) for v, text in source.items()), kind
    with translation.override("en"):
        assert label("window_kind", "any_matter") == "General window"
        assert label("weekday", 6) == "Sat"


def test_the_catalogue_is_complete_and_compiled():
    assert check_catalogue("hall") >= 40


def hall_data() -> set[str]:
    data = catalogue_data()
    for hall in Hall.objects.all():
        data.update([hall.name, hall.address, hall.bus_lines, hall.accessible_entrance,
                     hall.hours_note])
    data.update(c.name for c in ServiceCategory.objects.all())
    data.update(c.description for c in ServiceCategory.objects.all())
    data.update(w.name for w in Window.objects.all())
    data.update(Region.objects.values_list("name", flat=True))
    return {d for d in data if d}


def assert_english(response, data) -> str:
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en"' in html
    left = chinese_left(html, data, whole_body=True)
    assert left == [], "\n".join(left)
    return html


def test_the_managers_pages_in_english(halls, demo):
    client = Client()
    english(client)
    client.force_login(demo.manager)
    start_shift(halls.window(halls.county, 1), actor=demo.clerk)
    data = hall_data()
    county, window = halls.county, halls.window(halls.county, 6)
    category = county.categories.get(letter="B")
    pages = {
        "/workbench/staff/": ["Last sign-in", "Working at: 德城区政务服务中心, window 1",
                              "Add a staff member"],
        "/workbench/staff/new/": ["Used to sign in: 3 to 40 letters", "Assigned windows"],
        f"/workbench/staff/{demo.clerk.pk}/": ["Reset password", "Disable account"],
        "/workbench/halls/": ["Government service centre", "11 windows", "7 categories"],
        "/workbench/halls/new/": ["Weekly opening hours", "Row 1: From"],
        f"/workbench/halls/{county.pk}/": ["Main service hall (shown in the portal"],
        f"/workbench/halls/{county.pk}/windows/": ["Ticket categories", "End shift",
                                                  "Specialist window"],
        f"/workbench/halls/{county.pk}/windows/{window.pk}/": ["Ticket categories served"],
        f"/workbench/halls/{county.pk}/categories/{category.pk}/": ["Ticket letter"],
        "/workbench/shift/": ["Choose a window", "Start shift"],
        "/workbench/password/": ["New password again"],
    }
    for url, expected in pages.items():
        html = assert_english(client.get(url), data)
        for text in expected:
            assert text in html, (url, text)


def test_the_shift_and_a_forced_password_change_in_english(halls, demo):
    from onething.accounts import staff

    start_shift(halls.window(halls.county, 2), actor=demo.clerk)
    client = Client()
    english(client)
    client.force_login(demo.clerk)
    html = assert_english(client.get("/workbench/shift/"), hall_data())
    assert "Working at: 德城区政务服务中心, window 2" in html
    assert "At: 德城区政务服务中心 Window 2 (General window)" in html  # the header
    member, _ = staff.add_staff(actor=demo.manager, username="w-en", real_name="Lee",
                                role="clerk")
    client.force_login(member)
    html = assert_english(client.get("/workbench/password/"), hall_data())
    assert "You signed in with a temporary password." in html
    bad = client.post("/workbench/password/", {"current": "x", "new": "y", "again": "y"})
    assert bad.status_code == 400
    # Service errors are bilingual by design: shown as they are.
    assert "当前密码不正确 (the current password is wrong)" in bad.content.decode()
