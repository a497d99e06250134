"""Run in processes of their own: the SMS backend the workers use, and the
commands that fill and inspect the shared database.

``ONETHING_SMS_BACKEND=tests.production.worker_support.FileSmsBackend`` is a
provider that deduplicates by message id, as providers must: each call appends
``call <message_id> <pid>`` to ``$ONETHING_TEST_SMS_FILE``, and ``sent
<message_id> <pid>`` only for a message id it has not sent before (checked and
written under an exclusive ``flock``, so several processes never send one id
twice or mix lines). ``ONETHING_TEST_SMS_DELAY`` slows every call (seconds);
``ONETHING_TEST_SMS_HANG`` hangs after sending, as a worker does that waits for
the provider's answer, for that worker to be killed.

``python -m tests.production.worker_support enqueue COUNT`` notifies one applicant
COUNT times (COUNT SMS deliveries, each with its task queued), then reports;
``python -m tests.production.worker_support report`` prints deliveries and task
results as JSON. Both use DATABASE_URL like any onething command.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time

from onething.notifications.backends import SmsBackend

MOBILE = "13900000077"


def _provider(message_id: str) -> None:
    """Record one call and, the first time this message id is seen, one SMS sent."""
    fd = os.open(os.environ["ONETHING_TEST_SMS_FILE"], os.O_RDWR | os.O_APPEND | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(os.dup(fd), "r") as seen:
            already = any(line.split()[:2] == ["sent", message_id] for line in seen)
        os.write(fd, f"call {message_id} {os.getpid()}\n".encode())
        if not already:
            os.write(fd, f"sent {message_id} {os.getpid()}\n".encode())
    finally:
        os.close(fd)  # also releases the lock


class FileSmsBackend(SmsBackend):
    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        time.sleep(float(os.environ.get("ONETHING_TEST_SMS_DELAY", "0")))
        _provider(message_id)
        if os.environ.get("ONETHING_TEST_SMS_HANG"):
            time.sleep(3600)


def enqueue(count: int) -> None:
    from onething.accounts.models import User
    from onething.accounts.services import register_person
    from onething.domain.validators import id_check_character
    from onething.notifications.services import queue_delivery

    user = User.objects.filter(mobile=MOBILE).first() or register_person(
        real_name="并发测试", mobile=MOBILE,
        id_number="37140219900101125" + id_check_character("37140219900101125"))
    for i in range(count):
        # Autocommit: each delivery commits and its task is queued at once.
        # Straight to the outbox: which steps are texted is the milestone policy's business
        # (tests/notifications); these tests are about sending what was queued.
        queue_delivery(user, f"第 {i} 条", f"burst:{i}")


def report() -> dict:
    from django_tasks_db.models import DBTaskResult

    from onething.notifications.models import Delivery

    return {
        "deliveries": {d.dedupe_key: {"status": d.status, "attempts": d.attempts}
                       for d in Delivery.objects.order_by("pk")},
        "leases": {d.dedupe_key: d.lease_expires_at and d.lease_expires_at.isoformat()
                   for d in Delivery.objects.order_by("pk")},
        "tasks": [{"status": t.status, "return_value": t.return_value,
                   "args": t.args_kwargs["args"], "worker_ids": t.worker_ids,
                   "exception": t.exception_class_path}
                  for t in DBTaskResult.objects.order_by("enqueued_at")],
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()
    if argv[0] == "enqueue":
        enqueue(int(argv[1]))
    elif argv[0] != "report":
        raise SystemExit(f"unknown command {argv[0]!r}")
    json.dump(report(), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
