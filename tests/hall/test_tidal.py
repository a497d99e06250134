"""Tidal windows (潮汐窗口): the hall's history from its tickets, accepting a plan, the
categories a window serves by the hour, call-next, withdrawing, the priority run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from onething.audit.models import AuditEntry
from onething.domain.tickethistory import TicketRecord
from onething.domain.tickets import Channel, PriorityClass
from onething.hall import tidal_selectors
from onething.hall.demo import load_demo_history
from onething.hall.models import Hall, Ticket, TidalPlan
from onething.hall.services import HallDenied, HallError, start_shift
from onething.hall.ticket_services import call_next, finish, start_serving, take_ticket
from onething.hall.tidal_services import (
    accept_tidal_plan,
    load_ticket_history,
    withdraw_tidal_plan,
)

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
EVENING = dt.datetime(2026, 7, 13, 20, 0, tzinfo=SH)  # Monday; tomorrow is in 入学 (July)
DAY = dt.date(2026, 7, 14)


def local(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), SH)


def utc(day: dt.date, hhmm: str) -> dt.datetime:
    return local(day, hhmm).astimezone(dt.UTC)


def test_the_history_and_arrivals_come_from_the_halls_finished_tickets(halls, demo):
    monday = dt.date(2026, 7, 6)
    records = [
        TicketRecord(
            "x", "A", "A001", utc(monday, "09:10"), utc(monday, "09:20"), None, 300, "served"
        ),
        TicketRecord(
            "x", "A", "A002", utc(monday, "09:50"), None, utc(monday, "10:10"), None, "left"
        ),
        TicketRecord(
            "x", "G", "G001", utc(monday, "10:05"), utc(monday, "10:30"), None, None, "no_show"
        ),
        TicketRecord(
            "x",
            "A",
            "A001",
            utc(monday + dt.timedelta(days=1), "14:59"),
            utc(monday + dt.timedelta(days=1), "15:00"),
            None,
            61,
            "served",
        ),
    ]
    assert load_ticket_history(halls.county, records, actor=None) == 4
    # A ticket still waiting today is not history.
    take_ticket(
        halls.county.categories.get(letter="A"), channel=Channel.KIOSK, now=utc(DAY, "09:00")
    )
    counts = tidal_selectors.observed_arrivals(halls.county, before=DAY)
    assert dict(counts.counts) == {
        ("A", monday, 9): 2,
        ("G", monday, 10): 1,
        ("A", dt.date(2026, 7, 7), 14): 1,
    }
    assert counts.open_dates == frozenset({monday, dt.date(2026, 7, 7)})
    history = tidal_selectors.history_of(halls.county, before=DAY)
    assert [(r.number, r.outcome, r.served_seconds, r.queued_seconds) for r in history] == [
        ("A001", "served", 300, 600.0),
        ("A002", "left", None, 1200.0),
        ("G001", "no_show", None, 1500.0),
        ("A001", "served", 61, 60.0),
    ]
    # Loading again replaces the history instead of adding to it.
    assert load_ticket_history(halls.county, records, actor=None) == 4
    assert Ticket.objects.filter(hall=halls.county, day__lt=DAY).count() == 4
    assert AuditEntry.objects.filter(kind="ticket.history_loaded").count() == 2


def test_history_with_an_unknown_category_is_refused_whole(halls):
    bad = [TicketRecord("x", "Z", "Z001", utc(DAY, "09:00"), None, utc(DAY, "09:05"), None, "left")]
    with pytest.raises(HallError) as info:
        load_ticket_history(halls.county, bad, actor=None)
    assert info.value.errors == {"category": "本大厅没有取号类别 Z (no such category in this hall)"}


@pytest.fixture
def accepted(halls, demo):
    """The demo history of 12 weeks before 14 July, the plan of that Tuesday accepted."""
    with time_machine.travel(EVENING, tick=False):
        load_demo_history(end=DAY)
        plan = accept_tidal_plan(halls.county, DAY, actor=demo.manager)
    return plan


def test_accepting_the_plan_switches_any_matter_windows_at_the_given_hours(accepted, halls):
    county = halls.county
    assert [
        (
            a.window.number,
            a.starts.astimezone(SH).strftime("%H:%M"),
            a.ends.astimezone(SH).strftime("%H:%M"),
            [c.letter for c in a.categories.all()],
        )
        for a in tidal_selectors.assignments_of(accepted)
    ] == [
        (1, "09:00", "12:00", ["E"]),
        (1, "12:00", "17:00", ["C"]),
        (2, "09:00", "12:00", ["G"]),
        (2, "14:00", "17:00", ["G"]),
    ]
    letters = {c.pk: c.letter for c in county.categories.all()}
    window = halls.window(county, 2)

    def serves(hhmm: str) -> list[str]:
        return [letters[pk] for pk in tidal_selectors.category_ids_at(window, local(DAY, hhmm))]

    assert (
        serves("09:30"),
        serves("12:00"),
        serves("13:59"),
        serves("14:00"),
        serves("17:00"),
    ) == (["G"], ["A"], ["A"], ["G"], ["A"])
    assert serves("09:30") != [
        letters[pk]
        for pk in tidal_selectors.category_ids_at(
            window, local(DAY + dt.timedelta(days=1), "09:30")
        )
    ]  # only that day
    entry = AuditEntry.objects.get(kind="tidal_plan.accepted")
    assert entry.details["day"] == "2026-07-14"
    assert entry.details["switches"][2] == {
        "window": 2,
        "from": "09:00",
        "until": "12:00",
        "categories": ["G"],
    }
    assert accepted.summary["date"] == "2026-07-14"


def test_call_next_calls_the_plans_category_in_its_hours_and_the_own_one_after(
    accepted, halls, demo
):
    county = halls.county
    cats = {c.letter: c for c in county.categories.all()}
    window = halls.window(county, 2)
    with time_machine.travel(local(DAY, "08:55"), tick=False):
        start_shift(window, actor=demo.clerk)
    older_a = take_ticket(cats["A"], channel=Channel.KIOSK, now=local(DAY, "09:00"))
    enrolment = take_ticket(cats["G"], channel=Channel.KIOSK, now=local(DAY, "09:20"))
    called = call_next(window, actor=demo.clerk, now=local(DAY, "09:30"))
    assert called.code == enrolment.code == "G001"
    start_serving(called, actor=demo.clerk, now=local(DAY, "09:31"))
    finish(called, actor=demo.clerk, now=local(DAY, "09:40"))
    # Still in the plan's hours: nothing else of G waits, A is not this window's now.
    assert call_next(window, actor=demo.clerk, now=local(DAY, "11:59")) is None
    assert call_next(window, actor=demo.clerk, now=local(DAY, "12:00")).code == older_a.code


def test_accepting_again_replaces_and_withdrawing_restores_the_own_categories(
    accepted, halls, demo
):
    county = halls.county
    window = halls.window(county, 2)
    at = local(DAY, "09:30")
    with time_machine.travel(EVENING + dt.timedelta(minutes=5), tick=False):
        again = accept_tidal_plan(county, DAY, actor=demo.manager)
    accepted.refresh_from_db()
    assert accepted.withdrawn_at is not None and again.in_force
    assert list(TidalPlan.objects.filter(hall=county, day=DAY, withdrawn_at__isnull=True)) == [
        again
    ]
    assert AuditEntry.objects.get(
        kind="tidal_plan.accepted", details__replaces=accepted.pk
    ).subject_id == str(again.pk)
    g = county.categories.get(letter="G").pk
    assert tidal_selectors.category_ids_at(window, at) == [g]
    assert withdraw_tidal_plan(again, actor=demo.manager) is True
    assert withdraw_tidal_plan(again, actor=demo.manager) is False
    assert tidal_selectors.category_ids_at(window, at) == [county.categories.get(letter="A").pk]
    assert AuditEntry.objects.filter(kind="tidal_plan.withdrawn").count() == 1


def test_only_managers_accept_and_past_days_are_refused(halls, demo):
    with time_machine.travel(EVENING, tick=False):
        for who in (demo.clerk, demo.samr, demo.applicant):
            with pytest.raises(HallDenied):
                accept_tidal_plan(halls.county, DAY, actor=who)
        with pytest.raises(HallError) as info:
            accept_tidal_plan(halls.county, DAY - dt.timedelta(days=2), actor=demo.manager)
    assert info.value.errors == {"day": "不能采纳已过去日期的计划 (the day has passed)"}
    assert TidalPlan.objects.count() == 0


@pytest.mark.parametrize(("run", "order"), [(3, "g0 g1 g2 walk g3"), (1, "g0 walk g1 g2 g3")])
def test_the_halls_priority_run_bounds_priority_calls_in_a_row(halls, demo, run, order):
    Hall.objects.filter(pk=halls.county.pk).update(priority_run=run)
    county = Hall.objects.get(pk=halls.county.pk)
    a = county.categories.get(letter="A")
    morning = local(dt.date(2026, 12, 2), "09:00")
    with time_machine.travel(morning - dt.timedelta(minutes=5), tick=False):
        start_shift(halls.window(county, 1), actor=demo.clerk)
    names = {take_ticket(a, channel=Channel.KIOSK, now=morning).pk: "walk"}
    for i in range(4):
        names[
            take_ticket(
                a,
                channel=Channel.KIOSK,
                priority=PriorityClass.ELDERLY,
                now=morning + dt.timedelta(minutes=1 + i),
            ).pk
        ] = f"g{i}"
    window = halls.window(county, 1)
    called = []
    for minute in (20, 25, 30, 35, 40):  # the walk-in is overdue (20 minutes) throughout
        now = morning + dt.timedelta(minutes=minute)
        ticket = call_next(window, actor=demo.clerk, now=now)
        called.append(names[ticket.pk])
        start_serving(ticket, actor=demo.clerk, now=now)
        finish(ticket, actor=demo.clerk, now=now + dt.timedelta(minutes=4))
    assert " ".join(called) == order


# -- the manager's screen ------------------------------------------------------------------


def test_the_plan_screen_shows_tomorrows_plan_and_accepting_switches_windows(halls, demo):
    from django.test import Client

    county = halls.county
    client = Client()
    client.force_login(demo.manager)
    with time_machine.travel(EVENING, tick=False):
        load_demo_history(end=DAY)
        page = client.get(f"/workbench/halls/{county.pk}/tidal/")
        html = page.content.decode()
        assert page.status_code == 200
        assert 'href="?day=2026-07-14" aria-current="page"' in html  # tomorrow by default
        assert "尚未采纳：窗口按各自设置的取号类别叫号。" in html
        # The switches the plan proposes, the reasons, MASE against the baseline, pooling.
        assert "<td>09:00–12:00</td>\n    <td>G 教育入学</td>\n    <td>A</td>" in html
        assert "入学 周二 09–12：教育入学加开1个潮汐窗口（7人/时）" in html
        assert '<th scope="row">B 社保医保</th><td>96</td><td>0.69</td><td>0.91</td>' in html
        assert (
            "全天分设专业窗口需要 94 窗口·时，合并为综合窗口（无差别受理）只需 46 窗口·时，"
            "可少开 48 窗口·时。"
        ) in html
        answer = client.post(f"/workbench/halls/{county.pk}/tidal/accept/", {"day": "2026-07-14"})
        assert answer.status_code == 302
        assert answer["Location"] == f"/workbench/halls/{county.pk}/tidal/?day=2026-07-14"
        html = client.get(answer["Location"]).content.decode()
    assert "已采纳（赵主任，2026-07-13 20:00）" in html
    assert "2号窗口 09:00–12:00：G 教育入学" in html
    plan = TidalPlan.objects.get(hall=county, day=DAY)
    assert plan.accepted_by == demo.manager
    g = county.categories.get(letter="G").pk
    window = halls.window(county, 2)
    assert tidal_selectors.category_ids_at(window, local(DAY, "09:30")) == [g]
    with time_machine.travel(EVENING, tick=False):
        client.post(f"/workbench/halls/{county.pk}/tidal/{plan.pk}/withdraw/")
    assert tidal_selectors.category_ids_at(window, local(DAY, "09:30")) == [
        county.categories.get(letter="A").pk
    ]


def test_clerks_do_not_see_the_plan_screen(halls, demo):
    from django.test import Client

    client = Client()
    client.force_login(demo.clerk)
    assert client.get(f"/workbench/halls/{halls.county.pk}/tidal/").status_code == 403
    assert (
        client.post(
            f"/workbench/halls/{halls.county.pk}/tidal/accept/", {"day": "2026-07-14"}
        ).status_code
        == 403
    )
    assert TidalPlan.objects.count() == 0


def test_the_hall_page_sets_the_priority_run(halls, demo):
    from django.test import Client

    from onething.hall.services import HallProfile, save_hall

    county = halls.county
    client = Client()
    client.force_login(demo.manager)
    html = client.get(f"/workbench/halls/{county.pk}/").content.decode()
    assert 'name="priority_run"' in html and 'value="3"' in html
    profile = HallProfile(
        **{
            f: getattr(county, f)
            for f in (
                "name",
                "slug",
                "kind",
                "region",
                "address",
                "phone",
                "map_url",
                "bus_lines",
                "accessible_entrance",
                "hours_note",
                "is_main",
                "active",
                "order",
            )
        },
        periods=list(
            county.opening_periods.all().values_list("weekday", "starts", "ends", "service")
        ),
        priority_run=5,
    )
    from onething.hall import selectors

    save_hall(
        profile.__class__(**{**profile.__dict__, "periods": selectors.periods_of(county)}),
        actor=demo.manager,
        hall=county,
    )
    county.refresh_from_db()
    assert county.priority_run == 5
    entry = AuditEntry.objects.get(kind="hall.updated")
    assert entry.details["changes"] == {"priority_run": [3, 5]}
    with pytest.raises(HallError) as info:
        save_hall(
            profile.__class__(
                **{**profile.__dict__, "priority_run": 0, "periods": selectors.periods_of(county)}
            ),
            actor=demo.manager,
            hall=county,
        )
    assert info.value.errors == {
        "priority_run": "连续优先叫号上限应为1至20 (the priority run must be 1 to 20)"
    }


def test_the_plan_screen_in_english(halls, demo):
    from django.test import Client

    from tests.english import english
    from tests.hall.test_english import assert_english, hall_data

    client = Client()
    english(client)
    client.force_login(demo.manager)
    with time_machine.travel(EVENING, tick=False):
        load_demo_history(end=DAY)
        data = hall_data() | {"入学", "年底社保缴费"}
        html = assert_english(client.get(f"/workbench/halls/{halls.county.pk}/tidal/"), data)
        assert "Not accepted: each window calls its own categories." in html
        assert "Over the day, separate windows per category need 94 window-hours" in html
        client.post(f"/workbench/halls/{halls.county.pk}/tidal/accept/", {"day": "2026-07-14"})
        html = assert_english(
            client.get(f"/workbench/halls/{halls.county.pk}/tidal/?day=2026-07-14"), data
        )
    assert "Window 2 09:00–12:00: G 教育入学" in html


def test_the_desk_and_the_estimated_wait_follow_the_plan(accepted, halls, demo):
    from onething.hall import ticket_selectors

    county = halls.county
    cats = {c.letter: c for c in county.categories.all()}
    with time_machine.travel(local(DAY, "09:30"), tick=False):
        start_shift(halls.window(county, 2), actor=demo.clerk)
        desk = ticket_selectors.desk_of(demo.clerk)
        assert [c.letter for c, _ in desk.waiting] == ["G"]
        ticket = take_ticket(cats["G"], channel=Channel.KIOSK)
        place = ticket_selectors.place_of(ticket)
        assert (place.ahead, place.windows) == (0, 1)  # window 2 serves G now
    with time_machine.travel(local(DAY, "12:30"), tick=False):
        assert [c.letter for c, _ in ticket_selectors.desk_of(demo.clerk).waiting] == ["A"]
        assert ticket_selectors.place_of(ticket).windows == 0


def test_a_plan_is_withdrawn_only_through_its_own_halls_address(accepted, halls, demo):
    from django.test import Client

    client = Client()
    client.force_login(demo.manager)
    other = f"/workbench/halls/{halls.township.pk}/tidal/{accepted.pk}/withdraw/"
    assert client.post(other).status_code == 404
    accepted.refresh_from_db()
    assert accepted.in_force
    assert not AuditEntry.objects.filter(kind="tidal_plan.withdrawn").exists()


def test_managers_register_and_switch_off_known_peaks_on_the_screen(halls, demo):
    from django.test import Client

    from onething.hall.models import DemandPeak

    county = halls.county
    g = county.categories.get(letter="G")
    client = Client()
    client.force_login(demo.manager)
    with time_machine.travel(EVENING, tick=False):
        answer = client.post(
            f"/workbench/halls/{county.pk}/peaks/",
            {
                "day": "2026-07-14",
                "peak-name": "秋季入学补录",
                "peak-factor": "2.5",
                "peak-months": "9",
                "peak-categories": [g.pk],
            },
        )
        assert answer.status_code == 302
        peak = DemandPeak.objects.get(name="秋季入学补录")
        assert (peak.factor, peak.months, [c.letter for c in peak.categories.all()]) == (
            Decimal("2.50"),
            "9",
            ["G"],
        )
        assert [
            (p.name, p.factor, p.months, p.categories)
            for p in tidal_selectors.peaks_of(county)
            if p.name == "秋季入学补录"
        ] == [("秋季入学补录", 2.5, (9,), ("G",))]
        bad = client.post(
            f"/workbench/halls/{county.pk}/peaks/",
            {"day": "2026-07-14", "peak-name": "x", "peak-factor": "2", "peak-months": "13"},
        )
        assert bad.status_code == 400
        assert "月份应为1至12，用逗号分隔 (months: 1–12, separated by commas)" in (
            bad.content.decode()
        )
        client.post(f"/workbench/halls/{county.pk}/peaks/{peak.pk}/active/", {"active": "0"})
    assert "秋季入学补录" not in [p.name for p in tidal_selectors.peaks_of(county)]
    assert [
        e.kind for e in AuditEntry.objects.filter(kind__startswith="peak.").order_by("id")
    ] == ["peak.created", "peak.updated"]
    # Another hall's address does not reach this hall's peak; clerks are refused.
    other = client.post(
        f"/workbench/halls/{halls.township.pk}/peaks/{peak.pk}/active/", {"active": "1"}
    )
    assert other.status_code == 404
    clerk = Client()
    clerk.force_login(demo.clerk)
    assert (
        clerk.post(
            f"/workbench/halls/{county.pk}/peaks/",
            {"peak-name": "x", "peak-factor": "2", "peak-months": "9"},
        ).status_code
        == 403
    )
    assert DemandPeak.objects.filter(name="x").count() == 0


def test_the_screen_gives_an_overview_of_the_next_eight_days(halls, demo):
    from django.test import Client

    client = Client()
    client.force_login(demo.manager)
    with time_machine.travel(EVENING, tick=False):
        load_demo_history(end=DAY)
        html = client.get(f"/workbench/halls/{halls.county.pk}/tidal/").content.decode()
        plans = tidal_selectors.plans_for(halls.county, [DAY, DAY + dt.timedelta(days=5)])
    # The overview's figures are those of each day's own plan (the same history window).
    tuesday, sunday = plans[DAY], plans[DAY + dt.timedelta(days=5)]
    assert tuesday.to_dict() == tidal_selectors.plan_for(halls.county, DAY).to_dict()
    hours = sum(h.windows for h in tuesday.hours)
    tidal = sum(max(0, h.tidal_windows) for h in tuesday.hours)
    assert (hours, tidal) == (94, 9)
    assert (
        f'<a href="?day=2026-07-14">07月14日 星期二</a></th>\n    <td>{hours}</td>\n'
        f"    <td>{tidal}</td>\n    <td>4</td>\n    <td>入学</td>"
    ) in html
    assert sunday.hours == ()  # the hall is closed on Sundays


def test_the_command_loads_the_demo_history_into_the_county_centres_tickets(halls):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "hall", "demo-history", "--weeks", "2", "--end", "2026-07-14", "--load", stdout=out
    )
    count = Ticket.objects.filter(hall=halls.county).count()
    assert out.getvalue().strip() == f"已载入 {count} 张历史号票 (loaded {count} tickets)"
    days = Ticket.objects.filter(hall=halls.county).values_list("day", flat=True)
    assert (min(days), max(days)) == (dt.date(2026, 6, 30), dt.date(2026, 7, 13))
    call_command(
        "hall",
        "demo-history",
        "--weeks",
        "2",
        "--end",
        "2026-07-14",
        "--load",
        stdout=io.StringIO(),
    )
    assert Ticket.objects.filter(hall=halls.county).count() == count  # replaced, not added
