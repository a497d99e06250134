"""End to end with ``onething serve``: metrics summed over gunicorn's worker processes;
a stopped task worker (SIGSTOP) turns /readyz 503 and the metrics show the queue's age
rising; after SIGCONT the node is ready again."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from .conftest import REPO, onething
from .nodes import alive, descendants, free_port, get, wait_for
from .test_serve import pytestmark  # noqa: F401

TOKEN = "scrape-token-for-the-test-0123"


def scrape(base: str) -> dict[str, dict[tuple, float]]:
    request = urllib.request.Request(f"{base}/metrics",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = \
                sample.value
    return samples


def healthz_count(samples) -> float:
    return samples["onething_http_request_duration_seconds_count"].get(
        (("method", "GET"), ("status", "200"), ("view", "healthz")), 0)


def test_metrics_across_workers_and_readiness_with_a_stopped_worker(clean_env):
    env = {**clean_env, "ONETHING_METRICS_TOKEN": TOKEN,
           "ONETHING_WORKER_HEARTBEAT_SECONDS": "0.5",
           "ONETHING_READY_WORKER_STALE_SECONDS": "3",
           "ONETHING_READY_QUEUE_AGE_SECONDS": "0"}
    subprocess.run(onething("setup"), cwd=REPO, env=env, check=True, capture_output=True,
                   timeout=90)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(onething("serve", "--port", str(port), "--workers", "2"),
                              cwd=REPO, env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree: dict[int, str] = {}
    worker_pid = None
    try:
        def ready():
            try:
                return get(f"{base}/readyz")[0] == 200
            except OSError:
                assert server.poll() is None, server.communicate()
                return False
        wait_for(ready, 40, "the node did not become ready")

        # Twenty requests, each on a new connection, spread over both gunicorn workers:
        # every scrape, whichever worker answers it, counts all of them.
        for _ in range(20):
            assert get(f"{base}/healthz")[0] == 200
        counts = {healthz_count(scrape(base)) for _ in range(6)}
        assert counts == {20}

        tree = descendants(server.pid)
        worker_pid = next(pid for pid, command in tree.items()
                          if "onething worker" in command)
        os.kill(worker_pid, signal.SIGSTOP)  # hung: the process lives, nothing runs
        subprocess.run(onething("shell", "-c", "from onething.notifications.tasks import "
                                "deliver; [deliver.enqueue(n) for n in (901, 902)]"),
                       cwd=REPO, env=env, check=True, capture_output=True, timeout=60)

        def unready():
            status, body = get(f"{base}/readyz")
            return (status, json.loads(body)) if status == 503 else None
        status, body = wait_for(unready, 15, "/readyz stayed green with the worker stopped")
        assert status == 503 and body["status"] == "unavailable"
        assert re.fullmatch(r"task worker heartbeat stale: last seen \d+ s ago \(limit 3 s\)",
                            body["reason"]), body
        first = scrape(base)
        time.sleep(1.5)
        later = scrape(base)
        due = first["onething_task_queue_due"][()]
        assert due == later["onething_task_queue_due"][()] == 2
        assert later["onething_task_oldest_due_age_seconds"][()] >= \
            first["onething_task_oldest_due_age_seconds"][()] + 1
        assert later["onething_worker_heartbeat_age_seconds"][()] > 3
        assert later["onething_workers_alive"][()] == 0

        os.kill(worker_pid, signal.SIGCONT)
        wait_for(ready, 15, "not ready again after the worker resumed")
        wait_for(lambda: scrape(base)["onething_task_queue_due"][()] == 0, 15,
                 "the resumed worker did not drain the queue")

        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
        assert server.returncode == 0, err
        access = [line for line in out.decode().splitlines() if '"GET /healthz ' in line]
        assert len(access) == 20
        assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1 '
                            r'"GET /healthz HTTP/1\.1" 200 \d+ \d+ms "-" "Python-urllib/[\d.]+"'
                            r' [0-9a-f]{32}', access[0]), access[0]
    finally:
        if worker_pid and alive(worker_pid):
            os.kill(worker_pid, signal.SIGCONT)
        for pid in [server.pid, *tree]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.wait()
