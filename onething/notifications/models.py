"""In-app notifications and their outbound deliveries (SMS, e-mail).

A Delivery is written in the same transaction as the change it reports
(an outbox row) and sent by a background task. Its ``dedupe_key`` is unique,
so the same message is never queued twice. The task claims the row with a
lease (status ``sending`` until ``lease_expires_at``, committed before the
provider is called), so no other task sends it meanwhile; a worker that dies
while sending leaves the lease to expire and ``onething deliveries retry``
queues the delivery again. The provider gets the ``dedupe_key`` as message id
and must drop a message id it has seen (docs/operations.md, "Surviving faults").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                             related_name="notifications", verbose_name="接收人")
    application = models.ForeignKey("applications.Application", models.CASCADE, null=True,
                                    blank=True, related_name="+", verbose_name="申请")
    message = models.CharField("内容", max_length=500)
    # The message as template keys and parameters, rendered in the reader's language
    # (messages.py); [] for rows sent before, shown as their ``message``.
    parts = models.JSONField("内容模板", default=list, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message[:40]

    @property
    def text(self) -> str:
        """The message in the active language."""
        if self.parts:
            from onething.notifications.messages import render

            rendered = render(self.parts)
            if rendered:
                return rendered[:500]
        return self.message


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class Delivery(models.Model):
    channel = models.CharField("渠道", max_length=10, choices=[("sms", "短信"), ("email", "邮件")])
    recipient = models.CharField("接收地址", max_length=200)
    body = models.TextField("内容")
    dedupe_key = models.CharField(max_length=120, unique=True)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    # While status is "sending": the moment (database clock) after which the claim lapses.
    lease_expires_at = models.DateTimeField("租约到期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "消息投递"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.dedupe_key} {self.status}"
