"""Run in processes of their own: the SMS backend the workers use, and the
commands that fill and inspect the shared database.

``ONETHING_SMS_BACKEND=tests.production.worker_support.FileSmsBackend`` appends
one line ``sent <message_id> <pid>`` per message to ``$ONETHING_TEST_SMS_FILE``
(one ``write`` on an ``O_APPEND`` file: lines from several processes never mix).
``ONETHING_TEST_SMS_DELAY`` slows every send (seconds); ``ONETHING_TEST_SMS_HANG``
writes ``begin <message_id> <pid>`` and then hangs, for a worker to be killed.

``python -m tests.production.worker_support enqueue COUNT`` notifies one applicant
COUNT times (COUNT SMS deliveries, each with its task queued), then reports;
``python -m tests.production.worker_support report`` prints deliveries and task
results as JSON. Both use DATABASE_URL like any onething command.
"""

from __future__ import annotations

import json
import os
import sys
import time

from onething.notifications.backends import SmsBackend

MOBILE = "13900000077"


def _append(line: str) -> None:
    fd = os.open(os.environ["ONETHING_TEST_SMS_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


class FileSmsBackend(SmsBackend):
    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        if os.environ.get("ONETHING_TEST_SMS_HANG"):
            _append(f"begin {message_id} {os.getpid()}")
            time.sleep(3600)
        time.sleep(float(os.environ.get("ONETHING_TEST_SMS_DELAY", "0")))
        _append(f"sent {message_id} {os.getpid()}")


def enqueue(count: int) -> None:
    from onething.accounts.models import User
    from onething.accounts.services import register_person
    from onething.domain.validators import id_check_character
    from onething.notifications.services import notify

    user = User.objects.filter(mobile=MOBILE).first() or register_person(
        real_name="并发测试", mobile=MOBILE,
        id_number="37140219900101125" + id_check_character("37140219900101125"))
    for i in range(count):
        # Autocommit: each delivery commits and its task is queued at once.
        notify(user=user, message=f"第 {i} 条", dedupe_key=f"burst:{i}")


def report() -> dict:
    from django_tasks_db.models import DBTaskResult

    from onething.notifications.models import Delivery

    return {
        "deliveries": {d.dedupe_key: {"status": d.status, "attempts": d.attempts}
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
