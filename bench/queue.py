"""(d) The reviewer's department queue at scale: p99 of page 1 and page 100.

    python bench/queue.py [--rows N] [--repeat R]

N cases (default 1,000,000) of one department, bulk-inserted into a scratch
PostgreSQL by INSERT … SELECT generate_series (statuses mixed: open cases
with and without due dates, waiting and finished ones), measured at 10³, 10⁵
and N rows (the curve). Each page is what the API computes:
``selectors.department_queue`` + ``api.paging.page_by_due_date`` (keyset,
50 a page; the page-100 cursor is built from row 4,950 exactly as the API
``selectors.department_queue`` would hand it out — checked against following the
cursors for page 4), and separately with
the API's per-row presenter (``presenters.case``). The workbench's offset
paging (OFFSET 4950) is timed for comparison. EXPLAIN ANALYZE shows whether
the ``case_queue`` index serves the query; a what-if index (built in the
scratch database only, never in the models) is measured as the suggestion.

This file is named queue.py: run it as ``python bench/queue.py`` or
``python -m bench.queue`` — either way the repo root, not bench/, heads
sys.path, so the standard library's ``queue`` stays reachable.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import os
import time

from bench.stack import emit, log, machine, percentile, site

DEPARTMENT = "dc-police"
GOAL_MS = 20.0
WHAT_IF = ("CREATE INDEX bench_case_open_queue ON applications_case "
           "(department_id, promised_due_date ASC NULLS FIRST, id) WHERE status NOT IN "
           "('waiting', 'refused', 'withdrawn', 'cancelled', 'concluded')")

# Applications first (cases need one), then cases spread over statuses and due dates.
FILL_APPS = """
INSERT INTO applications_application (tracking_number, applicant_id, submitted_by_id, channel,
    bundle_id, answers, form_data, plan, idempotency_key, status, submitted_at, updated_at)
SELECT 'Q' || g, %(user)s, %(user)s, 'api', %(bundle)s, '{}', '{}', '{}', '', 'in_progress',
       now(), now()
FROM generate_series(%(lo)s, %(hi)s - 1) g
"""
FILL_CASES = """
INSERT INTO applications_case (application_id, matter_id, department_id, status, stage, position,
    promised_unit, promised_days, statutory_unit, statutory_days, due_provisional,
    promised_due_date, correction_items, result, received, updated_at)
SELECT a.id, %(matter)s, %(department)s, s.status, 0, 0, 'working_days', 10, 'working_days', 20,
       false,
       CASE WHEN s.status IN ('submitted', 'waiting') THEN NULL
            ELSE current_date + ((a.g::bigint * 7919) %% 240 - 120)::int END,
       '[]', '{}', '{}', now()
FROM (SELECT id, (substr(tracking_number, 2))::int AS g FROM applications_application
      WHERE tracking_number LIKE 'Q%%' AND (substr(tracking_number, 2))::int >= %(lo)s
        AND (substr(tracking_number, 2))::int < %(hi)s) a
CROSS JOIN LATERAL (SELECT (ARRAY['submitted', 'accepted', 'in_review', 'accepted',
    'correction_requested', 'concluded', 'concluded', 'waiting', 'in_review', 'approved'])
    [1 + (a.g %% 10)] AS status) s
