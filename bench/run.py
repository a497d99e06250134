"""Run every benchmark and write var/bench/summary.json.

    python bench/run.py [--quick]

Full: 30 s per side for submit (PostgreSQL, then SQLite), 40 persisted
applications per side against SpiffWorkflow, a 1,000,000-case queue, 10
minutes sustained at 70% of the measured maximum. Quick (under ~3 minutes on
2 cores, most of it set-up and the 1-minute sustained run): short submit,
fewer Spiff iterations, 100,000 cases, 1 minute sustained. Each benchmark
runs in its own process and prints one JSON line, echoed here.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import datetime as dt
import json
import subprocess
import time

from bench.stack import PYTHON, REPO, RESULTS, log, machine

FULL = [
    ("submit_postgres", ["submit_http", "--db", "postgres", "--seconds", "30"], 600),
    ("submit_sqlite", ["submit_http", "--db", "sqlite", "--seconds", "30"], 600),
    ("spiff_compare", ["spiff_compare", "--iterations", "40"], 900),
    ("queue", ["queue", "--rows", "1000000", "--repeat", "100"], 1800),
    ("sustained_postgres", ["sustained", "--minutes", "10"], 1200),
    ("instant_postgres", ["instant", "--db", "postgres", "--requests", "300"], 600),
    ("tickets_postgres", ["tickets"], 3600),
]
QUICK = [
    ("submit_postgres", ["submit_http", "--db", "postgres", "--seconds", "8"], 300),
    ("spiff_compare", ["spiff_compare", "--iterations", "8"], 300),
    ("queue", ["queue", "--rows", "100000", "--repeat", "20"], 300),
    ("sustained_postgres", ["sustained", "--minutes", "1"], 300),
    ("instant_postgres", ["instant", "--db", "postgres", "--requests", "60"], 300),
    ("tickets_postgres", ["tickets", "--windows", "50", "--tickets", "600",
                          "--history-days", "3"], 900),
]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started = time.monotonic()
    summary: dict = {"mode": "quick" if args.quick else "full",
                     "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "machine": machine()}
    for name, cmd, timeout in plan:
        log(f"[run] {name}: python -m bench.{' '.join(cmd)}")
        try:
            proc = subprocess.run([PYTHON, "-m", f"bench.{cmd[0]}", *cmd[1:]], cwd=REPO,
                                  stdout=subprocess.PIPE, text=True, timeout=timeout)
            lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
            result = json.loads(lines[-1]) if lines else {
                "error": f"exit {proc.returncode}, no result line"}
        except subprocess.TimeoutExpired:
            result = {"error": f"timed out after {timeout} s"}
        result.pop("machine", None)
        summary[name] = result
        print(json.dumps({name: result}, ensure_ascii=False, sort_keys=True), flush=True)
    summary["wall_seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1,
                                                    sort_keys=True) + "\n")
    log(f"[run] wrote {RESULTS / 'summary.json'} in {summary['wall_seconds']} s")
    return summary


if __name__ == "__main__":
    main()
