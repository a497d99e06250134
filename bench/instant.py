"""秒批 end to end: POST /api/v1/applications for 无犯罪记录证明 until the
response carries the signed certificate, against gunicorn.

    python bench/instant.py [--db postgres|sqlite] [--requests N] [--clients C]

Fresh database (``onething setup --demo``: the demo criminal register is
loaded, the demo applicant has no record), ``gunicorn -w 2`` on 127.0.0.1,
a token for demo-applicant and one uploaded PDF for both materials. Each
request submits a new application (unique idempotency key); it counts only
when the response says the case is approved and carries a certificate
number. Then, for a sample, the certificate's /verify/ JSON must say
``valid``. Runs once with one client (latency alone) and once with C
clients (latency under concurrent use). Goal: p99 < 1 s end to end.
Prints one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import threading
import time
import uuid

from bench.stack import emit, gunicorn, log, machine, ms, percentile, prepare_applicant, request
from bench.stack import site as make_site

BUNDLE = "no-criminal-record"
GOAL_P99_MS = 1000


def body(upload_id: int, key: str) -> bytes:
    return json.dumps({
        "bundle": BUNDLE, "answers": {}, "form_data": {"certificate_purpose": "就业"},
        "materials": {"no-criminal-record-form": upload_id, "id-card": upload_id},
        "idempotency_key": key,
    }, ensure_ascii=False).encode()


def one(port: int, token: str, upload_id: int) -> tuple[float, str | None]:
    started = time.perf_counter()
    status, out = request(port, "POST", "/api/v1/applications",
                          body(upload_id, f"instant-{uuid.uuid4().hex}"),
                          {"Authorization": f"Bearer {token}",
                           "Content-Type": "application/json"}, timeout=30)
    elapsed = time.perf_counter() - started
    if status != 201:
        return elapsed, None
    case = json.loads(out)["cases"][0]
    certificate = case.get("certificate") or {}
    if case.get("status") != "approved" or not certificate.get("number"):
        return elapsed, None
    return elapsed, certificate["number"]


def run(port: int, token: str, upload_id: int, *, requests: int, clients: int) -> dict:
    latencies: list[float] = []
    numbers: list[str] = []
    errors = 0
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def client() -> None:
        nonlocal errors
        for _ in range(per_client):
            elapsed, number = one(port, token, upload_id)
            with lock:
                latencies.append(elapsed)
                if number is None:
                    errors += 1
                else:
                    numbers.append(number)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    return {"clients": clients, "requests": len(latencies), "errors": errors,
            "p50_ms": ms(percentile(latencies, 50)), "p99_ms": ms(percentile(latencies, 99)),
            "max_ms": ms(max(latencies)), "requests_per_s": round(len(latencies) / wall, 1),
            "numbers": numbers}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args(argv)
    with make_site(args.db) as s, gunicorn(s, 2):
        prepare_applicant(s)
        run(s.port, s.token, s.upload_id, requests=10, clients=1)  # warm
        single = run(s.port, s.token, s.upload_id, requests=args.requests, clients=1)
        log(f"[instant] 1 client: p50 {single['p50_ms']} ms, p99 {single['p99_ms']} ms, "
            f"errors {single['errors']}")
        many = run(s.port, s.token, s.upload_id, requests=args.requests, clients=args.clients)
        log(f"[instant] {args.clients} clients: p50 {many['p50_ms']} ms, "
            f"p99 {many['p99_ms']} ms, errors {many['errors']}")
        sample = (single["numbers"] + many["numbers"])[:: max(1, args.requests // 20)]
        invalid = 0
        for number in sample:
            status, out = request(s.port, "GET", f"/verify/{number}/",
                                  headers={"Accept": "application/json"})
            if status != 200 or json.loads(out).get("status") != "valid":
                invalid += 1
    for r in (single, many):
        r.pop("numbers")
    worst = max(single["p99_ms"] or 0, many["p99_ms"] or 0)
    result = {"benchmark": "instant", "db": args.db, "single": single, "concurrent": many,
              "verified_sample": len(sample), "verify_failures": invalid,
              "goal_p99_ms": GOAL_P99_MS,
              "goal_met": worst < GOAL_P99_MS and not single["errors"] and not many["errors"]
              and not invalid, "machine": machine()}
    emit(result)
    return result


if __name__ == "__main__":
    main()
