"""Stand-ins for a deployment's own plug-ins: production settings name these in tests so
that `check --deploy` sees something other than the development defaults."""

from __future__ import annotations

from onething.notifications.backends import SmsBackend
from onething.payments.backends import ChargeResult, PaymentBackend


class GatewaySmsBackend(SmsBackend):
    def send(self, mobile: str, text: str, *, message_id: str) -> None:
        raise NotImplementedError("a real gateway would send here")


class AcquirerPaymentBackend(PaymentBackend):
    name = "acquirer"

    def charge(self, *, amount_fen: int, reference: str, description: str) -> ChargeResult:
        raise NotImplementedError("a real acquirer would charge here")
