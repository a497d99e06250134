"""Payments: integer fen, one payment per due, safe under retries and races."""

import threading

import pytest
from django.db import connection

from onething.payments.backends import ChargeResult, PaymentBackend, SandboxPaymentBackend
from onething.payments.models import Payment, PaymentStatus, yuan
from onething.payments.services import pay_due
from onething.registers.demo import load_demo_registers
from onething.registers.models import ContributionDue


class FailingBackend(PaymentBackend):
    name = "failing"

    def charge(self, *, amount_fen, reference, description):
        return ChargeResult(False, message="银行卡余额不足")


@pytest.fixture
def due(demo):
    SandboxPaymentBackend.charges.clear()
    load_demo_registers()
    return ContributionDue.objects.get(id_number=demo.applicant.id_number)


def test_yuan_is_exact():
    assert yuan(40000) == "400.00 元" and yuan(1) == "0.01 元" and yuan(123456789) == \
        "1,234,567.89 元"


@pytest.mark.django_db
def test_same_key_returns_the_same_payment(demo, due):
    first = pay_due(due, payer=demo.applicant, idempotency_key="k")
    again = pay_due(due, payer=demo.applicant, idempotency_key="k")
    assert first.pk == again.pk and first.status == PaymentStatus.SUCCEEDED
    assert first.amount_fen == due.amount_fen == 40000
    other_key = pay_due(due, payer=demo.applicant, idempotency_key="k2")
    assert other_key.pk == first.pk  # already paid: not charged again
    assert len(SandboxPaymentBackend.charges) == 1


@pytest.mark.django_db
def test_a_failed_payment_can_be_tried_again(demo, due, settings):
    settings.ONETHING_PAYMENT_BACKEND = f"{__name__}.FailingBackend"
    failed = pay_due(due, payer=demo.applicant, idempotency_key="a")
    assert failed.status == PaymentStatus.FAILED and "余额不足" in failed.message
    settings.ONETHING_PAYMENT_BACKEND = "onething.payments.backends.SandboxPaymentBackend"
    ok = pay_due(due, payer=demo.applicant, idempotency_key="b")
    assert ok.status == PaymentStatus.SUCCEEDED and ok.pk != failed.pk


@pytest.mark.django_db
def test_a_payment_left_pending_by_a_crash_is_completed_with_its_reference(demo, due):
    pending = Payment.objects.create(payer=demo.applicant, id_number=due.id_number, item=due.item,
                                     year=due.year, amount_fen=due.amount_fen,
                                     idempotency_key="crashed", backend="sandbox")
    done = pay_due(due, payer=demo.applicant, idempotency_key="after-restart")
    assert done.pk == pending.pk and done.status == PaymentStatus.SUCCEEDED
    assert list(SandboxPaymentBackend.charges) == [pending.reference]


@pytest.mark.django_db
def test_only_your_own_due(demo, due):
    from onething.applications.services import SubmissionError

    with pytest.raises(SubmissionError):
        pay_due(due, payer=demo.applicant2, idempotency_key="x")
    with pytest.raises(SubmissionError):
        pay_due(due, payer=demo.applicant, idempotency_key="  ")


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_record_one_payment(demo, due):
    # SQLite serialises writers (a loser may see "database is locked");
    # PostgreSQL runs them truly in parallel against the partial unique index.
    errors = []

    def attempt(key):
        try:
            pay_due(ContributionDue.objects.get(pk=due.pk), payer=demo.applicant,
                    idempotency_key=key)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(f"t{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1
    assert Payment.objects.count() == 1
    assert len(SandboxPaymentBackend.charges) == 1
    assert not [e for e in errors if "locked" not in str(e)], errors
