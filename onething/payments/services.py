"""Paying a contribution due: never recorded twice, safe to retry."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.accounts.models import User
from onething.core.errors import SubmissionError
from onething.payments.backends import payment_backend
from onething.payments.models import Payment, PaymentStatus
from onething.registers.models import ContributionDue

OPEN = (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)


@dataclass(frozen=True)
class PaymentMethod:
    """How the configured backend takes the money, for the payment screens."""

    name: str
    method: str
    sandbox: bool


def payment_method() -> PaymentMethod:
    backend = payment_backend()
    return PaymentMethod(name=backend.name, method=backend.method, sandbox=backend.sandbox)


def paid_payment(due: ContributionDue) -> Payment | None:
    return Payment.objects.filter(id_number=due.id_number, item=due.item, year=due.year,
                                  status=PaymentStatus.SUCCEEDED).first()


def pay_due(due: ContributionDue, *, payer: User, idempotency_key: str,
            channel: str = "kiosk") -> Payment:
    """Pay ``due`` for its insured person.

    The same ``idempotency_key`` returns the same payment; a due already paid
    returns that payment instead of charging again; a payment left pending by
    a crash is completed with its original reference, which the backend
    deduplicates on.
    """
    key = (idempotency_key or "").strip()[:100]
    if not key:
        raise SubmissionError({"idempotency_key": "缺少请求编号 (idempotency key required)"},
                              "idempotency_key_required")
    if payer.id_number != due.id_number:
        raise SubmissionError({"due": "只能为本人缴费 (only your own dues)"}, "not_your_due")
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.status != PaymentStatus.PENDING:
        return existing
    payment = existing or Payment.objects.filter(
        id_number=due.id_number, item=due.item, year=due.year, status__in=OPEN).first()
    if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
        return payment
    backend = payment_backend()
    if payment is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    payer=payer, id_number=due.id_number, item=due.item, year=due.year,
                    amount_fen=due.amount_fen, idempotency_key=key, channel=channel,
                    backend=backend.name)
        except IntegrityError:
            # A concurrent request for the same key or due got there first.
            payment = (Payment.objects.filter(idempotency_key=key).first()
                       or Payment.objects.get(id_number=due.id_number, item=due.item,
                                              year=due.year, status__in=OPEN))
            if payment.status != PaymentStatus.PENDING:
                return payment
    result = backend.charge(amount_fen=payment.amount_fen, reference=payment.reference,
                            description=f"{due.get_item_display()} {due.year}年度")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == PaymentStatus.PENDING:
            locked.status = PaymentStatus.SUCCEEDED if result.succeeded else PaymentStatus.FAILED
            locked.transaction_id = result.transaction_id[:100]
            locked.message = result.message[:300]
            locked.paid_at = timezone.now() if result.succeeded else None
            locked.save(update_fields=["status", "transaction_id", "message", "paid_at"])
    return locked
