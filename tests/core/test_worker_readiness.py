"""Worker heartbeats, /readyz's worker and queue checks, ``onething tasks status``."""

from __future__ import annotations

import datetime as dt
import io
import json
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onething.core import counters
from onething.core.heartbeat import Heartbeat, record_heartbeat, record_stopped
from onething.core.models import WorkerHeartbeat
from onething.notifications.tasks import deliver

pytestmark = pytest.mark.django_db


NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def database_queue(settings, monkeypatch):
    """The database queue, default thresholds, and the database clock stopped at NOW (so
    the ages printed are exact however slow the machine is)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ONETHING_READY_WORKER_STALE_SECONDS = 120
    settings.ONETHING_READY_QUEUE_AGE_SECONDS = 600
    monkeypatch.setattr("onething.core.heartbeat.database_now", lambda: NOW)
    monkeypatch.setattr("onething.ops.operations.database_now", lambda: NOW)


def beat(worker_id: str, seconds_ago: float) -> None:
    record_heartbeat(worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=NOW - dt.timedelta(seconds=seconds_ago))


def queued(seconds_ago: float, count: int = 1) -> None:
    for n in range(count):
        deliver.enqueue(1000 + n)
    DBTaskResult.objects.update(enqueued_at=NOW - dt.timedelta(seconds=seconds_ago))


def status(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("tasks", "status", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code)
    return code, out.getvalue()


def test_record_heartbeat_creates_then_updates_one_row():
    record_heartbeat("node1:42")
    first = WorkerHeartbeat.objects.get(worker_id="node1:42")
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - dt.timedelta(minutes=5))
    record_heartbeat("node1:42")
    row = WorkerHeartbeat.objects.get(worker_id="node1:42")
    assert WorkerHeartbeat.objects.count() == 1
    assert row.started_at == first.started_at
    assert (timezone.now() - row.last_seen).total_seconds() < 5
    record_stopped("node1:42")
    assert WorkerHeartbeat.objects.get().stopped_at is not None


def test_the_heartbeat_thread_beats_and_records_its_stop(transactional_db):
    thread = Heartbeat("node1:7", interval=0.05)
    thread.start()
    deadline = timezone.now() + dt.timedelta(seconds=5)
    while thread.beats < 2:  # the thread's own count: no reads racing its writes
        assert timezone.now() < deadline
        time.sleep(0.01)
    thread.stop()  # waits for the last beat, then records the stop
    assert not thread.is_alive()
    row = WorkerHeartbeat.objects.get(worker_id="node1:7")
    assert row.stopped_at is not None and row.stopped_at >= row.last_seen


def test_readyz_ready_with_a_fresh_heartbeat_and_a_young_queue(client, database_queue):
    beat("node1:1", 5)
    queued(30)
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def test_readyz_unavailable_without_any_worker(client, database_queue):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable",
                               "reason": "no task worker has reported a heartbeat"}


def test_readyz_unavailable_when_the_freshest_heartbeat_is_stale(client, database_queue):
    beat("node1:1", 400)
    beat("node2:1", 130)  # the freshest one counts
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": "task worker heartbeat stale: last seen 130 s ago (limit 120 s)"}


def test_readyz_unavailable_when_the_oldest_due_task_waited_too_long(client, database_queue):
    beat("node1:1", 1)
    queued(700, count=2)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": "oldest queued task waiting 700 s (limit 600 s; 2 due)"}


def test_a_deferred_retry_waits_from_when_it_is_due(client, database_queue):
    beat("node1:1", 1)
    deliver.using(run_after=NOW + dt.timedelta(minutes=5)).enqueue(1)
    DBTaskResult.objects.update(enqueued_at=NOW - dt.timedelta(hours=1))
    assert client.get("/readyz").status_code == 200


def test_the_checks_can_be_turned_off(client, database_queue, settings):
    settings.ONETHING_READY_WORKER_STALE_SECONDS = 0
    settings.ONETHING_READY_QUEUE_AGE_SECONDS = 0
    queued(7000)
    assert client.get("/readyz").json() == {"status": "ready"}


def test_without_the_database_queue_no_worker_is_needed(client, settings):
    # Tasks run at once (the test settings' immediate backend): nothing waits for a worker.
    assert client.get("/readyz").json() == {"status": "ready"}


def test_tasks_status_prints_queue_outbox_failures_and_workers(database_queue):
    beat("web1:10", 3)
    beat("web2:11", 500)
    record_stopped("web2:11")
    queued(42, count=3)
    counters.increment("delivery_attempt_failures", channel="sms", backend="x.Gateway")
    counters.increment("delivery_attempt_failures", channel="sms", backend="x.Gateway")
    code, out = status()
    assert code == 0
    assert out.splitlines() == [
        "任务队列 (task queue): 3 待执行 (due), 0 延后 (deferred), 0 执行中 (running), "
        "0 失败 (failed)",
        "最久等待 (oldest due task): 42 s",
        "消息投递 (deliveries): 0 待发送 (pending), 0 发送失败 (failed)",
        "失败的发送尝试 (failed delivery attempts):",
        "  sms x.Gateway: 2",
        "任务进程 (workers):",
        "  web1:10  运行中 (alive)  心跳 (heartbeat) 3 s 前 (ago)",
        "  web2:11  已停止 (stopped)  心跳 (heartbeat) 500 s 前 (ago)",
    ]


def test_tasks_status_exits_1_when_the_worker_is_stale_and_speaks_json(database_queue):
    beat("web1:10", 300)
    queued(900)
    code, out = status("--json")
    assert code == 1
    data = json.loads(out)
    assert data["problems"] == ["worker", "queue"]
    assert data["queue"] == {"due": 1, "deferred": 0, "running": 0, "failed": 0,
                             "oldest_due_age_seconds": 900.0}
    assert [(w["worker_id"], w["stopped"]) for w in data["workers"]] == [("web1:10", False)]
    assert data["workers"][0]["heartbeat_age_seconds"] == 300.0
