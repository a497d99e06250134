"""(e) Sustained load at a fixed rate: zero errors, zero lost applications.

    python bench/sustained.py --minutes M [--rate R] [--db postgres|sqlite]

Open loop: requests leave at fixed times (R per second over the client
processes) whatever the server does, and latency counts from the planned send
time. Without ``--rate`` the rate is 70% of the maximum measured by
``submit_http`` (var/bench/submit_<db>.json). Afterwards Application and Case
rows are counted against the successful responses. Prints one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import time

from bench.loadgen import KEY, run_open
from bench.stack import (
    RESULTS,
    count_rows,
    emit,
    gunicorn,
    log,
    machine,
    prepare_applicant,
    site,
)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, default=0,
                    help="requests/s (default: 70%% of var/bench/submit_<db>.json)")
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args(argv)
    rate, source = args.rate, "--rate"
    if not rate:
        measured = json.loads((RESULTS / f"submit_{args.db}.json").read_text())
        rate, source = round(0.7 * measured["requests_per_s"], 2), (
            f"70% of {measured['requests_per_s']} req/s (var/bench/submit_{args.db}.json)")
    clients = max(1, min(args.clients, int(rate) or 1))
    seconds = args.minutes * 60
    started = time.monotonic()
    with site(args.db) as s, gunicorn(s, args.workers):
        prepare_applicant(s)
        log(f"[sustained] {rate} req/s for {seconds:.0f} s over {clients} clients ({source})")
        r = run_open(s.port, s.token, s.body(KEY.decode()), "sus", clients=clients,
                     seconds=seconds, rate=rate)
        rows = count_rows(s, "sus")
        n = s.cases_per_application
    lost = {"applications": rows["applications"] - r["ok"], "cases": rows["cases"] - n * r["ok"],
            "duplicate_keys": rows["applications"] - rows["distinct_keys"]}
    result = {
        "benchmark": f"sustained_{args.db}", "db": args.db, "target_rate": rate,
        "rate_source": source, "minutes": args.minutes, "clients": clients,
        "achieved_rate": round(r["ok"] / seconds, 2), "sent": r["sent"], "ok": r["ok"],
        "errors": r["errors"], "statuses": r["statuses"], "error_samples": r["error_samples"],
        "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "max_ms": r["max_ms"],
        "latency_from": "planned send time (open loop)",
        "rows": rows, "lost_or_duplicated": lost,
        "goal": {"errors": 0, "lost_applications": 0},
        "wall_seconds": round(time.monotonic() - started, 1), "machine": machine(),
    }
    result["goal_met"] = r["errors"] == 0 and not any(lost.values()) and r["sent"] > 0
    emit(result)
    return result


if __name__ == "__main__":
    main()
