"""Several task workers, one database: every delivery is sent exactly once, and
a worker killed mid-task leaves nothing lost.

The workers are real ``onething db_worker`` processes. On PostgreSQL they share
the test database (a transactional test, so what we write is committed and
emptied afterwards); on SQLite, whose test database lives in memory, they share
a migrated database file. Filling and inspecting it also happens in processes
of their own (``tests/production/worker_support.py``), the same on both.
"""

from __future__ import annotations

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

    def sms_lines(self, kind: str = "sent") -> list[str]:
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
    for sidecar in template.parent.glob(f"{template.name}*"):  # the file and any WAL
        shutil.copy(sidecar, tmp_path / sidecar.name.replace(template.name, "shared.sqlite3"))
    return SharedDatabase(f"sqlite:///{tmp_path / 'shared.sqlite3'}", tmp_path)


def test_two_workers_send_a_burst_of_deliveries_exactly_once(shared):
    shared.enqueue(BURST)

    # A little time per message, so both workers are busy at once.
    workers = [shared.worker(f"worker-{n}", ONETHING_TEST_SMS_DELAY="0.05") for n in (1, 2)]
    outputs = [w.communicate(timeout=TIMEOUT)[0] for w in workers]
    for w, out in zip(workers, outputs, strict=True):
        assert w.returncode == 0, out

    expected = {f"sms:burst:{i}" for i in range(BURST)}
    sent = Counter(shared.sms_lines())
    assert set(sent) == expected
    assert [key for key, n in sent.items() if n != 1] == []  # each message once
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


def test_a_worker_killed_mid_task_loses_nothing(shared):
    shared.enqueue(1)
    doomed = shared.worker("doomed", ONETHING_TEST_SMS_HANG="1")
    deadline = time.monotonic() + TIMEOUT
    while not shared.sms_lines("begin"):
        assert doomed.poll() is None, doomed.communicate()[0]
        assert time.monotonic() < deadline, "the worker never started the task"
        time.sleep(0.1)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=TIMEOUT)

    # django-tasks-db never runs a RUNNING task again; the delivery rolled back.
    left = shared.report()
    assert [t["status"] for t in left["tasks"]] == ["RUNNING"]
    assert left["deliveries"] == {"sms:burst:0": {"status": "pending", "attempts": 0}}
    out = shared.run("onething", "db_worker", "--batch", "--no-startup-delay")
    assert shared.sms_lines() == [], out  # a worker alone would never send it

    out = shared.run("onething", "deliveries", "retry", "--stale-after", "0")
    assert "re-queued 1 delivery" in out and "marked failed" in out, out
    shared.run("onething", "db_worker", "--batch", "--no-startup-delay")
    assert shared.sms_lines() == ["sms:burst:0"]
    done = shared.report()
    assert done["deliveries"] == {"sms:burst:0": {"status": "sent", "attempts": 1}}
    assert [(t["status"], t["exception"]) for t in done["tasks"]] == [
        ("FAILED", "onething.notifications.WorkerLost"), ("SUCCESSFUL", "")]
    assert "re-queued 0" in shared.run("onething", "deliveries", "retry", "--stale-after", "0")
