"""HTTP load generator: client processes with keep-alive http.client connections.

Closed loop (``run_closed``: each client sends its next request when the last
answered — for the maximum rate) or open loop (``run_open``: requests leave at
fixed times whatever the server does; latency counts from the planned time, so
a stalled server cannot hide its queueing). Every request carries a unique
idempotency key ``PREFIX-client-n`` so rows can be counted afterwards.
"""

from __future__ import annotations

import http.client
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass

from bench.stack import loadgen_cpus, percentile, pin

KEY = b"@@KEY@@"


@dataclass(frozen=True)
class Job:
    port: int
    token: str
    template: bytes  # the request body with KEY where the idempotency key goes
    prefix: str
    start_at: float  # time.time() when every client starts
    seconds: float
    client: int
    interval: float = 0.0  # open loop: seconds between this client's requests


def _send(conn: http.client.HTTPConnection, job: Job, n: int) -> int:
    key = f"{job.prefix}-{job.client}-{n}"
    conn.request("POST", "/api/v1/applications", body=job.template.replace(KEY, key.encode()),
                 headers={"Authorization": f"Bearer {job.token}",
                          "Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _client(job: Job) -> dict:
    pin(loadgen_cpus())
    conn = http.client.HTTPConnection("127.0.0.1", job.port, timeout=30)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    time.sleep(max(0.0, job.start_at - time.time()))
    end = job.start_at + job.seconds
    n = 0
    while True:
        if job.interval:
            planned = job.start_at + n * job.interval
            if planned >= end:
                break
            time.sleep(max(0.0, planned - time.time()))
        else:
            planned = time.time()
            if planned >= end:
                break
        try:
            status = _send(conn, job, n)
        except (OSError, http.client.HTTPException) as exc:
            status = 0
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            conn.close()
        statuses[status] += 1
        if status == 201:
            latencies.append(time.time() - planned)
        n += 1
    conn.close()
    return {"latencies": latencies, "statuses": dict(statuses), "errors": errors[:5], "sent": n}


def _merge(parts: list[dict], seconds: float) -> dict:
    latencies = [x for p in parts for x in p["latencies"]]
    statuses: Counter[int] = Counter()
    for p in parts:
        statuses.update(p["statuses"])
    ok = statuses.get(201, 0)
    sent = sum(p["sent"] for p in parts)
    return {
        "sent": sent, "ok": ok, "errors": sent - ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "error_samples": [e for p in parts for e in p["errors"]][:5],
        "requests_per_s": round(ok / seconds, 1),
        "p50_ms": _ms(percentile(latencies, 50)), "p99_ms": _ms(percentile(latencies, 99)),
        "max_ms": _ms(max(latencies) if latencies else None),
        "seconds": seconds, "latencies": latencies,
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def run_closed(port: int, token: str, template: bytes, prefix: str, *, clients: int,
               seconds: float) -> dict:
    start = time.time() + 0.5
    jobs = [Job(port, token, template, prefix, start, seconds, c) for c in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        parts = pool.map(_client, jobs, chunksize=1)
    return _merge(parts, seconds)


def run_open(port: int, token: str, template: bytes, prefix: str, *, clients: int,
             seconds: float, rate: float) -> dict:
    """``rate`` requests per second in total, spread evenly over the clients."""
    interval = clients / rate
    start = time.time() + 0.5
    jobs = [Job(port, token, template, prefix, start + c * interval / clients, seconds
                - c * interval / clients, c, interval) for c in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        parts = pool.map(_client, jobs, chunksize=1)
    return _merge(parts, seconds)
