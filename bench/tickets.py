"""Hall tickets at scale: p99 of taking a ticket and of "call next" on PostgreSQL.

    python bench/tickets.py [--windows 200] [--tickets 5000] [--history-days 30]
                            [--takers 2] [--callers 6] [--rate R]

Without ``--rate`` the saturation run described below; with it an open-loop day (ticket
k due at start + k/R, windows pressing "next" when free after an exponential service
time; every call timed from when it was due — docs/benchmarks.md (g), runs 5–7).

A scratch PostgreSQL (bench/pgcluster.py) with ``onething setup --demo``, then a hall
of its own: 10 categories (A–J), ``--windows`` any-matter windows each serving three
categories, one clerk signed in at each, and ``--history-days`` earlier days of
``--tickets`` finished tickets each (the rows the ``ticket_queue`` index holds on a
real hall after a month). Today's ``--tickets`` tickets are then taken and called by
separate processes, each its own database connection, calling the product's own
services (``ticket_services.take_ticket``, ``call_next``, ``start_serving``,
``finish``; audit rows, SMS outbox rows for the 20 % with a mobile number):

* ``--takers`` kiosk processes take tickets as fast as they can (categories by a
  fixed weight, 10 % green channel, 20 % with a mobile number);
* ``--callers`` clerk processes share the windows; each presses "next" at its windows
  in turn, serves and finishes what it gets, until everything taken has been called;
* one sealer process does the worker's audit job: ``audit.services.seal_pending`` every
  ``--seal-interval`` seconds (what the queued ``seal_audit_chain`` task runs; the
  worker's other tasks, e.g. SMS deliveries, are left queued as before), so the audit
  entries are chained while the day runs and the chain head's lock is taken as in
  production. Afterwards the chain is verified (``chain_ok``, nothing left pending).

A day's 5,000 tickets arrive about one every 6 seconds; here they come as fast as two
kiosks can take them, so every press of "next" meets other presses and takes — far
more contention than a real hall. Timed per call (wall clock around the service
call, its transaction included). Afterwards the rows are checked: exactly
``--tickets`` tickets today, numbers 1..n per category without gaps, each called
once (one ``ticket.called`` audit row each), all done — otherwise the run is
reported invalid, not as a figure. EXPLAIN ANALYZE of call-next's candidate query
shows which index serves it.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import multiprocessing
import os
import random
import time

from bench.stack import emit, log, machine, percentile

GOAL_MS = 50.0
LETTERS = "ABCDEFGHIJ"
WEIGHTS = (30, 15, 12, 10, 8, 7, 6, 5, 4, 3)
HALL_SLUG = "bench-hall"


def _django(env: dict[str, str]) -> None:
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith("ONETHING_") or k == "DATABASE_URL"}
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "onething.settings"
    import django

    django.setup()


def build(windows: int, per_day: int, history_days: int) -> dict:
    """The bench hall, its windows and clerks on shift, and the earlier days' tickets."""
    import datetime as dt
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from onething.accounts.models import User
    from onething.catalog.models import Region
    from onething.hall.models import Hall, ServiceCategory, Ticket, Window, WindowShift

    now = timezone.now()
    with transaction.atomic():
        hall = Hall.objects.create(
            name="压测政务服务中心",
            slug=HALL_SLUG,
            region=Region.objects.first(),
            address="压测路1号",
            phone="0534-0000000",
        )
        cats = ServiceCategory.objects.bulk_create(
            ServiceCategory(hall=hall, letter=letter, name=f"类别{letter}", order=i)
            for i, letter in enumerate(LETTERS)
        )
        made = Window.objects.bulk_create(Window(hall=hall, number=n + 1) for n in range(windows))
        links = Window.categories.through
        links.objects.bulk_create(
            links(window_id=w.pk, servicecategory_id=cats[(i + k) % 10].pk)
            for i, w in enumerate(made)
            for k in range(3)
        )
        clerks = User.objects.bulk_create(
            User(
                username=f"bench-clerk-{n + 1}",
                role="clerk",
                real_name=f"压测{n + 1}",
                password="!",
            )
            for n in range(windows)
        )
        WindowShift.objects.bulk_create(
            WindowShift(window=w, user=c, started_at=now - dt.timedelta(hours=1))
            for w, c in zip(made, clerks, strict=True)
        )
    today = timezone.localdate(now)
    rng = random.Random(7)
    for back in range(history_days, 0, -1):
        day = today - dt.timedelta(days=back)
        opening = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
        counters = dict.fromkeys(LETTERS, 0)
        rows = []
        for i in range(per_day):
            letter = rng.choices(LETTERS, WEIGHTS)[0]
            counters[letter] += 1
            taken = opening + dt.timedelta(seconds=i * 28800 / per_day)
            called = taken + dt.timedelta(seconds=rng.randint(0, 1800))
            started = called + dt.timedelta(seconds=30)
            ended = started + dt.timedelta(seconds=rng.randint(120, 900))
            window = made[rng.randrange(windows)]
            rows.append(
                Ticket(
                    hall=hall,
                    category=cats[LETTERS.index(letter)],
                    day=day,
                    letter=letter,
                    number=counters[letter],
                    taken_at=taken,
                    channel="kiosk",
                    status="done",
                    window=window,
                    called_at=called,
                    last_called_at=called,
                    calls=1,
                    served_started_at=started,
                    served_ended_at=ended,
                    ended_at=ended,
                    token=secrets.token_urlsafe(16),
                )
            )
        Ticket.objects.bulk_create(rows, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE hall_ticket")
    return {
        "hall": hall.pk,
        "categories": [c.pk for c in cats],
        "windows": [w.pk for w in made],
        "clerks": [c.username for c in clerks],
    }


def _wait_until(when: float) -> None:
    delay = when - time.time()
    if delay > 0:
        time.sleep(delay)


def taker(
    env: dict[str, str], categories: list[int], count: int, seed: int, out: multiprocessing.Queue,
    schedule: tuple[float, float, int, int] | None = None,
) -> None:
    """Take ``count`` tickets: as fast as possible, or (``schedule`` = start, rate, this
    taker's index, takers) open loop, ticket k of this taker due at
    start + (k × takers + index) / rate, timed from when it was due."""
    _django(env)
    from onething.hall.models import ServiceCategory
    from onething.hall.ticket_services import take_ticket

    rng = random.Random(seed)
    cats = list(ServiceCategory.objects.filter(pk__in=categories).order_by("letter"))
    times = []
    for i in range(count):
        category = rng.choices(cats, WEIGHTS)[0]
        t0 = time.perf_counter()
        if schedule is not None:
            start, rate, index, takers = schedule
            due = start + (i * takers + index) / rate
            _wait_until(due)
            t0 = time.perf_counter() - max(0.0, time.time() - due)  # late: the wait counts
        take_ticket(
            category,
            channel="kiosk",
            priority="elderly" if rng.random() < 0.1 else "walk_in",
            mobile=f"139{seed:02d}{i:06d}" if rng.random() < 0.2 else "",
        )
        times.append(time.perf_counter() - t0)
    out.put(("take", times))


def caller(env: dict[str, str], pairs: list[tuple[int, str]], done, out,
           paced: tuple[float, float, float, int] | None = None) -> None:
    """Press "next" at the given windows: in turn as fast as possible, or (``paced`` =
    start, mean service seconds, idle seconds, seed) as clerks do — a window presses when
    it is free, serves for an exponential time of that mean, and when nobody was waiting
    presses again after ``idle`` seconds; timed from when the window became free."""
    if paced is not None:
        return _paced_caller(env, pairs, done, out, paced)
    _django(env)
    from onething.accounts.models import User
    from onething.hall.models import Window
    from onething.hall.ticket_services import call_next, finish, start_serving

    desks = [(Window.objects.get(pk=w), User.objects.get(username=u)) for w, u in pairs]
    times, empty, empty_rounds = [], [], 0
    while True:
        called_any = False
        for window, clerk in desks:
            t0 = time.perf_counter()
            ticket = call_next(window, actor=clerk)
            (empty if ticket is None else times).append(time.perf_counter() - t0)
            if ticket is not None:
                called_any = True
                start_serving(ticket, actor=clerk)
                finish(ticket, actor=clerk)
        if called_any:
            empty_rounds = 0
        elif done.is_set():
            empty_rounds += 1
            if empty_rounds >= 2:
                break
        else:
            time.sleep(0.05)
    out.put(("call", times))
    out.put(("empty", empty))


def _paced_caller(env: dict[str, str], pairs: list[tuple[int, str]], done, out,
                  paced: tuple[float, float, float, int]) -> None:
    _django(env)
    import heapq

    from onething.accounts.models import User
    from onething.hall.models import Window
    from onething.hall.ticket_services import call_next, finish, start_serving

    start, service, idle, seed = paced
    rng = random.Random(seed)
    desks = [(Window.objects.get(pk=w), User.objects.get(username=u)) for w, u in pairs]
    # (free at, desk index): windows start staggered over one mean service time
    free = [(start + rng.uniform(0, service), n) for n in range(len(desks))]
    heapq.heapify(free)
    times, empty = [], []
    idle_after_done: set[int] = set()
    while free:
        due, n = heapq.heappop(free)
        _wait_until(due)
        window, clerk = desks[n]
        t0 = time.perf_counter() - max(0.0, time.time() - due)
        ticket = call_next(window, actor=clerk)
        (empty if ticket is None else times).append(time.perf_counter() - t0)
        if ticket is not None:
            start_serving(ticket, actor=clerk)
            finish(ticket, actor=clerk)
            idle_after_done.discard(n)
            heapq.heappush(free, (time.time() + rng.expovariate(1 / service), n))
        elif done.is_set():
            idle_after_done.add(n)  # every ticket taken: a window done once it finds none
            if len(idle_after_done) == len(desks):
                break
            heapq.heappush(free, (time.time() + idle, n))
        else:
            heapq.heappush(free, (time.time() + idle, n))
    out.put(("call", times))
    out.put(("empty", empty))


def sealer(env: dict[str, str], interval: float, done, out) -> None:
    """The worker's share of the audit trail: seal pending entries every ``interval`` s."""
    _django(env)
    from onething.audit.services import seal_pending

    times, sealed = [], 0
    while True:
        finished = done.is_set()
        t0 = time.perf_counter()
        n = seal_pending()
        if n:
            times.append(time.perf_counter() - t0)
            sealed += n
        if finished:
            break
        time.sleep(interval)
    out.put(("seal", times))
    out.put(("sealed", [sealed]))


def check(hall_id: int, expected: int) -> dict:
    from django.db.models import Count, Max
    from django.utils import timezone

    from onething.audit.models import AuditEntry
    from onething.hall.models import Ticket

    today = Ticket.objects.filter(hall_id=hall_id, day=timezone.localdate())
    per_letter = list(today.values("letter").annotate(n=Count("id"), top=Max("number")))
    ids = [str(pk) for pk in today.values_list("pk", flat=True)]
    called = AuditEntry.objects.filter(kind="ticket.called", subject_id__in=ids).count()
    from onething.audit.services import verify_chain

    chain = verify_chain(seal=False)  # the sealer's last round ran after all writers ended
    ok = {
        "chain_ok": chain.ok and chain.pending == 0,
        "tickets": today.count() == expected,
        "gap_free": all(row["n"] == row["top"] for row in per_letter),
        "all_done": today.exclude(status="done").count() == 0,
        "called_once_each": called == expected,
    }
    return {
        "rows_ok": all(ok.values()),
        **ok,
        "called_audit_rows": called,
        "today": today.count(),
        "chain_entries": chain.checked,
        "chain_problem": chain.problem,
    }


def explain_path(world: dict) -> list[dict]:
    """EXPLAIN ANALYZE of every SELECT one take and one call-next run, on the full data."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onething.accounts.models import User
    from onething.hall.models import ServiceCategory, Window
    from onething.hall.ticket_services import call_next, take_ticket

    category = ServiceCategory.objects.get(pk=world["categories"][0])
    window = Window.objects.get(pk=world["windows"][0])
    clerk = User.objects.get(username=world["clerks"][0])
    with CaptureQueriesContext(connection) as queries:
        take_ticket(category, channel="kiosk", mobile="13900000009")
        call_next(window, actor=clerk)
    plans = []
    with connection.cursor() as cursor:
        for q in queries.captured_queries:
            if not q["sql"].startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN ANALYZE " + q["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append({"sql": q["sql"][:300], "plan": plan})
    return plans


def explain_call(window_pk: int) -> str:
    from django.db.models import Q
    from django.utils import timezone

    from onething.hall.models import Ticket, Window

    window = Window.objects.get(pk=window_pk)
    cats = list(window.categories.values_list("pk", flat=True))
    qs = (
        Ticket.objects.filter(hall_id=window.hall_id, day=timezone.localdate(), status="waiting")
        .filter(Q(for_window=window) | Q(for_window__isnull=True, category_id__in=cats))
        .filter(priority="walk_in")
        .order_by("taken_at", "pk")
    )
    return qs[:1].explain(analyze=True)


def profile(world: dict) -> None:
    """Queries and time of one take and one call, and cProfile's top of 50 of each."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onething.accounts.models import User
    from onething.hall.models import ServiceCategory, Window
    from onething.hall.ticket_services import call_next, finish, start_serving, take_ticket

    category = ServiceCategory.objects.get(pk=world["categories"][0])
    window = Window.objects.get(pk=world["windows"][0])
    clerk = User.objects.get(username=world["clerks"][0])
    for label, fn in (
        ("take", lambda: take_ticket(category, channel="kiosk", mobile="13900000001")),
        ("call", lambda: call_next(window, actor=clerk)),
    ):
        with CaptureQueriesContext(connection) as queries:
            result = fn()
        log(f"[profile] {label}: {len(queries)} queries")
        for q in queries.captured_queries:
            log(f"    {q['time']} {q['sql'][:160]}")
        if label == "call":
            start_serving(result, actor=clerk)
            finish(result, actor=clerk)
    for _ in range(50):
        take_ticket(category, channel="kiosk")
    prof = cProfile.Profile()
    prof.enable()
    t0 = time.perf_counter()
    for _ in range(50):
        take_ticket(category, channel="kiosk")
    t1 = time.perf_counter()
    for _ in range(50):
        ticket = call_next(window, actor=clerk)
        start_serving(ticket, actor=clerk)
        finish(ticket, actor=clerk)
    t2 = time.perf_counter()
    prof.disable()
    log(
        f"[profile] 50 takes {1000 * (t1 - t0) / 50:.1f} ms each; 50 call+serve+finish "
        f"{1000 * (t2 - t1) / 50:.1f} ms each"
    )
    pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(35)


def summary(times: list[float]) -> dict:
    return {
        "n": len(times),
        "p50_ms": round(percentile(times, 50) * 1000, 2),
        "p99_ms": round(percentile(times, 99) * 1000, 2),
        "max_ms": round(max(times) * 1000, 2),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--windows", type=int, default=200)
    ap.add_argument("--tickets", type=int, default=5000, help="tickets a day")
    ap.add_argument("--history-days", type=int, default=30)
    ap.add_argument("--takers", type=int, default=2)
    ap.add_argument("--callers", type=int, default=6)
    ap.add_argument("--seal-interval", type=float, default=0.5, help="seconds between seals")
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: tickets a second (0: as fast as the takers can, the saturation run)",
    )
    ap.add_argument(
        "--utilisation",
        type=float,
        default=0.8,
        help="open loop: the windows' busy share (mean service = windows × this ÷ rate)",
    )
    ap.add_argument(
        "--idle-seconds",
        type=float,
        default=10.0,
        help="open loop: a free window with nobody waiting presses again after this",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="only profile 50 takes and calls in this process (queries, time)",
    )
    args = ap.parse_args(argv)
    from bench.stack import site

    started = time.monotonic()
    with site("postgres") as s:
        _django(s.env)
        t0 = time.perf_counter()
        world = build(args.windows, args.tickets, args.history_days)
        log(
            f"[tickets] hall, {args.windows} windows and {args.history_days} days of "
            f"history in {time.perf_counter() - t0:.1f} s"
        )
        from django.db import connection

        if args.profile:
            profile(world)
            return {}
        connection.close()
        ctx = multiprocessing.get_context("spawn")
        out, done = ctx.Queue(), ctx.Event()
        share = [
            args.tickets // args.takers + (1 if i < args.tickets % args.takers else 0)
            for i in range(args.takers)
        ]
        pairs = list(zip(world["windows"], world["clerks"], strict=True))
        start = time.time() + 15  # every process connected and warm before the first
        service = args.windows * args.utilisation / args.rate if args.rate else 0.0
        procs = [
            ctx.Process(
                target=taker,
                args=(s.env, world["categories"], n, i + 1, out),
                kwargs={"schedule": (start, args.rate, i, args.takers) if args.rate else None},
            )
            for i, n in enumerate(share)
        ]
        procs += [
            ctx.Process(
                target=caller,
                args=(s.env, pairs[j :: args.callers], done, out),
                kwargs={
                    "paced": (start, service, args.idle_seconds, 100 + j) if args.rate else None
                },
            )
            for j in range(args.callers)
        ]
        sealing = ctx.Event()
        procs.append(ctx.Process(target=sealer, args=(s.env, args.seal_interval, sealing, out)))
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        results = {"take": [], "call": [], "empty": [], "seal": [], "sealed": []}
        for _ in range(args.takers):
            kind, times = out.get(timeout=1800)
            results[kind] += times
        done.set()
        for _ in range(2 * args.callers):
            kind, times = out.get(timeout=1800)
            results[kind] += times
        sealing.set()  # every writer has ended: one last round, then stop
        for _ in range(2):
            kind, times = out.get(timeout=1800)
            results[kind] += times
        for p in procs:
            p.join(timeout=60)
        elapsed = time.perf_counter() - t0
        rows = check(world["hall"], args.tickets)
        plan = explain_call(world["windows"][0])
        plans = explain_path(world)
    take, call = summary(results["take"]), summary(results["call"])
    result = {
        "benchmark": "tickets",
        "windows": args.windows,
        "tickets_per_day": args.tickets,
        "history_days": args.history_days,
        "takers": args.takers,
        "callers": args.callers,
        "mode": (
            {"open_loop": True, "rate_per_second": args.rate, "mean_service_seconds": service,
             "utilisation": args.utilisation, "idle_seconds": args.idle_seconds}
            if args.rate
            else {"open_loop": False}
        ),
        "take": take,
        "call_next": call,
        "call_next_nobody_waiting": summary(results["empty"]) if results["empty"] else None,
        "seal_rounds": summary(results["seal"]) if results["seal"] else None,
        "sealed_entries": sum(results["sealed"]),
        "run_seconds": round(elapsed, 1),
        "takes_per_second": round(args.tickets / elapsed, 1),
        **rows,
        "explain_call_candidate": plan,
        "explain_path": plans,
        "ticket_queue_index_used": "ticket_queue" in plan,
        "goal": {"p99_ms": f"< {GOAL_MS:g}"},
        "goal_met": rows["rows_ok"] and max(take["p99_ms"], call["p99_ms"]) < GOAL_MS,
        "machine": machine(),
        "seconds": round(time.monotonic() - started, 1),
    }
    log(
        f"[tickets] take p50 {take['p50_ms']} ms p99 {take['p99_ms']} ms; call-next p50 "
        f"{call['p50_ms']} ms p99 {call['p99_ms']} ms (n={call['n']}); rows_ok "
        f"{rows['rows_ok']}"
    )
    emit(result)
    return result


if __name__ == "__main__":
    main()
