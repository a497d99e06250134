"""Housekeeping (日常清理): delete what has served its purpose, keep what the law asks for.

``run_housekeeping`` deletes, each in its own transaction:

- expired sessions (what Django's ``clearsessions`` does, counted);
- finished background-task results (django-tasks-db rows SUCCESSFUL or FAILED) older
  than ``ONETHING_TASK_RESULT_RETENTION_DAYS``; waiting and running tasks stay;
- records that hold personal data only to show what happened, older than
  ``ONETHING_LOG_RETENTION_DAYS``: SMS / e-mail deliveries that were sent or finally
  failed (recipient and text), SMS sign-in codes (the mobile number), rate-limit hits
  and django-axes' staff sign-in records (username and address). Pending deliveries
  are never deleted, however old;
- application drafts (申请草稿) past their expiry (``ONETHING_DRAFT_RETENTION_DAYS`` after
  their last change; onething/applications/drafts.py), and the files kept for a case's
  补正 / 容缺补齐 form and not sent, past the same expiry.

It also marks appointments not checked in by 15 minutes after their slot as no-shows
(爽约, ``hall.appointment_services.mark_no_shows``; also the task ``onething hall
no-shows`` queues): a daily backstop, since booking counts lapsed bookings anyway.

The audit trail (审计日志) is append-only and is **not** cleaned up: housekeeping seals
entries still pending (``audit.services.seal_pending``, a backstop for the worker's
task) and the report counts its
entries older than ``ONETHING_AUDIT_RETENTION_DAYS`` (at least 180 days) so that an
operator knows when an archive is due. Applications, cases, certificates and in-app
notifications are records of the service itself and are not housekeeping's business.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone


@dataclass
class HousekeepingReport:
    deleted: dict[str, int] = field(default_factory=dict)
    audit_entries: int = 0
    audit_sealed: int = 0
    audit_past_retention: int = 0
    no_shows: int = 0

    def lines(self, *, dry_run: bool = False) -> list[str]:
        verb = ("将删除", "would delete") if dry_run else ("已删除", "deleted")
        out = [f"{verb[0]} {count} 条{LABELS[name][0]} ({verb[1]} {count} {LABELS[name][1]})"
               for name, count in self.deleted.items()]
        if self.no_shows:
            out.append(f"已将 {self.no_shows} 个未签到的预约记为爽约 "
                       f"(marked {self.no_shows} appointment(s) not checked in as no-show)")
        if self.audit_sealed:
            out.append(f"已将 {self.audit_sealed} 条待封链的审计日志封入哈希链 "
                       f"(sealed {self.audit_sealed} pending audit entries into the chain)")
        out.append(f"审计日志共 {self.audit_entries} 条，仅追加、不清理；其中 "
                   f"{self.audit_past_retention} 条已超过 {settings.ONETHING_AUDIT_RETENTION_DAYS}"
                   f" 天保存期，可归档 (audit trail: {self.audit_entries} entries, append-only, "
                   f"never deleted; {self.audit_past_retention} past the "
                   f"{settings.ONETHING_AUDIT_RETENTION_DAYS}-day retention may be archived)")
        return out


LABELS = {
    "sessions": ("过期会话", "expired session(s)"),
    "task_results": ("已完成的后台任务记录", "finished task result(s)"),
    "deliveries": ("已发送或失败的短信/邮件投递记录", "sent or failed delivery record(s)"),
    "login_codes": ("短信验证码记录", "SMS sign-in code record(s)"),
    "rate_limit_hits": ("登录频率记录", "rate-limit record(s)"),
    "staff_sign_in_records": ("工作人员登录记录", "staff sign-in record(s)"),
    "drafts": ("过期的申请草稿", "expired application draft(s)"),
    "case_uploads": ("过期的待提交补正/补齐文件", "expired pending correction file list(s)"),
}


def run_housekeeping(*, now: dt.datetime | None = None, dry_run: bool = False
                     ) -> HousekeepingReport:
    from django.contrib.sessions.models import Session
    from django_tasks_db.models import DBTaskResult

    from onething.accounts.models import LoginCode, RateLimitHit
    from onething.applications.drafts import expired_case_uploads, expired_drafts
    from onething.audit.models import AuditEntry
    from onething.notifications.models import Delivery, DeliveryStatus

    now = now or timezone.now()
    tasks_before = now - dt.timedelta(days=settings.ONETHING_TASK_RESULT_RETENTION_DAYS)
    logs_before = now - dt.timedelta(days=settings.ONETHING_LOG_RETENTION_DAYS)
    audit_before = now - dt.timedelta(days=settings.ONETHING_AUDIT_RETENTION_DAYS)

    querysets = {
        "sessions": Session.objects.filter(expire_date__lt=now),
        "task_results": DBTaskResult.objects.finished().filter(finished_at__lt=tasks_before),
        "deliveries": Delivery.objects.filter(
            status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED], created_at__lt=logs_before),
        "login_codes": LoginCode.objects.filter(expires_at__lt=logs_before),
        # Only the last day counts towards a limit (accounts/ratelimit.py).
        "rate_limit_hits": RateLimitHit.objects.filter(at__lt=now - dt.timedelta(days=1)),
    }
    report = HousekeepingReport()
    for name, queryset in querysets.items():
        report.deleted[name] = _delete(queryset, dry_run)
    report.deleted["staff_sign_in_records"] = _delete_axes_records(logs_before, dry_run)
    if not dry_run:
        from onething.hall.appointment_services import mark_no_shows

        report.no_shows = len(mark_no_shows(now=now))
    report.deleted["drafts"] = _delete(expired_drafts(now), dry_run)
    report.deleted["case_uploads"] = _delete(expired_case_uploads(now), dry_run)
    if not dry_run:
        from onething.audit.services import seal_pending

        report.audit_sealed = seal_pending()
    report.audit_entries = AuditEntry.objects.count()
    report.audit_past_retention = AuditEntry.objects.filter(recorded_at__lt=audit_before).count()
    return report


def _delete(queryset, dry_run: bool) -> int:
    if dry_run:
        return queryset.count()
    with transaction.atomic():
        _, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)


def _delete_axes_records(before: dt.datetime, dry_run: bool) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return sum(_delete(model.objects.filter(attempt_time__lt=before), dry_run)
               for model in (AccessAttempt, AccessFailureLog, AccessLog))
