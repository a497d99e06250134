"""Real-name sources (实名数据源) as plug-ins: what raises an account to L2.

Set ONETHING_IDENTITY_VERIFIER to the dotted path of an :class:`IdentityVerifier`.
Production plugs the provincial 统一身份认证 / 公安 identity service (or the national
网络身份认证 service, which answers verified / not verified and may return a stable
pseudonymous 网号 as ``Verdict.reference``); the default,
``onething.registers.verifier.RegisterIdentityVerifier``, matches against the resident
and enterprise registers the police and the market regulator load as CSV.

A verifier answers about a claim; it never changes an account. The services in
``onething.accounts.identity`` decide what the answer means for the account.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

from onething.domain.identity import Verdict

__all__ = ["IdentityVerifier", "Verdict", "identity_verifier"]


class IdentityVerifier(ABC):
    #: Shown in the account's history as the source of a match.
    label = "实名数据源"

    @abstractmethod
    def verify_person(self, *, name: str, id_number: str, mobile: str = "") -> Verdict:
        """Does a person with this name hold this resident ID number?

        ``mobile`` is passed so that a source doing 三要素 checks (name, ID number and
        the real-name mobile registration) can bind the phone too.
        """

    @abstractmethod
    def verify_company(self, *, uscc: str, company_name: str, representative_name: str,
                       representative_id_number: str) -> Verdict:
        """Is this an existing company, and is this person its legal representative?"""


def identity_verifier() -> IdentityVerifier:
    return import_string(settings.ONETHING_IDENTITY_VERIFIER)()
