"""(a) Apply once over HTTP: POST /api/v1/applications (bundle ``newborn``, all
materials, complete form) against gunicorn, side by side with (b) the plain-SQL
ceiling on the same database in the same run (A B A B).

    python bench/submit_http.py [--db postgres|sqlite] [--seconds S] [--clients C]

Fresh database (``onething setup --demo``), ``gunicorn onething.wsgi:application
-w 4`` on 127.0.0.1 with ONETHING_DEBUG=0, a token for demo-applicant, one
uploaded PDF reused for every material, a unique idempotency key per request,
client processes pinned to the last CPU. Afterwards the Application and Case
rows are counted: they must equal the successful responses (nothing lost,
nothing doubled). Prints one JSON line; ``submit_vs_sql_ratio`` = HTTP
requests/s ÷ SQL transactions/s.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: the repo root goes first, so this folder (which holds a
    # queue.py) never shadows the standard library's ``queue``.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import time

from bench.loadgen import KEY, run_closed
from bench.sql_ceiling import ceiling, resolve
from bench.stack import (
    count_rows,
    emit,
    gunicorn,
    log,
    machine,
    percentile,
    prepare_applicant,
    site,
    spread,
)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--seconds", type=float, default=30,
                    help="load time per side, split over the rounds (default 30)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2, help="A B rounds (default 2)")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    ap.add_argument("--style", choices=["multi", "single"], default="multi",
                    help="how the SQL ceiling writes its rows")
    ap.add_argument("--conn-max-age", type=int, default=60,
                    help="ONETHING_DB_CONN_MAX_AGE for gunicorn (0 = a connection per request)")
    args = ap.parse_args(argv)
    per_round = args.seconds / args.rounds
    started = time.monotonic()
    with site(args.db, conn_max_age=args.conn_max_age) as s, gunicorn(s, args.workers):
        prepare_applicant(s)
        template = s.body(KEY.decode())
        rows = resolve(s)
        run_closed(s.port, s.token, template, "warm", clients=args.clients, seconds=1.0)
        http_rounds, sql_rounds = [], []
        for r in range(args.rounds):
            a = run_closed(s.port, s.token, template, f"http{r}", clients=args.clients,
                           seconds=per_round)
            log(f"[submit] round {r}: HTTP {a['requests_per_s']} req/s, p50 {a['p50_ms']} ms, "
                f"p99 {a['p99_ms']} ms, errors {a['errors']}")
            b = ceiling(s, seconds=per_round, clients=args.clients, prefix=f"sql{r}",
                        style=args.style, rows=rows)
            log(f"[submit] round {r}: SQL {b['tx_per_s']} tx/s, errors {b['errors']}")
            http_rounds.append(a)
            sql_rounds.append(b)
        http_rows = count_rows(s, "http")
        sql_rows = count_rows(s, "sql")
        n = s.cases_per_application
    ok = sum(a["ok"] for a in http_rounds)
    tx = sum(b["tx"] for b in sql_rounds)
    latencies = [x for a in http_rounds for x in a["latencies"]]
    lost_or_doubled = {
        "applications": http_rows["applications"] - ok,
        "cases": http_rows["cases"] - n * ok,
        "duplicate_keys": http_rows["applications"] - http_rows["distinct_keys"],
    }
    rows_ok = not any(lost_or_doubled.values())
    sql_rows_ok = (sql_rows["applications"] == tx and sql_rows["cases"] == n * tx
                   and sql_rows["events"] == (n + 1) * tx)
    rps = round(ok / args.seconds, 1)
    tps = round(tx / args.seconds, 1)
    result = {
        "benchmark": f"submit_{args.db}", "db": args.db, "bundle": s.plan["bundle"],
        "cases_per_application": n, "clients": args.clients, "gunicorn_workers": args.workers,
        "conn_max_age": args.conn_max_age, "seconds_per_side": args.seconds,
        "rounds": args.rounds,
        "requests_per_s": rps,
        "p50_ms": _ms(percentile(latencies, 50)), "p99_ms": _ms(percentile(latencies, 99)),
        "ok": ok, "errors": sum(a["errors"] for a in http_rounds),
        "statuses": [a["statuses"] for a in http_rounds],
        "error_samples": [e for a in http_rounds for e in a["error_samples"]][:5],
        "rows": http_rows, "lost_or_duplicated": lost_or_doubled, "rows_ok": rows_ok,
        "sql_ceiling": {"style": args.style, "tx_per_s": tps, "tx": tx,
                        "errors": sum(b["errors"] for b in sql_rounds),
                        "p50_ms": sql_rounds[0]["p50_ms"], "p99_ms": sql_rounds[-1]["p99_ms"],
                        "rows_ok": sql_rows_ok,
                        "rows_per_tx": {"applications": 1, "cases": n, "events": n + 1}},
        "submit_vs_sql_ratio": round(rps / tps, 3) if tps else None,
        "ratio_by_round": spread([a["requests_per_s"] / b["tx_per_s"]
                                  for a, b in zip(http_rounds, sql_rounds, strict=True)
                                  if b["tx_per_s"]]),
        "goal": {"submit_vs_sql_ratio": ">= 0.5"},
        "wall_seconds": round(time.monotonic() - started, 1),
        "machine": machine(),
    }
    result["goal_met"] = bool(result["submit_vs_sql_ratio"]
                              and result["submit_vs_sql_ratio"] >= 0.5)
    result["valid"] = rows_ok and result["errors"] == 0
    emit(result)
    return result


def _ms(v: float | None) -> float | None:
    return None if v is None else round(v * 1000, 2)


if __name__ == "__main__":
    main()
