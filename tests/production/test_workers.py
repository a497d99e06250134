"""Several task workers, one database: every delivery is sent exactly once, and
a worker killed mid-task leaves nothing lost.

The workers are real ``onething db_worker`` processes. On PostgreSQL they share
the test database (a transactional test, so what we write is committed and
emptied afterwards); on SQLite, whose test database lives in memory, they share
a migrated database file. Filling and inspecting it also happens in processes
of their own (``tests/production/worker_support.py``), the same on both.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
BURST = 60
TIMEOUT = 180
ON_POSTGRESQL = connection.vendor == "postgresql"
# On PostgreSQL the workers share the test database: a transactional test, so
# what the processes write is visible to all and emptied afterwards.
pytestmark = [pytest.mark.django_db(transaction=True)] if ON_POSTGRESQL else []


class SharedDatabase:
    def __init__(self, url: str, tmp_path: Path) -> None:
        self.sms_file = tmp_path / "sms.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "onething.settings",
            "ONETHING_DATA_DIR": str(tmp_path / "data"),
            "ONETHING_SMS_BACKEND": "tests.production.worker_support.FileSmsBackend",
            "ONETHING_TEST_SMS_FILE": str(self.sms_file),
            "ONETHING_LOG_LEVEL": "WARNING",
        }

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=REPO,
                                env={**self.env, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def run(self, *args: str, **env: str) -> str:
        proc = self.start(*args, **env)
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, f"{' '.join(args)} failed:\n{out}"
        return out

    def worker(self, worker_id: str, **env: str) -> subprocess.Popen:
        return self.start("onething", "db_worker", "--batch", "--no-startup-delay",
                          "--worker-id", worker_id, **env)

    def report(self) -> dict:
        return json.loads(self.run("tests.production.worker_support", "report"))

    def enqueue(self, count: int) -> dict:
        """Queue ``count`` deliveries in an empty database; returns the report."""
        queued = json.loads(self.run("tests.production.worker_support", "enqueue", str(count)))
        assert len(queued["deliveries"]) == count
        assert [t["status"] for t in queued["tasks"]] == ["READY"] * count
        return queued

    def sms_lines(self, kind: str) -> list[str]:
        if not self.sms_file.exists():
            return []
        return [line.split()[1] for line in self.sms_file.read_text().splitlines()
                if line.split()[0] == kind]


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite database file, copied for each test (migrating takes seconds)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    SharedDatabase(f"sqlite:///{path}", path.parent).run("onething", "migrate", "--noinput",
                                                         "-v", "0")
    return path


@pytest.fixture
def shared(request, tmp_path) -> SharedDatabase:
    if ON_POSTGRESQL:
        s = connection.settings_dict
        url = (f"postgres://{quote(s['USER'] or '', safe='')}:{quote(s['PASSWORD'] or '', safe='')}"
               f"@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}")
        return SharedDatabase(url, tmp_path)
    template = request.getfixturevalue("migrated_sqlite")
    folder = tmp_path / "db"  # a folder of its own, for the outage test to take away
    folder.mkdir()
    for sidecar in template.parent.glob(f"{template.name}*"):  # the file and any WAL
        shutil.copy(sidecar, folder / sidecar.name.replace(template.name, "shared.sqlite3"))
    return SharedDatabase(f"sqlite:///{folder / 'shared.sqlite3'}", tmp_path)


def test_two_workers_send_a_burst_of_deliveries_exactly_once(shared):
    shared.enqueue(BURST)

    # A little time per message, so both workers are busy at once.
    workers = [shared.worker(f"worker-{n}", ONETHING_TEST_SMS_DELAY="0.05") for n in (1, 2)]
    outputs = [w.communicate(timeout=TIMEOUT)[0] for w in workers]
    for w, out in zip(workers, outputs, strict=True):
        assert w.returncode == 0, out

    expected = {f"sms:burst:{i}" for i in range(BURST)}
    calls = Counter(shared.sms_lines("call"))
    assert set(calls) == expected
    assert [key for key, n in calls.items() if n != 1] == []  # each message once
    assert sorted(shared.sms_lines("sent")) == sorted(expected)
    after = shared.report()
    assert {k: d["status"] for k, d in after["deliveries"].items()} == dict.fromkeys(
        expected, "sent")
    assert {d["attempts"] for d in after["deliveries"].values()} == {1}
    assert len(after["tasks"]) == BURST
    assert {(t["status"], t["return_value"]) for t in after["tasks"]} == {("SUCCESSFUL", "sent")}
    assert all(len(t["worker_ids"]) == 1 for t in after["tasks"])  # each task claimed once
    # Which worker ran how many depends on start-up timing on a busy machine, so
    # it is reported, not asserted; exactly-once above holds either way.
    ran = Counter(t["worker_ids"][0] for t in after["tasks"])
    print(f"tasks per worker: {dict(ran)}")


# ONETHING_DELIVERY_LEASE_SECONDS for the kill test (the provider timeout: 3 s): long enough
# for a busy machine to start two commands before it lapses.
LEASE = 15.0


def test_a_worker_killed_mid_send_is_delivered_once_when_its_lease_lapses(shared):
    """The issue's fault: a worker killed while the provider call is under way.

    The claim (status ``sending`` with a lease) is committed before the provider
    is called, so other processes see it and nothing holds the row locked while
    the provider works. After the kill nothing is sent again until the lease has
    lapsed; then the sweeper queues it once more, the provider is called a second
    time with the same message id and drops it: one SMS.
    """
    lease = {"ONETHING_DELIVERY_LEASE_SECONDS": str(LEASE), "ONETHING_SMS_TIMEOUT_SECONDS": "3"}
    shared.enqueue(1)
    doomed = shared.worker("doomed", ONETHING_TEST_SMS_HANG="1", **lease)
    deadline = time.monotonic() + TIMEOUT
    while not shared.sms_lines("sent"):
        assert doomed.poll() is None, doomed.communicate()[0]
        assert time.monotonic() < deadline, "the worker never called the provider"
        time.sleep(0.05)
    # The provider has the message; the worker waits for its answer.
    during = shared.report()
    assert during["deliveries"] == {"sms:burst:0": {"status": "sending", "attempts": 1}}
    assert during["leases"]["sms:burst:0"] is not None
    if ON_POSTGRESQL:  # no transaction holds the row while the provider is called
        from django.db import transaction

        from onething.notifications.models import Delivery

        with transaction.atomic():
            row = Delivery.objects.select_for_update(nowait=True).get(dedupe_key="sms:burst:0")
            assert row.status == "sending"
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=TIMEOUT)
    killed_at = time.monotonic()

    # While the lease runs nobody takes the delivery over: neither a worker (its
    # task is RUNNING for good) nor the sweeper.
    out = shared.run("onething", "deliveries", "retry", **lease)
    assert "re-queued 0" in out, out
    shared.run("onething", "db_worker", "--batch", "--no-startup-delay", **lease)
    assert time.monotonic() - killed_at < LEASE, "the machine was too slow to check the lease"
    assert shared.sms_lines("call") == ["sms:burst:0"]

    # The sweeper, as `onething serve` runs it (every minute there; here every 0.2 s).
    while "re-queued 1" not in (out := shared.run("onething", "deliveries", "retry", **lease)):
        assert time.monotonic() - killed_at < TIMEOUT, out
        time.sleep(0.2)
    requeued_after = time.monotonic() - killed_at
    assert "lease lapsed: 1 queued again" in out and "1 个中断的任务已标记失败" in out, out
    shared.run("onething", "db_worker", "--batch", "--no-startup-delay", **lease)
    delivered_after = time.monotonic() - killed_at
    print(f"re-queued {requeued_after:.1f} s and delivered {delivered_after:.1f} s "
          f"after the kill (lease {LEASE:g} s)")

    assert shared.sms_lines("call") == ["sms:burst:0", "sms:burst:0"]  # the same message id
    assert shared.sms_lines("sent") == ["sms:burst:0"]  # the provider dropped the repeat
    done = shared.report()
    assert done["deliveries"] == {"sms:burst:0": {"status": "sent", "attempts": 2}}
    assert done["leases"] == {"sms:burst:0": None}
    assert [(t["status"], t["return_value"], t["exception"]) for t in done["tasks"]] == [
        ("FAILED", None, "onething.notifications.WorkerLost"), ("SUCCESSFUL", "sent", "")]
    assert requeued_after < LEASE + 30  # lapsed (and not before: "re-queued 0" above)
    assert "re-queued 0" in shared.run("onething", "deliveries", "retry", "--stale-after", "0")


@contextlib.contextmanager
def database_outage(shared):
    """The database goes away for the workers, until the block ends.

    PostgreSQL: what a restart does to its clients — every connection of the
    workers is cut and new ones are refused. SQLite: the database's folder is
    moved away, so opening the file fails ("unable to open database file").
    """
    if not ON_POSTGRESQL:
        folder = Path(shared.env["DATABASE_URL"].removeprefix("sqlite:///")).parent
        away = folder.with_name("db-away")
        folder.rename(away)
        try:
            yield
        finally:
            away.rename(folder)
        return
    import psycopg
    from django.db import connection as ours

    # PostgreSQL refuses to lock out the database one is connected to: a
    # connection to the maintenance database does it.
    name = ours.settings_dict["NAME"]
    ours.ensure_connection()
    admin = psycopg.connect(**{**ours.get_connection_params(), "dbname": "postgres"},
                            autocommit=True)
    others = ("FROM pg_stat_activity WHERE datname = %s AND pid <> %s "
              "AND backend_type = 'client backend'")
    mine = [name, ours.connection.info.backend_pid]
    deadline = time.monotonic() + TIMEOUT
    # Both workers connected (a slow start may leave one without a connection yet).
    while admin.execute(f"SELECT count(*) {others}", mine).fetchone()[0] < 2:
        assert time.monotonic() < deadline, "the workers never connected"
        time.sleep(0.1)
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        (terminated,) = admin.execute(
            f"SELECT count(pg_terminate_backend(pid)) {others}", mine).fetchone()
        assert terminated == 2  # one connection per worker
        yield
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()


def test_the_worker_rides_out_a_database_outage_that_ends_db_worker(shared):
    """``onething worker`` logs the outage, backs off and carries on; django-tasks-db's
    own ``db_worker``, run beside it as the control, exits. On PostgreSQL both keep
    persistent connections (ONETHING_DB_CONN_MAX_AGE), the setting that made the
    outage fatal; health checks then replace the dead connection.
    """
    shared.enqueue(2)
    persistent = {"ONETHING_DB_CONN_MAX_AGE": "600"} if ON_POSTGRESQL else {}
    resilient = shared.start("onething", "worker", "--no-startup-delay", "--interval", "0.2",
                             "--worker-id", "resilient", **persistent)
    control = shared.start("onething", "db_worker", "--no-startup-delay", "--no-reload",
                           "--interval", "0.2", "--worker-id", "control", **persistent)
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(shared.sms_lines("sent")) < 2:
            assert resilient.poll() is None and control.poll() is None
            assert time.monotonic() < deadline, "the workers did not send the first messages"
            time.sleep(0.1)
        with database_outage(shared):
            control_out, _ = control.communicate(timeout=60)
            assert control.returncode == 1, control_out
            assert "OperationalError" in control_out
            time.sleep(3)  # the outage goes on: the worker keeps trying
            assert resilient.poll() is None
        outage_over = time.monotonic()
        # Later work is done by the same worker process.
        shared.run("tests.production.worker_support", "enqueue", "4")
        while len(shared.sms_lines("sent")) < 4:
            assert resilient.poll() is None, resilient.communicate()[0]
            assert time.monotonic() - outage_over < 60, "the worker did not come back"
            time.sleep(0.1)
        print(f"worker back {time.monotonic() - outage_over:.1f} s after the outage")
    finally:
        for proc in (resilient, control):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        resilient_out, _ = resilient.communicate(timeout=TIMEOUT)
    assert resilient.returncode == 0, resilient_out
    assert "database unavailable (OperationalError" in resilient_out
    report = shared.report()
    assert {k: d["status"] for k, d in report["deliveries"].items()} == {
        f"sms:burst:{i}": "sent" for i in range(4)}
    assert sorted(shared.sms_lines("call")) == [f"sms:burst:{i}" for i in range(4)]
    assert {t["worker_ids"][0] for t in report["tasks"][2:]} == {"resilient"}
