"""Queue tickets: numbering per category per day, calling order at a window, recall,
no-show, serving, transfer, leaving, the estimate, the SMS and who may act."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from onething.accounts.models import Role
from onething.accounts.services import create_staff
from onething.audit.models import AuditEntry
from onething.domain.tickets import Channel, PriorityClass, TicketStatus
from onething.hall import ticket_selectors
from onething.hall.models import Ticket
from onething.hall.services import HallDenied, HallError, start_shift
from onething.hall.ticket_services import (
    call_next,
    finish,
    leave,
    mark_no_show,
    recall,
    start_serving,
    take_ticket,
    transfer,
)
from onething.notifications.models import Delivery

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH)


def at(minutes: float, base: dt.datetime = MORNING) -> dt.datetime:
    return base + dt.timedelta(minutes=minutes)


@pytest.fixture
def desk(halls, demo):
    """The county centre: categories A (windows 1–4) and D (4, 5); the demo clerk at 1."""
    county = halls.county
    cats = {c.letter: c for c in county.categories.all()}
    with time_machine.travel(at(-5), tick=False):
        start_shift(halls.window(county, 1), actor=demo.clerk)
    return county, cats


def take(cat, minutes: float, **kw):
    kw.setdefault("channel", Channel.KIOSK)
    return take_ticket(cat, now=at(minutes), **kw)


def test_numbers_per_category_per_day_restart_at_midnight(desk):
    county, cats = desk
    # Round the clock (a hall without published hours is not restricted) to cross midnight.
    county.opening_periods.all().delete()
    codes = [take(cats["A"], 0).code, take(cats["A"], 1).code, take(cats["B"], 2).code,
             take(cats["A"], 3).code]
    assert codes == ["A001", "A002", "B001", "A003"]
    # 23:59 still the same day; 00:00 Shanghai time the next, from 1 again.
    assert take(cats["A"], 14 * 60 + 59).code == "A004"
    next_day = take(cats["A"], 15 * 60)
    assert (next_day.code, next_day.day) == ("A001", dt.date(2026, 12, 3))
    assert Ticket.objects.get(pk=next_day.pk).taken_at == at(15 * 60)


def test_no_ticket_outside_the_opening_hours_on_any_channel(desk, demo):
    """Wednesday 08:59 and 17:30 (no evening service on Wednesdays), Saturday morning (by
    appointment only) and Sunday are refused, naming the next opening; nothing is numbered."""
    _county, cats = desk
    refusals = {
        at(-1): "12月2日（周三）09:00 (the hall is not giving out tickets now; it next opens "
                "for tickets on Wed 2 Dec at 09:00)",
        at(8 * 60 + 30): "12月3日（周四）09:00",
        at(3 * 24 * 60 + 60): "12月7日（周一）09:00",  # Saturday 10:00 → Monday
        at(4 * 24 * 60 + 60): "Mon 7 Dec at 09:00",
    }
    for moment, expected in refusals.items():
        for channel, kw in ((Channel.KIOSK, {}), (Channel.PHONE, {"user": demo.applicant}),
                            (Channel.DOOR, {"actor": demo.clerk})):
            with pytest.raises(HallError) as refused:
                take_ticket(cats["A"], channel=channel, now=moment, **kw)
            assert expected in refused.value.errors["hall"], (moment, channel)
            assert refused.value.errors["hall"].startswith("现在不是本大厅的取号时间，下次可取号：")
    assert not Ticket.objects.exists()
    # Tuesday evening is extended service: open until 19:00.
    tuesday = dt.datetime(2026, 12, 1, 18, 59, tzinfo=SH)
    assert take_ticket(cats["A"], channel=Channel.KIOSK, now=tuesday).code == "A001"
    with pytest.raises(HallError):
        take_ticket(cats["A"], channel=Channel.KIOSK, now=tuesday + dt.timedelta(minutes=1))


def test_a_rolled_back_take_leaves_no_gap(desk):
    _county, cats = desk
    take(cats["A"], 0)
    with pytest.raises(RuntimeError), transaction.atomic():
        take(cats["A"], 1)
        raise RuntimeError("printer jammed")
    assert take(cats["A"], 2).code == "A002"


def test_the_database_refuses_a_number_twice(desk):
    county, cats = desk
    first = take(cats["A"], 0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(hall=county, category=cats["A"], day=first.day, letter="A",
                              number=1, taken_at=at(1), channel="kiosk", token="x")


def test_taking_checks_its_input(desk, demo):
    _county, cats = desk
    with pytest.raises(HallError) as bad:
        take(cats["A"], 0, mobile="12345")
    assert "mobile" in bad.value.errors
    with pytest.raises(HallError) as bad:
        take(cats["A"], 0, priority=PriorityClass.APPOINTMENT)
    assert bad.value.errors == {"priority": "请选择取号类别 (choose a priority class)"}
    with pytest.raises(HallDenied):
        take(cats["A"], 0, channel=Channel.DOOR, actor=demo.applicant)
    with pytest.raises(HallError):
        take(cats["A"], 0, channel=Channel.PHONE)
    phone = take(cats["A"], 0, channel=Channel.PHONE, user=demo.applicant, holder_name="张三")
    assert phone.holder_name == "张*"
    with pytest.raises(HallError):  # one waiting phone ticket per person per hall and day
        take(cats["B"], 1, channel=Channel.PHONE, user=demo.applicant)
    door = take(cats["A"], 2, channel=Channel.DOOR, actor=demo.clerk)
    assert (door.code, door.issued_by) == ("A002", demo.clerk)


def test_calling_order_priority_first_with_the_walk_in_bound(desk, demo):
    county, cats = desk
    walk = take(cats["A"], 0)
    green = [take(cats["A"], m, priority=PriorityClass.ELDERLY) for m in (1, 2, 3, 4, 5)]
    other_category = take(cats["B"], 0.5, priority=PriorityClass.PREGNANT)
    window = county.windows.get(number=1)
    called = []
    # Calls at 5, 10, 15, 20, 25 minutes; the walk-in becomes overdue at 20 after 3 priority.
    for minute in (5, 10, 15, 20, 25, 30):
        ticket = call_next(window, actor=demo.clerk, now=at(minute))
        called.append(ticket.code)
        start_serving(ticket, actor=demo.clerk, now=at(minute))
        finish(ticket, actor=demo.clerk, now=at(minute + 4))
    assert called == [green[0].code, green[1].code, green[2].code, walk.code,
                      green[3].code, green[4].code]
    assert call_next(window, actor=demo.clerk, now=at(40)) is None  # B is not served here
    assert Ticket.objects.get(pk=other_category.pk).status == TicketStatus.WAITING


def test_recall_twice_then_no_show_and_audit(desk, demo):
    county, cats = desk
    take(cats["A"], 0)
    window = county.windows.get(number=1)
    ticket = call_next(window, actor=demo.clerk, now=at(1))
    with pytest.raises(HallError):  # one ticket at a window at a time
        call_next(window, actor=demo.clerk, now=at(1))
    assert recall(ticket, actor=demo.clerk, now=at(2)).calls == 2
    assert recall(ticket, actor=demo.clerk, now=at(3)).calls == 3
    gone = recall(ticket, actor=demo.clerk, now=at(4))
    assert (gone.status, gone.calls, gone.ended_at) == (TicketStatus.NO_SHOW, 3, at(4))
    assert list(AuditEntry.objects.filter(kind__startswith="ticket.").order_by("id")
                .values_list("kind", flat=True)) == [
        "ticket.taken", "ticket.called", "ticket.recalled", "ticket.recalled",
        "ticket.no_show"]
    take(cats["A"], 5)
    again = call_next(window, actor=demo.clerk, now=at(6))
    assert mark_no_show(again, actor=demo.clerk, now=at(7)).status == TicketStatus.NO_SHOW


def test_transfer_keeps_the_code_and_the_arrival(desk, demo):
    county, cats = desk
    early = take(cats["A"], 0)
    take(cats["A"], 1)
    window = county.windows.get(number=1)
    ticket = call_next(window, actor=demo.clerk, now=at(2))
    start_serving(ticket, actor=demo.clerk, now=at(3))
    moved = transfer(ticket, actor=demo.clerk, to_category=cats["D"], now=at(5))
    assert (moved.code, moved.taken_at, moved.status, moved.category) == (
        "A001", at(0), TicketStatus.WAITING, cats["D"])
    assert Ticket.objects.get(pk=early.pk).status == TicketStatus.TRANSFERRED
    assert ticket_selectors.ticket_by_token(early.token).pk == moved.pk
    # Window 4 serves A and D: the transferred A001 (arrived at 0) before A002 (at 1).
    colleague = create_staff(username="w-four", password="x", role=Role.CLERK)
    start_shift(county.windows.get(number=4), actor=colleague)
    assert call_next(county.windows.get(number=4), actor=colleague, now=at(6)).pk == moved.pk
    # To a window: only that window calls it.
    to_one = transfer(moved, actor=colleague, to_window=window, now=at(7))
    assert call_next(county.windows.get(number=4), actor=colleague, now=at(8)).code == "A002"
    assert call_next(window, actor=demo.clerk, now=at(9)).pk == to_one.pk


def test_only_the_clerk_at_the_window_acts(desk, demo):
    county, cats = desk
    take(cats["A"], 0)
    ticket = call_next(county.windows.get(number=1), actor=demo.clerk, now=at(1))
    other = create_staff(username="w-other", password="x", role=Role.CLERK)
    with pytest.raises(HallDenied):  # no shift
        recall(ticket, actor=other)
    with pytest.raises(HallDenied):
        call_next(county.windows.get(number=2), actor=other)
    start_shift(county.windows.get(number=2), actor=other)
    with pytest.raises(HallDenied):  # a shift, but at another window
        start_serving(ticket, actor=other)
    with pytest.raises(HallDenied):  # calling for another window
        call_next(county.windows.get(number=1), actor=other)


def test_leaving_by_the_holder_only(desk, demo):
    _county, cats = desk
    mine = take(cats["A"], 0, channel=Channel.PHONE, user=demo.applicant)
    with pytest.raises(HallDenied):
        leave(mine, user=demo.applicant2)
    with pytest.raises(HallDenied):
        leave(mine, token="wrong")
    assert leave(mine, token=mine.token).status == TicketStatus.LEFT


def test_place_and_exact_estimate(desk, demo):
    county, cats = desk
    window = county.windows.get(number=1)
    # One served ticket of 6 minutes and one of 4: average 300 s.
    for minute, length in ((0, 6), (10, 4)):
        take(cats["A"], minute)
        ticket = call_next(window, actor=demo.clerk, now=at(minute))
        start_serving(ticket, actor=demo.clerk, now=at(minute))
        finish(ticket, actor=demo.clerk, now=at(minute + length))
    queue = [take(cats["A"], 20 + m) for m in range(4)]
    green = take(cats["A"], 30, priority=PriorityClass.DISABLED)
    call_next(window, actor=demo.clerk, now=at(31))  # window 1 busy with the green ticket
    place = ticket_selectors.place_of(queue[3])
    # 3 ahead, 1 window open and busy, 300 s: (3 + 1) × 300 / 1 = 1200 s.
    assert place == ticket_selectors.Place(ahead=3, wait_seconds=1200, windows=1,
                                           handling_seconds=300.0)
    assert ticket_selectors.place_of(Ticket.objects.get(pk=green.pk)) is None


def test_sms_when_three_are_ahead_once(desk, demo, django_capture_on_commit_callbacks):
    county, cats = desk
    window = county.windows.get(number=1)
    for m in range(4):
        take(cats["A"], m)
    late = take(cats["A"], 5, mobile="13900000001")
    assert Delivery.objects.count() == 0
    with django_capture_on_commit_callbacks() as after_commit:
        first = call_next(window, actor=demo.clerk, now=at(6))  # 3 ahead of the late one now
    # The reminder is sent once the call has committed, not inside its transaction.
    assert Delivery.objects.count() == 0
    for callback in after_commit:
        callback()
    assert list(Delivery.objects.values_list("recipient", "body")) == [
        ("13900000001", f"【德城区政务服务中心】您的{late.code}号前面还有3人，请到大厅等候叫号。")]
    start_serving(first, actor=demo.clerk)
    finish(first, actor=demo.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        call_next(window, actor=demo.clerk, now=at(7))
    assert Delivery.objects.count() == 1


def test_the_reminders_are_queued_for_the_worker_not_sent_in_the_call(
        desk, demo, settings, django_capture_on_commit_callbacks):
    """With the database task backend (production), a call-next queues one
    ``remind_near_turn`` task after it commits and writes no message itself; the worker
    running the task sends the reminder."""
    from django_tasks_db.models import DBTaskResult

    from onething.hall.tasks import remind_near_turn

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    county, cats = desk
    window = county.windows.get(number=1)
    for m in range(4):
        take(cats["A"], m)
    late = take(cats["A"], 5, mobile="13900000001")
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        call_next(window, actor=demo.clerk, now=at(6))
    queued = DBTaskResult.objects.filter(task_path="onething.hall.tasks.remind_near_turn")
    assert list(queued.values_list("args_kwargs", flat=True)) == [
        {"args": [cats["A"].pk, at(6).astimezone(SH).date().isoformat()], "kwargs": {}}]
    assert Delivery.objects.count() == 0
    remind_near_turn.call(cats["A"].pk, at(6).astimezone(SH).date().isoformat())
    assert list(Delivery.objects.values_list("recipient", "body")) == [
        ("13900000001", f"【德城区政务服务中心】您的{late.code}号前面还有3人，请到大厅等候叫号。")]


def test_the_application_taken_at_the_window_is_linked(desk, demo):
    from onething.applications.services import submit_application
    from onething.hall.ticket_services import link_current
    from tests.conftest import restaurant_submission

    county, cats = desk
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    assert link_current(actor=demo.clerk, application=application) is None  # nobody called
    take(cats["A"], 0)
    ticket = call_next(county.windows.get(number=1), actor=demo.clerk, now=at(1))
    start_serving(ticket, actor=demo.clerk, now=at(2))
    linked = link_current(actor=demo.clerk, application=application)
    assert (linked.pk, linked.application) == (ticket.pk, application)
    done = finish(ticket, actor=demo.clerk, now=at(9))
    assert (done.application, done.served_ended_at) == (application, at(9))
    assert AuditEntry.objects.filter(kind="ticket.linked").count() == 1


def test_no_tickets_from_a_category_or_hall_out_of_use(desk, demo):
    county, cats = desk
    ServiceCategory = type(cats["A"])
    ServiceCategory.objects.filter(pk=cats["E"].pk).update(active=False)
    with pytest.raises(HallError) as closed:
        take(cats["E"], 0)
    assert closed.value.errors == {
        "category": "该类别暂停取号 (this category is not taking tickets)"}
    type(county).objects.filter(pk=county.pk).update(active=False, is_main=False)
    with pytest.raises(HallError):
        take(cats["A"], 0)
    assert Ticket.objects.count() == 0
