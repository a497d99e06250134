"""Payment backends (支付渠道). Set ONETHING_PAYMENT_BACKEND to a dotted path
of a :class:`PaymentBackend` subclass; the sandbox ships as the default.

A backend charges a whole number of fen and must deduplicate on
``reference``: calling ``charge`` again with the same reference (after a
crash or a time-out) returns the first result and never charges twice.
"""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    transaction_id: str = ""
    message: str = ""


class PaymentBackend(ABC):
    """``name`` is recorded on each payment; ``method`` is what the payer is shown as the
    way of paying (translated when the catalogues know it); ``sandbox`` marks a backend
    that moves no money, which every payment screen then says in a visible label."""

    name = "payment"
    method = "电子支付"
    sandbox = False

    @abstractmethod
    def charge(self, *, amount_fen: int, reference: str, description: str) -> ChargeResult: ...


class SandboxPaymentBackend(PaymentBackend):
    """Records charges in memory and moves no money (演示/测试环境).

    Deduplicates on ``reference`` like a real acquirer; ``charges`` counts
    how many distinct charges were made so tests can prove nothing doubled.
    """

    name = "sandbox"
    method = "沙箱支付（模拟，不扣款）"
    sandbox = True
    charges: dict[str, ChargeResult] = {}
    _lock = threading.Lock()

    def charge(self, *, amount_fen: int, reference: str, description: str) -> ChargeResult:
        if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
            return ChargeResult(False, message="金额必须是正整数（分） (amount in fen)")
        with self._lock:
            if reference not in self.charges:
                digest = hashlib.sha256(reference.encode()).hexdigest()[:20].upper()
                self.charges[reference] = ChargeResult(True, f"SBX{digest}", "沙箱支付成功")
            return self.charges[reference]


def payment_backend() -> PaymentBackend:
    return import_string(settings.ONETHING_PAYMENT_BACKEND)()
