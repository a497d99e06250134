"""`onething housekeeping`: what is deleted, what is kept, and that the audit trail is never
touched. Timestamps are set in the past relative to one fixed `now`."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onething.accounts.models import LoginCode, RateLimitHit
from onething.audit.models import AuditEntry
from onething.audit.services import record_audit
from onething.notifications.models import Delivery, DeliveryStatus
from onething.ops.housekeeping import run_housekeeping

DAY = dt.timedelta(days=1)
NOW = timezone.now().replace(microsecond=0)


def session(key: str, expires: dt.datetime) -> None:
    Session.objects.create(session_key=key, session_data="e30=", expire_date=expires)


def task(status: str, *, finished: dt.datetime | None = None,
         started: dt.datetime | None = None) -> None:
    DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [1], "kwargs": {}},
        task_path="onething.notifications.tasks.deliver", backend_name="default",
        queue_name="default", run_after=NOW - 40 * DAY, started_at=started,
        finished_at=finished)


def delivery(key: str, status: str, age: dt.timedelta) -> Delivery:
    row = Delivery.objects.create(channel="sms", recipient="13800000001", body="办件通知",
                                  dedupe_key=key, status=status)
    Delivery.objects.filter(pk=row.pk).update(created_at=NOW - age)
    return row


def axes_record(model, age: dt.timedelta, **extra) -> None:
    row = model.objects.create(username="demo-clerk", ip_address="10.0.0.5",
                               user_agent="test", http_accept="*/*", path_info="/", **extra)
    model.objects.filter(pk=row.pk).update(attempt_time=NOW - age)


@pytest.fixture
def history(db):
    assert Session.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert Delivery.objects.count() == 0
    # Sessions: three expired (one by a second), two valid.
    session("expired-1", NOW - dt.timedelta(seconds=1))
    session("expired-2", NOW - DAY)
    session("expired-3", NOW - 30 * DAY)
    session("valid-1", NOW + dt.timedelta(hours=1))
    session("valid-2", NOW + 14 * DAY)
    # Task results: finished 15 and 20 days ago go; younger, waiting and running stay.
    task(TaskResultStatus.SUCCESSFUL, started=NOW - 15 * DAY, finished=NOW - 15 * DAY)
    task(TaskResultStatus.FAILED, started=NOW - 20 * DAY, finished=NOW - 20 * DAY)
    task(TaskResultStatus.SUCCESSFUL, started=NOW - 13 * DAY, finished=NOW - 13 * DAY)
    task(TaskResultStatus.READY)
    task(TaskResultStatus.RUNNING, started=NOW - 30 * DAY)
    # Deliveries (recipient and text are personal data): past 90 days go unless pending.
    delivery("sent-old", DeliveryStatus.SENT, 91 * DAY)
    delivery("failed-old", DeliveryStatus.FAILED, 100 * DAY)
    delivery("pending-old", DeliveryStatus.PENDING, 200 * DAY)
    delivery("sent-recent", DeliveryStatus.SENT, 89 * DAY)
    # SMS sign-in codes: by expiry.
    LoginCode.objects.create(subject="a", mobile="13800000001", code_hash="x",
                             created_at=NOW - 91 * DAY, expires_at=NOW - 91 * DAY)
    LoginCode.objects.create(subject="b", mobile="13800000002", code_hash="x",
                             created_at=NOW - DAY, expires_at=NOW - DAY)
    # Rate-limit hits: only the last day counts.
    RateLimitHit.objects.create(scope="code-client", key="k", at=NOW - 2 * DAY)
    RateLimitHit.objects.create(scope="code-client", key="k", at=NOW - 23 * dt.timedelta(hours=1))
    # Staff sign-in records (django-axes).
    axes_record(AccessLog, 91 * DAY)
    axes_record(AccessFailureLog, 95 * DAY, locked_out=False)
    axes_record(AccessAttempt, 100 * DAY, get_data="", post_data="", failures_since_start=1)
    axes_record(AccessLog, 10 * DAY)
    record_audit("housekeeping.test", actor=None, actor_label="test")
    record_audit("housekeeping.test", actor=None, actor_label="test")


EXPECTED = {"sessions": 3, "task_results": 2, "deliveries": 2, "login_codes": 1,
            "rate_limit_hits": 1, "staff_sign_in_records": 3, "drafts": 0,
            "case_uploads": 0}


def remaining() -> dict[str, int]:
    return {"sessions": Session.objects.count(), "task_results": DBTaskResult.objects.count(),
            "deliveries": Delivery.objects.count(), "login_codes": LoginCode.objects.count(),
            "rate_limit_hits": RateLimitHit.objects.count(),
            "staff_sign_in_records": (AccessLog.objects.count() + AccessFailureLog.objects.count()
                                      + AccessAttempt.objects.count()),
            "audit": AuditEntry.objects.count()}


def test_housekeeping_deletes_exactly_what_is_past_its_time(history):
    report = run_housekeeping(now=NOW)
    assert report.deleted == EXPECTED
    assert (report.audit_entries, report.audit_past_retention) == (2, 0)
    # The two entries were written pending; housekeeping sealed them (the worker's backstop).
    assert report.audit_sealed == 2
    assert list(AuditEntry.objects.order_by("id").values_list("sequence", flat=True)) == [1, 2]
    assert "已将 2 条待封链的审计日志封入哈希链 (sealed 2 pending audit entries into the chain)" \
        in report.lines()
    assert remaining() == {"sessions": 2, "task_results": 3, "deliveries": 2, "login_codes": 1,
                           "rate_limit_hits": 1, "staff_sign_in_records": 1, "audit": 2}
    assert sorted(Session.objects.values_list("session_key", flat=True)) == ["valid-1",
                                                                             "valid-2"]
    assert sorted(Delivery.objects.values_list("dedupe_key", flat=True)) == [
        "pending-old", "sent-recent"]
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == [
        "READY", "RUNNING", "SUCCESSFUL"]
    # A second run finds nothing more.
    again = run_housekeeping(now=NOW)
    assert set(again.deleted.values()) == {0} and again.audit_sealed == 0


def test_dry_run_counts_and_deletes_nothing(history):
    before = remaining()
    assert run_housekeeping(now=NOW, dry_run=True).deleted == EXPECTED
    assert remaining() == before


def test_retention_follows_the_settings(history, settings):
    settings.ONETHING_LOG_RETENTION_DAYS = 30
    settings.ONETHING_TASK_RESULT_RETENTION_DAYS = 1
    report = run_housekeeping(now=NOW)
    assert report.deleted == {**EXPECTED, "task_results": 3, "deliveries": 3,
                              "staff_sign_in_records": 3}
    assert list(Delivery.objects.values_list("dedupe_key", flat=True)) == ["pending-old"]


def test_the_audit_trail_is_never_deleted_only_reported(history):
    # A year on, everything else is past its time; the audit entries are still there.
    report = run_housekeeping(now=NOW + 365 * DAY)
    assert (report.audit_entries, report.audit_past_retention) == (2, 2)
    assert AuditEntry.objects.count() == 2
    assert Delivery.objects.count() == 1  # the pending one


def test_command_prints_what_it_did(history, settings):
    out = io.StringIO()
    call_command("housekeeping", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    # The real clock: the delivery 89 days old and the rest as above.
    assert lines == [
        "将删除 3 条过期会话 (would delete 3 expired session(s))",
        "将删除 2 条已完成的后台任务记录 (would delete 2 finished task result(s))",
        "将删除 2 条已发送或失败的短信/邮件投递记录 (would delete 2 sent or failed delivery "
        "record(s))",
        "将删除 1 条短信验证码记录 (would delete 1 SMS sign-in code record(s))",
        "将删除 1 条登录频率记录 (would delete 1 rate-limit record(s))",
        "将删除 3 条工作人员登录记录 (would delete 3 staff sign-in record(s))",
        "将删除 0 条过期的申请草稿 (would delete 0 expired application draft(s))",
        "将删除 0 条过期的待提交补正/补齐文件 (would delete 0 expired pending correction file "
        "list(s))",
        "审计日志共 2 条，仅追加、不清理；其中 0 条已超过 180 天保存期，可归档 (audit trail: 2 "
        "entries, append-only, never deleted; 0 past the 180-day retention may be archived)",
    ]
    call_command("housekeeping", stdout=io.StringIO())
    assert remaining()["deliveries"] == 2


@pytest.mark.parametrize(("name", "value", "message"), [
    ("ONETHING_AUDIT_RETENTION_DAYS", "179", "ONETHING_AUDIT_RETENTION_DAYS must be at least 180"),
    ("ONETHING_LOG_RETENTION_DAYS", "0", "ONETHING_LOG_RETENTION_DAYS must be at least 1"),
])
def test_retention_below_the_minimum_refuses_to_start(tmp_path, name, value, message):
    import os

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONETHING_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"ONETHING_DATA_DIR": str(tmp_path), name: value})
    result = subprocess.run([sys.executable, "-m", "onething", "check"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert message in result.stderr
