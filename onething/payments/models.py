"""Payments of contributions (社保/医保缴费), amounts in integer fen (分)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from onething.domain.registers import DUE_ITEMS
from onething.domain.validators import mask_id_number
from onething.payments.money import amount, yuan  # noqa: F401  (imported from here too)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "处理中"
    SUCCEEDED = "succeeded", "已缴费"
    FAILED = "failed", "缴费失败"


def _reference() -> str:
    return uuid.uuid4().hex


class Payment(models.Model):
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="缴费人",
                              related_name="payments")
    id_number = models.CharField("参保人身份证号码", max_length=18)
    item = models.CharField("缴费项目", max_length=30, choices=list(DUE_ITEMS.items()))
    year = models.PositiveSmallIntegerField("缴费年度")
    amount_fen = models.PositiveBigIntegerField("金额（分）")
    # What the client sent: a retried request finds its payment by this.
    idempotency_key = models.CharField("请求幂等键", max_length=100, unique=True)
    # What the payment backend deduplicates on: one per payment, reused on re-drive.
    reference = models.CharField("支付流水号", max_length=64, unique=True, default=_reference)
    status = models.CharField("状态", max_length=20, choices=PaymentStatus.choices,
                              default=PaymentStatus.PENDING)
    backend = models.CharField("支付渠道", max_length=200)
    transaction_id = models.CharField("渠道交易号", max_length=100, blank=True)
    message = models.CharField("渠道说明", max_length=300, blank=True)
    channel = models.CharField("渠道", max_length=20, default="kiosk")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    paid_at = models.DateTimeField("缴费时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "缴费记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One due is paid once: at most one payment in flight or done per due.
            models.UniqueConstraint(
                fields=["id_number", "item", "year"],
                condition=Q(status__in=["pending", "succeeded"]),
                name="one_open_payment_per_due"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return (f"{mask_id_number(self.id_number)} {self.get_item_display()} {self.year} "
                f"{yuan(self.amount_fen)}")

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

    @property
    def succeeded(self) -> bool:
        return self.status == PaymentStatus.SUCCEEDED