"""


def fill(conn, ids: dict, lo: int, hi: int) -> None:
    """Cases lo..hi-1 (one application each, as the queue sees cases one by one)."""
    params = {**ids, "lo": lo, "hi": hi}
    with conn.transaction():
        conn.execute(FILL_APPS, params)
        conn.execute(FILL_CASES, params)
    conn.execute("ANALYZE applications_case")
    conn.execute("ANALYZE applications_application")


def timed(fn, repeat: int, budget_s: float = 15.0) -> dict:
    """Time ``repeat`` calls, stopping early (after 5) once ``budget_s`` is spent."""
    fn()  # warm
    times: list[float] = []
    end = time.monotonic() + budget_s
    for i in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if i >= 4 and time.monotonic() > end:
            break
    return {"p50_ms": round(percentile(times, 50) * 1000, 2),
            "p99_ms": round(percentile(times, 99) * 1000, 2), "n": len(times)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=100, help="timed requests per page")
    args = ap.parse_args(argv)
    sizes = sorted({n for n in (1_000, 100_000, args.rows) if n <= args.rows})
    started = time.monotonic()
    with site("postgres") as s:
        import django
        import psycopg

        os.environ.update({k: v for k, v in s.env.items()
                           if k.startswith("ONETHING_") or k == "DATABASE_URL"})
        os.environ["DJANGO_SETTINGS_MODULE"] = "onething.settings"
        django.setup()
        from django.db import connection

        from onething.accounts.models import User
        from onething.api import paging, presenters
        from onething.applications import selectors
        from onething.catalog.models import Bundle, Matter

        viewer = User.objects.get(username=f"reviewer-{DEPARTMENT}")
        matter = Matter.objects.filter(department_id=viewer.department_id).first()
        ids = {"user": User.objects.get(username="demo-applicant").pk,
               "bundle": Bundle.objects.get(slug="newborn").pk,
               "matter": matter.pk, "department": viewer.department_id}

        def queue():
            return selectors.department_queue(viewer).prefetch_related("prerequisites")

        def page(cursor: str = ""):
            return paging.page_by_due_date(queue(), cursor)

        def api_page(cursor: str = ""):
            rows, nxt = page(cursor)
            return [presenters.case(c) for c in rows], nxt

        def cursor_of(n: int) -> str | None:
            """The cursor the API hands out for page ``n``, built from the last row of
            page n-1 (what following n-1 cursors yields); None without such a page."""
            qs = queue().values_list("promised_due_date", "id")
            last = qs[(n - 1) * paging.PAGE_SIZE - 1:(n - 1) * paging.PAGE_SIZE + 1]
            last = list(last)
            if len(last) < 2:
                return None
            due, pk = last[0]
            return paging._encode([due.isoformat() if due else None, pk])

        def walked(n: int) -> str | None:
            cursor = ""
            for _ in range(n - 1):
                _, cursor = page(cursor)
                if cursor is None:
                    return None
            return cursor

        curve, explain = [], {}
        with psycopg.connect(s.database_url, autocommit=True) as conn:
            done = 0
            for size in sizes:
                t0 = time.perf_counter()
                fill(conn, ids, done, size)
                done = size
                log(f"[queue] {size:,} cases in {time.perf_counter() - t0:.1f} s")
                assert cursor_of(4) == walked(4), "constructed cursor differs from the API's"
                c100 = cursor_of(100)
                open_rows = queue().count()
                point = {
                    "rows": size, "open_in_queue": open_rows,
                    "page1": timed(page, args.repeat),
                    "page100_keyset": timed(lambda c=c100: page(c), args.repeat)
                    if c100 else None,
                    "page1_api_presenter": timed(api_page, max(10, args.repeat // 5)),
                    "page100_offset_workbench": timed(
                        lambda: list(queue()[99 * paging.PAGE_SIZE:100 * paging.PAGE_SIZE]),
                        max(10, args.repeat // 5)),
                }
                log(f"[queue] {size:,}: page 1 p99 {point['page1']['p99_ms']} ms, page 100 "
                    f"p99 {(point['page100_keyset'] or {}).get('p99_ms')} ms")
                curve.append(point)
            qs1 = queue()[:paging.PAGE_SIZE + 1]
            explain["page1"] = qs1.explain(analyze=True, buffers=True)
            c100 = cursor_of(100)
            explain["page1_sql"] = str(qs1.query)
            uses_index = "case_queue" in explain["page1"]
            # What-if: an index that matches the query's filter and order.
            conn.execute(WHAT_IF)
            conn.execute("ANALYZE applications_case")
            connection.close()
            what_if = {"index": WHAT_IF, "page1": timed(page, args.repeat),
                       "page100_keyset": timed(lambda c=c100: page(c), args.repeat)
                       if c100 else None,
                       "explain_page1": queue()[:paging.PAGE_SIZE + 1].explain(analyze=True)}
    largest = curve[-1]
    p99s = [largest["page1"]["p99_ms"], (largest["page100_keyset"] or {}).get("p99_ms", 0)]
    result = {
        "benchmark": "queue", "department": DEPARTMENT, "rows": args.rows, "curve": curve,
        "page_size": 50, "paging": "keyset (api/paging.py: promised_due_date NULLS FIRST, id); "
                                   "workbench uses OFFSET (Django Paginator)",
        "page1_p99_ms": largest["page1"]["p99_ms"],
        "page100_p99_ms": (largest["page100_keyset"] or {}).get("p99_ms"),
        "case_queue_index_used": uses_index, "explain": explain, "what_if_index": what_if,
        "goal": {"page_p99_ms": f"< {GOAL_MS:g}"}, "goal_met": max(p99s) < GOAL_MS,
        "needed_index": None if uses_index else (
            "Index(F('promised_due_date').asc(nulls_first=True), 'id' after 'department', "
            "condition=~Q(status__in=['waiting', *FINAL])) — partial, matching the queue's "
            "filter and order; case_queue (department, status, promised_due_date, id) cannot "
            "give the order across several statuses"),
        "wall_seconds": round(time.monotonic() - started, 1), "machine": machine(),
    }
    emit(result)
    return result


if __name__ == "__main__":
    main()
