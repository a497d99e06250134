"""PostgreSQL restarted for real with the cluster's own ``pg_ctl`` — ``restart -m fast``,
``restart -m immediate`` (a crash and recovery) and a restart with the server down for
3 s — while clients submit applications over HTTP to a running web node and a task
worker runs.

The clients do what the API tells them to: every submission carries an
``Idempotency-Key``; on 503 or a connection error they send the same submission with
the same key again (the answer says it may be retried). Afterwards, without a restart
of any onething process: the node answers ``/readyz`` 200, the worker's heartbeat has
advanced, the notifications queued after the last restart have been sent by the same
worker process, every acknowledged application exists exactly once, no key has two
applications, and nothing but 201 and 503 (or a refused/reset connection while the
server was down) was ever answered — never a 500. Finally every application's SMS has
been sent once (the sweeper re-queues what a restart cut short, if anything).

Needs the throwaway cluster of scripts/test-postgres.sh (``make test-postgres``,
``make faults``), which says where it lives: ONETHING_TEST_PGDATA, ONETHING_TEST_PG_BIN,
ONETHING_TEST_PGLOG, ONETHING_TEST_PG_OPTS, ONETHING_TEST_PG_AS. The numbers measured
are printed (``-s``) and recorded in docs/operations.md, "Fault tests".
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.conftest import PDF

from .conftest import REPO, onething
from .nodes import descendants, readyz, request, task_worker, upload, wait_for, web_node

PGDATA = os.environ.get("ONETHING_TEST_PGDATA", "")
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql" or not PGDATA,
                       reason="restarts the throwaway PostgreSQL cluster of "
                              "scripts/test-postgres.sh (make test-postgres, make faults)"),
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 4
PER_PHASE = 12  # acknowledged submissions before the first restart, and after each
LEASE = 6  # ONETHING_DELIVERY_LEASE_SECONDS: the sweeper takes over cut-short sends soon
CONNECTION_ERROR = "connection error"


def pg_ctl(*args: str, log: Path) -> None:
    """The test cluster's own pg_ctl, as the server's OS user."""
    command = [f"{os.environ['ONETHING_TEST_PG_BIN']}/pg_ctl", "-D", PGDATA,
               "-l", os.environ["ONETHING_TEST_PGLOG"], "-w", "-t", "60", *args]
    if os.environ.get("ONETHING_TEST_PG_AS"):  # the server runs as postgres when we are root
        command = ["runuser", "-u", os.environ["ONETHING_TEST_PG_AS"], "--", *command]
    with log.open("ab") as out:  # never a pipe: the server would inherit it
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=90)
    assert result.returncode == 0, log.read_text()


# How the server goes away: a restart (fast: clients are disconnected, a clean shutdown),
# a crash and recovery (immediate), and a restart with the server down for 3 s (as a
# package upgrade or a failover does), long enough for the worker to meet refused connections.
OUTAGES = {
    "restart -m fast": lambda log: pg_ctl("-m", "fast", "restart", log=log),
    "restart -m immediate": lambda log: pg_ctl("-m", "immediate", "restart", log=log),
    "stop -m fast, 3 s, start": lambda log: (
        pg_ctl("-m", "fast", "stop", log=log), time.sleep(3),
        pg_ctl("-o", os.environ["ONETHING_TEST_PG_OPTS"], "start", log=log)),
}


def reconnect() -> None:
    """This test's own connection died with the server: open a new one."""
    try:
        connection.close()
    except Exception:  # a dead connection may fail to close; it is gone either way
        connection.connection = None
    connection.ensure_connection()


def database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]


