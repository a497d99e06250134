"""Booking the last place of a slot from several real PostgreSQL connections at once:
exactly one wins, the others are told the slot is full (the slot's lock row,
appointment_services); the same for changes (改约) into the last place. PostgreSQL
only: on SQLite one transaction writes at a time."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from onething.accounts.services import register_person
from onething.domain.validators import id_check_character
from onething.hall.appointment_services import book_appointment
from onething.hall.models import Appointment
from tests.production.test_workers import (  # noqa: F401  (fixtures)
    ON_POSTGRESQL,
    TIMEOUT,
    shared,
)

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRESQL, reason="races between connections: PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]
SH = ZoneInfo("Asia/Shanghai")
SLOT = dt.datetime(2026, 12, 8, 9, 0, tzinfo=SH)
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SH)
PROCESSES = 4


def _person(n: int):
    first17 = f"37140219900102{n:03d}"
    return register_person(real_name="李四", id_number=first17 + id_check_character(first17),
                           mobile=f"1390001{n:04d}")


def _race(shared, category, people, tmp_path):  # noqa: F811
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [shared.start("tests.hall.appointment_support", p.username, str(category.pk),
                          SLOT.isoformat(), NOW.isoformat(), f"p{n}", str(barrier),
                          str(len(people))) for n, p in enumerate(people)]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, out
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_the_last_place_goes_to_exactly_one(shared, halls, tmp_path):  # noqa: F811
    category = halls.county.categories.get(letter="A")  # 2 places a slot
    first = _person(0)
    book_appointment(category, person=first, actor=first, channel="portal", slot_starts=SLOT,
                     now=NOW)
    racers = [_person(n) for n in range(1, PROCESSES + 1)]
    results = _race(shared, category, racers, tmp_path)
    won = [r for r in results if "won" in r]
    assert len(won) == 1, results
    assert [r["refused"] for r in results if "refused" in r] == [
        {"slot": "该时段已约满，请选择其他时段 (that slot is full)"}] * (PROCESSES - 1)
    assert Appointment.objects.filter(category=category, slot_starts=SLOT,
                                      status="booked").count() == 2


def test_one_person_booking_twice_at_once_gets_one(shared, halls, tmp_path):  # noqa: F811
    category = halls.county.categories.get(letter="A")
    category.hall.appointment_percent = 100  # 7 places: only the one-per-day rule limits
    category.hall.save()
    me = _person(9)
    results = _race(shared, category, [me, me], tmp_path)
    assert sorted("won" in r for r in results) == [False, True], results
    assert Appointment.objects.filter(person=me, status="booked").count() == 1


def test_changes_into_the_last_place_move_exactly_one(shared, halls, tmp_path):  # noqa: F811
    category = halls.county.categories.get(letter="A")  # 2 places a slot
    first = _person(20)
    book_appointment(category, person=first, actor=first, channel="portal", slot_starts=SLOT,
                     now=NOW)  # one place left at 09:00
    racers = []
    for n in range(PROCESSES):  # two each at 10:00 and 10:30
        who = _person(21 + n)
        starts = SLOT + dt.timedelta(minutes=60 + 30 * (n % 2))
        racers.append(book_appointment(category, person=who, actor=who, channel="portal",
                                       slot_starts=starts, now=NOW))
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [shared.start("tests.hall.appointment_support", "change", str(a.pk),
                          SLOT.isoformat(), NOW.isoformat(), f"c{n}", str(barrier),
                          str(len(racers))) for n, a in enumerate(racers)]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, out
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert len([r for r in results if "won" in r]) == 1, results
    assert [r["refused"] for r in results if "refused" in r] == [
        {"slot": "该时段已约满，请选择其他时段 (that slot is full)"}] * (PROCESSES - 1)
    booked = Appointment.objects.filter(category=category, status="booked")
    assert booked.filter(slot_starts=SLOT).count() == 2
    assert booked.count() == PROCESSES + 1  # the losers keep their own slots
