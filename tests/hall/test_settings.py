"""A hall's settings on the workbench: appointments (share, horizon, cut-off, no-show
rule, slot length), the calling order's priority run and the service target (target wait,
service level) — checked, audited, used by the figures and the tidal plan; a category's
handling time and whether it takes appointments; holidays and make-up working weekends
(调休) in the slots and the ticket hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from onething.audit.models import AuditEntry
from onething.domain.tickets import Channel
from onething.hall import appointment_selectors as sel
from onething.hall import selectors, tidal_selectors
from onething.hall.appointment_services import book_appointment
from onething.hall.models import Hall, ServiceCategory
from onething.hall.services import (
    SLOT_LENGTH_BOOKED,
    HallError,
    HallProfile,
    save_category,
    save_hall,
)
from onething.hall.ticket_services import take_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
PROFILE = ("name", "slug", "kind", "region", "address", "phone", "map_url", "bus_lines",
           "accessible_entrance", "hours_note", "is_main", "active", "order", "priority_run",
           "appointment_slot_minutes", "appointment_percent", "appointment_horizon_days",
           "appointment_cutoff_minutes", "no_show_limit", "no_show_window_days",
           "no_show_pause_days", "target_wait_minutes", "service_level_percent")


def profile_of(hall: Hall, **changes) -> HallProfile:
    hall = Hall.objects.get(pk=hall.pk)
    return replace(HallProfile(**{f: getattr(hall, f) for f in PROFILE},
                               periods=selectors.periods_of(hall)), **changes)


def manager(demo) -> Client:
    client = Client()
    client.force_login(demo.manager)
    return client


# -- the hall's settings -------------------------------------------------------------------


def test_defaults_of_a_hall(halls):
    county = Hall.objects.get(pk=halls.county.pk)
    assert (county.target_wait_minutes, county.service_level_percent) == (15, 80)
    assert tidal_selectors.policy_of(county).target_seconds == 900.0
    assert tidal_selectors.policy_of(county).target_level == 0.8


def test_settings_are_saved_and_every_change_audited(halls, demo):
    county = halls.county
    save_hall(profile_of(county, appointment_percent=40, appointment_horizon_days=14,
                         appointment_cutoff_minutes=120, no_show_limit=2,
                         no_show_window_days=60, no_show_pause_days=14, priority_run=5,
                         target_wait_minutes=10, service_level_percent=90),
              actor=demo.manager, hall=county)
    entry = AuditEntry.objects.get(kind="hall.updated")
    assert entry.actor_id == demo.manager.pk
    assert entry.details == {"hall": "德城区政务服务中心", "changes": {
        "priority_run": [3, 5], "appointment_percent": [30, 40],
        "appointment_horizon_days": [7, 14], "appointment_cutoff_minutes": [60, 120],
        "no_show_limit": [3, 2], "no_show_window_days": [90, 60], "no_show_pause_days": [30, 14],
        "target_wait_minutes": [15, 10], "service_level_percent": [80, 90]}}
    county = Hall.objects.get(pk=county.pk)
    policy = county.appointment_policy
    assert (policy.appointment_percent, policy.horizon_days, policy.cutoff_minutes,
            policy.no_show_limit, policy.no_show_window_days, policy.pause_days) == (
        40, 14, 120, 2, 60, 14)
    staffing = tidal_selectors.policy_of(county)
    assert (staffing.target_seconds, staffing.target_level) == (600.0, 0.9)
    assert staffing.replications == tidal_selectors.SCREEN_POLICY.replications
    # Saved again unchanged: nothing more on record.
    save_hall(profile_of(county), actor=demo.manager, hall=county)
    assert AuditEntry.objects.filter(kind="hall.updated").count() == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"appointment_percent": 101}, "appointment_percent",
     "预约名额占比应为0至100 (the appointment share must be 0 to 100 %)"),
    ({"appointment_horizon_days": 61}, "appointment_horizon_days",
     "可预约天数应为0至60 (bookable days ahead: 0 to 60)"),
    ({"appointment_cutoff_minutes": -1}, "appointment_cutoff_minutes",
     "最晚提前预约时间应为0至1440分钟 (the booking cut-off must be 0 to 1440 minutes)"),
    ({"no_show_limit": 0}, "no_show_limit",
     "爽约次数上限应为1至20 (the no-show limit must be 1 to 20)"),
    ({"no_show_window_days": 366}, "no_show_window_days",
     "爽约统计天数应为1至365 (the no-show window must be 1 to 365 days)"),
    ({"no_show_pause_days": 0}, "no_show_pause_days",
     "暂停预约天数应为1至365 (the booking pause must be 1 to 365 days)"),
    ({"priority_run": 21}, "priority_run",
     "连续优先叫号上限应为1至20 (the priority run must be 1 to 20)"),
    ({"target_wait_minutes": 0}, "target_wait_minutes",
     "目标等候时间应为1至240分钟 (the target wait must be 1 to 240 minutes)"),
    ({"service_level_percent": 100}, "service_level_percent",
     "服务水平目标应为50%至99% (the service-level target must be 50 to 99 %)"),
    ({"service_level_percent": 49}, "service_level_percent",
     "服务水平目标应为50%至99% (the service-level target must be 50 to 99 %)"),
    ({"appointment_slot_minutes": 25}, "appointment_slot_minutes",
     "预约时段长度应为15、20、30或60分钟 (the slot length must be 15, 20, 30 or 60 minutes)"),
    ({"target_wait_minutes": True}, "target_wait_minutes",
     "目标等候时间应为1至240分钟 (the target wait must be 1 to 240 minutes)"),
])
def test_settings_out_of_bounds_are_refused(halls, demo, changes, field, message):
    with pytest.raises(HallError) as refused:
        save_hall(profile_of(halls.county, **changes), actor=demo.manager, hall=halls.county)
    assert refused.value.errors == {field: message}
    assert not AuditEntry.objects.exists()


def test_the_slot_length_stays_while_bookings_are_to_come(halls, demo):
    county = halls.county
    category = county.categories.get(letter="A")
    now = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH)
    booked = book_appointment(category, person=demo.applicant, actor=demo.applicant,
                              channel="portal", slot_starts=dt.datetime(2026, 12, 8, 9, 0,
                                                                        tzinfo=SH), now=now)
    with time_machine.travel(now, tick=False), pytest.raises(HallError) as refused:
        save_hall(profile_of(county, appointment_slot_minutes=60), actor=demo.manager,
                  hall=county)
    assert refused.value.errors == {"appointment_slot_minutes": SLOT_LENGTH_BOOKED}
    # Once the slot is over (09:30 on the 8th), the length can change.
    with time_machine.travel(booked.slot_ends, tick=False):
        save_hall(profile_of(county, appointment_slot_minutes=60), actor=demo.manager,
                  hall=county)
    assert Hall.objects.get(pk=county.pk).appointment_slot_minutes == 60
    assert AuditEntry.objects.get(kind="hall.updated").details["changes"] == {
        "appointment_slot_minutes": [30, 60]}


# -- a category's appointment settings ---------------------------------------------------------


def test_a_categorys_handling_time_and_bookability_are_saved_and_audited(halls, demo):
    category = halls.county.categories.get(letter="B")
    save_category(halls.county, actor=demo.manager, category=category, letter="B",
                  name=category.name, department=category.department,
                  description=category.description, order=category.order,
                  handling_minutes=20, bookable=False)
    category = ServiceCategory.objects.get(pk=category.pk)
    assert (category.handling_minutes, category.bookable) == (20, False)
    assert AuditEntry.objects.get(kind="category.updated").details["changes"] == {
        "handling_minutes": [15, 20], "bookable": [True, False]}
    assert "B" not in [c.letter for c in sel.bookable_categories(halls.county)]
    # Left out (None): kept.
    save_category(halls.county, actor=demo.manager, category=category, letter="B",
                  name=category.name, department=category.department,
                  description=category.description, order=category.order)
    category = ServiceCategory.objects.get(pk=category.pk)
    assert (category.handling_minutes, category.bookable) == (20, False)
    # B: windows 6 and 7, 30-minute slots at 20 minutes = 3 services, 30 % → 0 … bookable
    # again at 10 minutes: 6 services, 30 % → 1.
    save_category(halls.county, actor=demo.manager, category=category, letter="B",
                  name=category.name, department=category.department,
                  description=category.description, order=category.order,
                  handling_minutes=10, bookable=True)
    category = ServiceCategory.objects.get(pk=category.pk)
    assert {p.capacity for p in sel.day_places(category, dt.date(2026, 12, 8))} == {1}


@pytest.mark.parametrize("minutes", [0, 241])
def test_a_handling_time_out_of_bounds_is_refused(halls, demo, minutes):
    category = halls.county.categories.get(letter="A")
    with pytest.raises(HallError) as refused:
        save_category(halls.county, actor=demo.manager, category=category, letter="A",
                      name=category.name, handling_minutes=minutes)
    assert refused.value.errors == {
        "handling_minutes": "平均办理时长应为1至240分钟 (the handling time must be 1 to 240 "
                            "minutes)"}


# -- the workbench forms --------------------------------------------------------------------


def _hall_post(hall: Hall, **changes) -> dict[str, str]:
    hall = Hall.objects.get(pk=hall.pk)
    data = {f: getattr(hall, f) for f in PROFILE if f not in ("region", "is_main", "active")}
    data.update({"region": hall.region_id, "active": "on",
                 **({"is_main": "on"} if hall.is_main else {}),
                 "row-TOTAL_FORMS": "1", "row-INITIAL_FORMS": "0",
                 "row-MIN_NUM_FORMS": "0", "row-MAX_NUM_FORMS": "30",
                 "row-0-first": "1", "row-0-last": "5", "row-0-starts": "09:00",
                 "row-0-ends": "17:00", "row-0-service": "regular"})
    data.update(changes)
    return {k: str(v) for k, v in data.items()}


def test_the_hall_form_shows_and_saves_the_settings(halls, demo):
    client = manager(demo)
    county = halls.county
    html = client.get(f"/workbench/halls/{county.pk}/").content.decode()
    for name, value in (("appointment_percent", 30), ("appointment_horizon_days", 7),
                        ("appointment_cutoff_minutes", 60), ("no_show_limit", 3),
                        ("no_show_window_days", 90), ("no_show_pause_days", 30),
                        ("target_wait_minutes", 15), ("service_level_percent", 80)):
        assert f'name="{name}" value="{value}"' in html, name
    assert "<legend>叫号和预约</legend>" in html and "<legend>服务目标</legend>" in html
    answer = client.post(f"/workbench/halls/{county.pk}/", _hall_post(
        county, appointment_percent=50, target_wait_minutes=20, service_level_percent=85))
    assert answer.status_code == 302
    county = Hall.objects.get(pk=county.pk)
    assert (county.appointment_percent, county.target_wait_minutes,
            county.service_level_percent) == (50, 20, 85)
    changes = AuditEntry.objects.get(kind="hall.updated").details["changes"]
    assert (changes["appointment_percent"], changes["target_wait_minutes"],
            changes["service_level_percent"]) == ([30, 50], [15, 20], [80, 85])


def test_the_hall_form_refuses_bad_settings_in_both_languages(halls, demo):
    client = manager(demo)
    county = halls.county
    answer = client.post(f"/workbench/halls/{county.pk}/",
                         _hall_post(county, service_level_percent=120))
    assert answer.status_code == 400
    assert "确保该值小于或等于99" in answer.content.decode()
    client.cookies["django_language"] = "en"
    answer = client.post(f"/workbench/halls/{county.pk}/", _hall_post(county, no_show_limit=0),
                         headers={"accept-language": "en"})
    assert answer.status_code == 400
    assert "Ensure this value is greater than or equal to 1" in answer.content.decode()
    assert Hall.objects.get(pk=county.pk).no_show_limit == 3
    # The service's refusal (bookings to come) lands on its field.
    book_appointment(county.categories.get(letter="A"), person=demo.applicant,
                     actor=demo.applicant, channel="portal",
                     slot_starts=dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH),
                     now=dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH))
    with time_machine.travel(dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH), tick=False):
        answer = client.post(f"/workbench/halls/{county.pk}/",
                             _hall_post(county, appointment_slot_minutes=60))
    assert answer.status_code == 400
    assert "the slot length cannot change until they are over" in answer.content.decode()


def test_the_category_form_saves_handling_time_and_bookability(halls, demo):
    client = manager(demo)
    county = halls.county
    category = county.categories.get(letter="D")
    url = f"/workbench/halls/{county.pk}/categories/{category.pk}/"
    html = client.get(url).content.decode()
    assert 'name="category-handling_minutes" value="15"' in html
    assert 'name="category-bookable"' in html
    answer = client.post(url, {"category-letter": "D", "category-name": category.name,
                               "category-department": category.department_id or "",
                               "category-active": "on", "category-order": category.order,
                               "category-handling_minutes": "25"})
    assert answer.status_code == 302
    category = ServiceCategory.objects.get(pk=category.pk)
    assert (category.handling_minutes, category.bookable) == (25, False)
    answer = client.post(url, {"category-letter": "D", "category-name": category.name,
                               "category-active": "on", "category-handling_minutes": "0"})
    assert answer.status_code == 400
    assert ServiceCategory.objects.get(pk=category.pk).handling_minutes == 25


# -- holidays and make-up working weekends (调休) -------------------------------------------------


def test_a_holiday_has_no_slots_and_a_makeup_saturday_has_the_weekday_ones(halls):
    a = halls.county.categories.get(letter="A")
    assert sel.day_places(a, dt.date(2026, 10, 1)) == []  # 国庆 (Thursday)
    assert sel.day_places(a, dt.date(2026, 10, 3)) == []  # Saturday within 国庆: no 预约服务
    makeup = sel.day_places(a, dt.date(2026, 10, 10))  # Saturday worked (调休上班)
    assert len(makeup) == 6 + 3 + 8  # Monday's periods, not Saturday's appointment morning
    assert [(p.label, p.capacity) for p in makeup[:2]] == [("09:00–09:30", 2),
                                                          ("09:30–10:00", 2)]
    assert [(p.label, p.capacity) for p in sel.day_places(a, dt.date(2026, 10, 17))][:1] == [
        ("09:00–09:30", 7)]  # an ordinary Saturday: appointment-only, all 7
    county = Hall.objects.get(pk=halls.county.pk)
    county.appointment_horizon_days = 14
    county.save()
    assert sel.bookable_days(county, dt.date(2026, 9, 28)) == [
        dt.date(2026, 9, 28), dt.date(2026, 9, 29), dt.date(2026, 9, 30),
        dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 10),
        dt.date(2026, 10, 12)]


def test_tickets_are_refused_on_a_holiday_and_taken_on_a_makeup_saturday(halls):
    a = halls.county.categories.get(letter="A")
    with pytest.raises(HallError) as refused:
        take_ticket(a, channel=Channel.KIOSK, now=dt.datetime(2026, 10, 1, 10, 0, tzinfo=SH))
    assert refused.value.errors["hall"] == (
        "现在不是本大厅的取号时间，下次可取号：10月8日（周四）09:00 (the hall is not giving "
        "out tickets now; it next opens for tickets on Thu 8 Oct at 09:00)")
    # Saturday 10 October 2026 15:00: an ordinary Saturday afternoon is closed; worked, open.
    ticket = take_ticket(a, channel=Channel.KIOSK,
                         now=dt.datetime(2026, 10, 10, 15, 0, tzinfo=SH))
    assert (ticket.code, ticket.day) == ("A001", dt.date(2026, 10, 10))
    with pytest.raises(HallError) as refused:
        take_ticket(a, channel=Channel.KIOSK, now=dt.datetime(2026, 10, 17, 15, 0, tzinfo=SH))
    assert "10月19日（周一）09:00" in refused.value.errors["hall"]


# -- the tidal plan uses the hall's target ----------------------------------------------------


def test_the_tidal_plan_is_made_with_the_halls_target(halls, monkeypatch):
    seen = []
    monkeypatch.setattr(tidal_selectors, "_plan",
                        lambda hall, day, records, policy: seen.append(policy) or "plan")
    county = Hall.objects.get(pk=halls.county.pk)
    county.target_wait_minutes, county.service_level_percent = 20, 90
    county.save()
    assert tidal_selectors.plan_for(county, dt.date(2026, 12, 8)) == "plan"
    assert [(p.target_seconds, p.target_level, p.replications) for p in seen] == [
        (1200.0, 0.9, 8)]
