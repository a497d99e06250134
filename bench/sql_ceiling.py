"""(b) The database ceiling: the rows of one newborn submission — 1 application,
N cases, N+1 events (N = cases of the plan) — written by plain SQL (psycopg, no
ORM; sqlite3 for SQLite) in one transaction per application, by the same
number of client processes.

    python bench/sql_ceiling.py [--db postgres|sqlite] [--seconds S] [--clients C]
        [--style multi|single]

``multi`` writes them as 3 multi-row INSERTs (the best case), ``single`` as
2N+2 single-row INSERTs. Prints one JSON line. ``submit_http`` calls
:func:`ceiling` on its own database, in the same run, alternating with the
HTTP load.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: the repo root goes first, so this folder (which holds a
    # queue.py) never shadows the standard library's ``queue``.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import multiprocessing
import time
from dataclasses import dataclass

from bench.stack import (
    APPLICANT,
    Site,
    count_rows,
    emit,
    loadgen_cpus,
    log,
    machine,
    percentile,
    pin,
    site,
)

APP_COLS = ("tracking_number, applicant_id, submitted_by_id, channel, bundle_id, answers, "
            "form_data, plan, idempotency_key, status, submitted_at, updated_at")
CASE_COLS = ("application_id, matter_id, department_id, status, stage, position, promised_unit, "
             "promised_days, statutory_unit, statutory_days, due_provisional, correction_items, "
             "result, received, updated_at")
EVENT_COLS = "application_id, case_id, actor_id, at, action, from_status, to_status, reason, data"


@dataclass(frozen=True)
class Rows:
    """What one submission writes, resolved once from the database."""

    applicant_id: int
    bundle_id: int
    answers: str
    form_data: str
    plan: str
    cases: list[tuple]  # (matter_id, department_id, status, stage, position, p_unit, p_days,
    #                      s_unit, s_days)
    n: int


def resolve(s: Site) -> Rows:
    plan = s.plan
    codes = [m["code"] for m in plan["matters"]]
    q_user = "SELECT id FROM accounts_user WHERE username = {p}"
    q_bundle = "SELECT id FROM catalog_bundle WHERE slug = {p}"
    q_matter = ("SELECT code, id, department_id, promised_unit, promised_days, statutory_unit, "
                "statutory_days FROM catalog_matter")
    conn, p = _connect(s)
    try:
        user = conn.execute(q_user.format(p=p), (APPLICANT,)).fetchone()[0]
        bundle = conn.execute(q_bundle.format(p=p), (plan["bundle"],)).fetchone()[0]
        matters = {r[0]: r[1:] for r in conn.execute(q_matter).fetchall()}
    finally:
        conn.close()
    cases = []
    for position, m in enumerate(plan["matters"]):
        mid, dep, p_unit, p_days, s_unit, s_days = matters[m["code"]]
        status = "waiting" if m["depends_on"] else "submitted"
        cases.append((mid, dep, status, m["stage"], position, p_unit, p_days, s_unit, s_days))
    form = {**s.form_data}
    return Rows(user, bundle, json.dumps(plan["answers"], ensure_ascii=False),
                json.dumps(form, ensure_ascii=False), json.dumps(plan, ensure_ascii=False),
                cases, len(codes))


def _connect(s: Site):
    if s.db == "postgres":
        import psycopg

        return psycopg.connect(s.database_url), "%s"
    import sqlite3

    conn = sqlite3.connect(s.data_dir / "onething.sqlite3", timeout=20,
                           isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn, "?"


# -- one application, PostgreSQL ---------------------------------------------------------


def _pg_application(conn, rows: Rows, seq: str, key: str) -> int:
    """The application row, its tracking number from the same sequence value."""
    return conn.execute(
        f"WITH n AS (SELECT nextval('{seq}') AS id) "
        f"INSERT INTO applications_application (id, {APP_COLS}) "
        "SELECT n.id, to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') "
        "|| lpad(n.id::text, 7, '0'), %s, %s, 'api', %s, %s, %s, %s, %s, 'in_progress', "
        "now(), now() FROM n RETURNING id",
        (rows.applicant_id, rows.applicant_id, rows.bundle_id, rows.answers, rows.form_data,
         rows.plan, key)).fetchone()[0]


def _pg_multi(conn, rows: Rows, seq: str, key: str) -> None:
    with conn.transaction():
        app_id = _pg_application(conn, rows, seq, key)
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, false, '[]', '{}', '{}', "
                            "now())"] * rows.n)
        params = [x for c in rows.cases for x in (app_id, *c)]
        case_ids = [r[0] for r in conn.execute(
            f"INSERT INTO applications_case ({CASE_COLS}) VALUES {values} RETURNING id",
            params).fetchall()]
        ev = ", ".join(["(%s, %s, %s, now(), 'submit', '', %s, '', %s)"] * (rows.n + 1))
        params = [app_id, None, rows.applicant_id, "in_progress",
                  json.dumps({"channel": "api", "cases": rows.n})]
        for case_id, c in zip(case_ids, rows.cases, strict=True):
            params += [app_id, case_id, rows.applicant_id, c[2], "{}"]
        conn.execute(f"INSERT INTO applications_event ({EVENT_COLS}) VALUES {ev}", params)


def _pg_single(conn, rows: Rows, seq: str, key: str) -> None:
    with conn.transaction():
        app_id = _pg_application(conn, rows, seq, key)
        case_ids = []
        for c in rows.cases:
            case_ids.append(conn.execute(
                f"INSERT INTO applications_case ({CASE_COLS}) VALUES (%s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s, false, '[]', '{}', '{}', now()) RETURNING id",
                (app_id, *c)).fetchone()[0])
        conn.execute(f"INSERT INTO applications_event ({EVENT_COLS}) VALUES "
                     "(%s, NULL, %s, now(), 'submit', '', 'in_progress', '', %s)",
                     (app_id, rows.applicant_id, json.dumps({"channel": "api",
                                                             "cases": rows.n})))
        for case_id, c in zip(case_ids, rows.cases, strict=True):
            conn.execute(f"INSERT INTO applications_event ({EVENT_COLS}) VALUES "
                         "(%s, %s, %s, now(), 'submit', '', %s, '', '{}')",
                         (app_id, case_id, rows.applicant_id, c[2]))


# -- one application, SQLite ---------------------------------------------------------------


def _sqlite_tx(conn, rows: Rows, key: str, multi: bool) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(
            f"INSERT INTO applications_application ({APP_COLS}) VALUES (NULL, ?, ?, 'api', ?, "
            "?, ?, ?, ?, 'in_progress', datetime('now'), datetime('now'))",
            (rows.applicant_id, rows.applicant_id, rows.bundle_id, rows.answers, rows.form_data,
             rows.plan, key))
        app_id = cur.lastrowid
        conn.execute("UPDATE applications_application SET tracking_number = "
                     "strftime('%Y%m%d', 'now') || printf('%07d', id) WHERE id = ?", (app_id,))
        sql = (f"INSERT INTO applications_case ({CASE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
               "?, 0, '[]', '{}', '{}', datetime('now'))")
        case_ids = [conn.execute(sql, (app_id, *c)).lastrowid for c in rows.cases]
        ev = (f"INSERT INTO applications_event ({EVENT_COLS}) VALUES "
              "(?, ?, ?, datetime('now'), 'submit', '', ?, '', ?)")
        params = [(app_id, None, rows.applicant_id, "in_progress",
                   json.dumps({"channel": "api", "cases": rows.n}))]
        params += [(app_id, cid, rows.applicant_id, c[2], "{}")
                   for cid, c in zip(case_ids, rows.cases, strict=True)]
        if multi:
            conn.executemany(ev, params)
        else:
            for p in params:
                conn.execute(ev, p)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class Job:
    site: Site
    rows: Rows
    style: str
    prefix: str
    client: int
    start_at: float
    seconds: float


def _client(job: Job) -> dict:
    pin(loadgen_cpus())
    conn, _ = _connect(job.site)
    seq = ""
    if job.site.db == "postgres":
        seq = conn.execute("SELECT pg_get_serial_sequence('applications_application', 'id')"
                           ).fetchone()[0]
        conn.commit()
    latencies, errors, n = [], [], 0
    time.sleep(max(0.0, job.start_at - time.time()))
    end = job.start_at + job.seconds
    while (t0 := time.time()) < end:
        key = f"{job.prefix}-{job.client}-{n}"
        try:
            if job.site.db == "postgres":
                (_pg_multi if job.style == "multi" else _pg_single)(conn, job.rows, seq, key)
            else:
                _sqlite_tx(conn, job.rows, key, job.style == "multi")
            latencies.append(time.time() - t0)
        except Exception as exc:  # counted and reported, never hidden
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        n += 1
    conn.close()
    return {"latencies": latencies, "errors": errors}


def ceiling(s: Site, *, seconds: float, clients: int, prefix: str, style: str = "multi",
            rows: Rows | None = None) -> dict:
    """Transactions per second of plain-SQL submissions against the site's database."""
    rows = rows or resolve(s)
    start = time.time() + 0.3
    jobs = [Job(s, rows, style, prefix, c, start, seconds) for c in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        parts = pool.map(_client, jobs, chunksize=1)
    latencies = [x for p in parts for x in p["latencies"]]
    errors = [e for p in parts for e in p["errors"]]
    return {"tx": len(latencies), "errors": len(errors), "error_samples": errors[:3],
            "tx_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": _ms(percentile(latencies, 50)), "p99_ms": _ms(percentile(latencies, 99)),
            "seconds": seconds}


def _ms(v: float | None) -> float | None:
    return None if v is None else round(v * 1000, 2)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--style", choices=["multi", "single"], default="multi")
    args = ap.parse_args(argv)
    with site(args.db) as s:
        result = ceiling(s, seconds=args.seconds, clients=args.clients, prefix="sql",
                         style=args.style)
        counted = count_rows(s, "sql-")
    n = len(s.plan["matters"])
    ok = (counted["applications"] == result["tx"] and counted["cases"] == n * result["tx"]
          and counted["events"] == (n + 1) * result["tx"])
    emit({"benchmark": f"sql_ceiling_{args.db}", "db": args.db, "clients": args.clients,
          "style": args.style, "cases_per_application": n, **result, "rows": counted,
          "rows_ok": ok, "machine": machine()})
    log(f"[sql_ceiling] {result['tx_per_s']} tx/s, rows ok: {ok}")


if __name__ == "__main__":
    main()