class Load:
    """CLIENTS applicants submitting without pause, each retrying on 503 or a
    connection error with the same Idempotency-Key until it gets 201."""

    def __init__(self, base: str, applicants: list[tuple[object, str]]) -> None:
        self.base = base
        self.applicants = applicants
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.outcomes: list[tuple[float, object]] = []  # (monotonic time, status or error)
        self.acked: dict[str, int] = {}  # idempotency key -> application id
        self.acked_at: dict[str, float] = {}
        self.retried: Counter[str] = Counter()  # idempotency key -> attempts after the first
        self.last_sent: dict[str, float] = {}  # idempotency key -> wall time of its last attempt
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True)
                        for n in range(CLIENTS)]

    def record(self, outcome: object) -> None:
        with self.lock:
            self.outcomes.append((time.monotonic(), outcome))

    def send(self, method: str, path: str, token: str, **kwargs) -> tuple[object, bytes]:
        """One attempt: (status or CONNECTION_ERROR, body)."""
        try:
            status, _, body = request(method, f"{self.base}{path}", token=token, timeout=60,
                                      **kwargs)
        except (OSError, http.client.HTTPException):  # refused, reset, cut off mid-answer
            status, body = CONNECTION_ERROR, b""
        self.record(status)
        return status, body

    def client(self, n: int) -> None:
        user, token = self.applicants[n]
        try:
            while True:  # the identity card, once (the same file for every application)
                try:
                    status, stored = upload(self.base, token, PDF + f"% client {n}".encode())
                except (OSError, http.client.HTTPException):
                    status = CONNECTION_ERROR
                self.record(status)
                if status == 201:
                    break
                assert status in (503, CONNECTION_ERROR), (status, stored)
                time.sleep(0.2)
            k = 0
            while not self.stop.is_set():
                key = f"restart-{n}-{k}"
                payload = {"bundle": "social-insurance-record", "answers": {},
                           "form_data": {"applicant_name": user.real_name,
                                         "applicant_id_number": user.id_number,
                                         "applicant_mobile": user.mobile},
                           "materials": {"id-card": stored["id"]}}
                while True:  # the same submission, the same key, until it is taken
                    self.last_sent[key] = time.time()
                    status, body = self.send("POST", "/api/v1/applications", token,
                                             json_body=payload,
                                             headers={"Idempotency-Key": key})
                    if status == 201:
                        break
                    assert status in (503, CONNECTION_ERROR), (status, body[:500])
                    with self.lock:
                        self.retried[key] += 1
                    time.sleep(0.2)
                with self.lock:
                    self.acked[key] = json.loads(body)["id"]
                    self.acked_at[key] = time.monotonic()
                k += 1
        except BaseException as exc:  # reported by the test
            self.failures.append(f"client {n}: {exc!r}")

    def count(self) -> int:
        with self.lock:
            return len(self.acked)

    def wait_for_acks(self, count: int, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while self.count() < count:
            assert not self.failures, self.failures
            assert time.monotonic() < deadline, f"{what}: {self.count()} of {count} acknowledged"
            time.sleep(0.05)


def test_submissions_through_real_postgresql_restarts_lose_and_duplicate_nothing(
        clean_env, tmp_path, loaded_catalog):
    from onething.accounts.services import issue_api_token, register_person
    from onething.applications.models import Application
    from onething.certificates.keys import keys_dir
    from onething.core.models import WorkerHeartbeat
    from onething.domain.validators import id_check_character
    from onething.notifications.models import Delivery

    applicants = []
    for n in range(CLIENTS):
        stem = f"37140219900101{n + 150:03d}"  # 17 digits, then the check character
        user = register_person(real_name=f"重启测试{n}", mobile=f"139000002{n:02d}",
                               id_number=stem + id_check_character(stem))
        applicants.append((user, issue_api_token(user, label="restart")))
    s = connection.settings_dict
    sms_file = tmp_path / "sms.log"
    env = {**clean_env,
           "DATABASE_URL": f"postgres://{quote(s['USER'] or '', safe='')}:"
                           f"{quote(s['PASSWORD'] or '', safe='')}@{s['HOST'] or 'localhost'}:"
                           f"{s['PORT'] or 5432}/{s['NAME']}",
           "ONETHING_DB_CONN_MAX_AGE": "60",  # as deploy/env.example
           "ONETHING_KEYS_DIR": str(keys_dir()),  # the deployment's keys: this test's
           "ONETHING_SMS_BACKEND": "tests.production.worker_support.FileSmsBackend",
           "ONETHING_TEST_SMS_FILE": str(sms_file),
           "ONETHING_WORKER_HEARTBEAT_SECONDS": "1",
           "ONETHING_DELIVERY_LEASE_SECONDS": str(LEASE),
           "ONETHING_SMS_TIMEOUT_SECONDS": "3"}
    # The throwaway cluster runs with synchronous_commit off for speed; an immediate
    # shutdown could then lose the last acknowledged commits, which a real server
    # (synchronous_commit on, the default) never does. On for this database only.
    name = s["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
    pg_log = tmp_path / "pg_ctl.log"
    numbers: dict[str, object] = {}
    try:
        with task_worker(env, log=tmp_path / "worker.log") as worker, \
                web_node(env, workers=2, deployment_checks=True,
                         log=tmp_path / "web.log") as node:
            wait_for(node.ready, 30, f"the node did not become ready:\n{worker.output()}")
            master = next(pid for pid, command in descendants(node.pid).items()
                          if "gunicorn" in command and "--config" in command)
            load = Load(node.url, applicants)
            for thread in load.threads:
                thread.start()
            try:
                load.wait_for_acks(PER_PHASE, 60, "before the restarts")
                for outage, cause in OUTAGES.items():
                    before = load.count()
                    began = time.monotonic()
                    cause(pg_log)
                    back = time.monotonic()
                    reconnect()
                    restarted_at = database_now()
                    load.wait_for_acks(before + PER_PHASE, 60, f"after {outage}")
                    with load.lock:
                        first = min(t for t in load.acked_at.values() if t > back)
                        refused = Counter(o for t, o in load.outcomes
                                          if began <= t <= first and o != 201)
                    numbers[outage] = {"server down s": round(back - began, 2),
                                       "first 201 after s": round(first - back, 2),
                                       "refused": dict(refused)}
            finally:
                load.stop.set()
                for thread in load.threads:
                    thread.join(timeout=90)
            assert load.failures == []
            assert not any(thread.is_alive() for thread in load.threads)

            # Recovered by themselves: the same processes, ready, the worker beating and
            # working after the last restart.
            assert node.running() and worker.running()
            assert master in descendants(node.pid)
            assert readyz(node.url) == (200, {"status": "ready"})
            wait_for(lambda: WorkerHeartbeat.objects.get(pid=worker.pid).last_seen
                     > restarted_at, 10, "the worker's heartbeat did not advance")
            after = {f"sms:application:{i}:received"
                     for i in Application.objects.filter(submitted_at__gt=restarted_at)
                     .values_list("pk", flat=True)}
            assert len(after) >= PER_PHASE - CLIENTS
            wait_for(lambda: set(Delivery.objects.filter(dedupe_key__in=after, status="sent")
                                 .values_list("dedupe_key", flat=True)) == after, 30,
                     f"what was queued after the restart was not sent:\n{worker.output()}")

            # Every acknowledged application exactly once; none without an acknowledgement.
            rows = list(Application.objects.filter(applicant__in=[u for u, _ in applicants])
                        .values_list("idempotency_key", "pk", "submitted_at"))
            keys = Counter(key for key, _, _ in rows)
            assert [key for key, n in keys.items() if n != 1] == []
            assert {key: pk for key, pk, _ in rows} == load.acked
            # Made by an earlier attempt whose answer was lost (a 503 after the commit):
            # the retry was answered with that application.
            replayed = [key for key, _, at in rows if at.timestamp() < load.last_sent[key]]

            # Never a 500: only 201, 503 and connection errors while the server was down.
            answers = Counter(outcome for _, outcome in load.outcomes)
            assert set(answers) <= {201, 503, CONNECTION_ERROR}, answers
            assert answers[503] + answers[CONNECTION_ERROR] > 0, "no request met a restart"
            # The worker met the outage and carried on (onething worker; db_worker exits),
            # saying so in one log line per event.
            log = worker.output(1_000_000).splitlines()
            assert any("database unavailable (OperationalError" in line for line in log)
            assert any("heartbeat of worker" in line and "not recorded" in line for line in log)
            assert [line for line in log
                    if not re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", line)] == []

            # The sweeper takes over sends the restarts cut short (lease lapsed): every
            # application's SMS sent, once.
            wanted = {f"sms:application:{pk}:received" for _, pk, _ in rows}
            deadline = time.monotonic() + 60
            requeued = 0
            while set(Delivery.objects.filter(dedupe_key__in=wanted, status="sent")
                      .values_list("dedupe_key", flat=True)) != wanted:
                swept = subprocess.run(onething("deliveries", "retry"), cwd=REPO, env=env,
                                       capture_output=True, text=True, timeout=60, check=True)
                requeued += int(re.search(r"re-queued (\d+)", swept.stdout).group(1))
                assert time.monotonic() < deadline, "deliveries left unsent"
                time.sleep(1)
            lines = sms_file.read_text().splitlines()
            sent = Counter(line.split()[1] for line in lines if line.startswith("sent "))
            calls = Counter(line.split()[1] for line in lines if line.startswith("call "))
            assert {key: sent[key] for key in wanted} == dict.fromkeys(wanted, 1)
            numbers.update(applications=len(rows), answers=dict(answers),
                           keys_sent_again=len(load.retried), answered_by_replay=len(replayed),
                           requeued_by_sweeper=requeued,
                           repeated_provider_calls=sum(n - 1 for n in calls.values()))
    finally:
        reconnect()
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" RESET synchronous_commit')
        print(f"restart under load: {numbers}")
