"""``onething tasks status|worker``: the background task queue.

``onething tasks status [--json]`` prints the queue (due, deferred, running and
failed tasks, the age of the oldest due task), the delivery outbox (pending, failed,
failed attempts per backend) and every known task worker with the age of its last
heartbeat. It exits 1 when ``/readyz`` would call the worker or queue unhealthy.

``onething tasks worker`` runs ``onething worker`` (django-tasks-db's worker loop,
surviving database outages) with a heartbeat (onething/core/heartbeat.py); ``onething
serve`` starts ``onething worker`` itself. The worker id is ``host:pid``, the same in the
heartbeat row and in the task rows it claims.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onething.core import counters
from onething.core.heartbeat import default_worker_id
from onething.ops.operations import snapshot
from onething.ops.views import uses_task_worker


def _seconds(value: float) -> str:
    return f"{int(value)} s"


class Command(BaseCommand):
    help = "后台任务队列 (the background task queue: status, or run a worker)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="queue depth, oldest task, failures, workers")
        status.add_argument("--json", action="store_true", help="machine-readable output")
        worker = sub.add_parser("worker", help="run a task worker that records heartbeats")
        worker.add_argument("--queue-name", default="default")
        worker.add_argument("--interval", type=float, default=1.0,
                            help="seconds between looks at an empty queue (default 1)")
        worker.add_argument("--batch", action="store_true",
                            help="run what is queued, then exit")
        worker.add_argument("--worker-id", default="",
                            help="unique id of this worker (default host:pid)")

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "worker":
            self._worker(options)
        else:
            self._status(bool(options["json"]))

    def _worker(self, options: dict) -> None:
        worker_id = str(options["worker_id"] or default_worker_id())[:64]
        if not uses_task_worker():
            raise CommandError("TASKS 未使用数据库队列 (the task backend is not the database "
                               "queue: nothing to work on)")
        # `onething worker`: the outage-surviving loop, which records the heartbeat.
        call_command("worker", queue_name=options["queue_name"],
                     interval=options["interval"], batch=options["batch"],
                     reload=False, worker_id=worker_id,
                     verbosity=options.get("verbosity", 1))

    def _status(self, as_json: bool) -> None:
        state = snapshot()
        failures = counters.values("delivery_attempt_failures")
        stale_limit = settings.ONETHING_READY_WORKER_STALE_SECONDS
        problems = []
        if uses_task_worker():
            age = state.heartbeat_age
            if stale_limit and (age is None or age > stale_limit):
                problems.append("worker")
            limit = settings.ONETHING_READY_QUEUE_AGE_SECONDS
            if limit and state.queue.oldest_due_age > limit:
                problems.append("queue")
        if as_json:
            self.stdout.write(json.dumps({
                "queue": {"due": state.queue.due, "deferred": state.queue.deferred,
                          "running": state.queue.running, "failed": state.queue.failed,
                          "oldest_due_age_seconds": round(state.queue.oldest_due_age, 1)},
                "outbox": {"pending": state.outbox.pending, "failed": state.outbox.failed,
                           "oldest_pending_age_seconds":
                               round(state.outbox.oldest_pending_age, 1)},
                "delivery_attempt_failures": [{**labels, "count": count}
                                              for labels, count in failures],
                "workers": [{"worker_id": w.worker_id, "hostname": w.hostname, "pid": w.pid,
                             "heartbeat_age_seconds": round(w.age_seconds, 1),
                             "stopped": w.stopped} for w in state.workers],
                "problems": problems,
            }, ensure_ascii=False))
        else:
            self._print(state, failures, stale_limit)
        if problems:
            raise SystemExit(1)

    def _print(self, state, failures, stale_limit: int) -> None:
        q, o = state.queue, state.outbox
        write = self.stdout.write
        write(f"任务队列 (task queue): {q.due} 待执行 (due), {q.deferred} 延后 (deferred), "
              f"{q.running} 执行中 (running), {q.failed} 失败 (failed)")
        write(f"最久等待 (oldest due task): {_seconds(q.oldest_due_age) if q.due else '-'}")
        write(f"消息投递 (deliveries): {o.pending} 待发送 (pending"
              f"{', oldest ' + _seconds(o.oldest_pending_age) if o.pending else ''}), "
              f"{o.failed} 发送失败 (failed)")
        if failures:
            write("失败的发送尝试 (failed delivery attempts):")
            for labels, count in failures:
                write(f"  {labels.get('channel', '')} {labels.get('backend', '')}: {count}")
        else:
            write("失败的发送尝试 (failed delivery attempts): 0")
        if not state.workers:
            write("任务进程 (workers): 无心跳 (none has reported a heartbeat)")
            return
        write("任务进程 (workers):")
        for w in state.workers:
            if w.stopped:
                condition = "已停止 (stopped)"
            elif stale_limit and w.age_seconds > stale_limit:
                condition = "无响应 (stale)"
            else:
                condition = "运行中 (alive)"
            write(f"  {w.worker_id}  {condition}  心跳 (heartbeat) {_seconds(w.age_seconds)} "
                  f"前 (ago)")
