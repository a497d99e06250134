"""What the applications app does when apps below it report a change (their signals).

Connected in ``ApplicationsConfig.ready``. The senders cannot call this app: it imports
them, and the apps form no import cycle (docs/architecture.md, "Guards").
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from onething.accounts.signals import assurance_raised
from onething.applications.models import Case, Event
from onething.certificates.signals import certificate_revoked


@receiver(certificate_revoked, dispatch_uid="applications_record_revocation")
def record_revocation(sender: Any, certificate: Any, actor: Any, **kwargs: Any) -> None:
    """The case that issued a revoked certificate shows the revocation in its history."""
    if certificate.case_id is None:
        return
    case = certificate.case
    Event.objects.create(application=case.application, case=case, actor=actor,
                         action="revoke_certificate", reason=certificate.revoke_reason,
                         data={"number": certificate.number})


@receiver(assurance_raised, dispatch_uid="applications_decide_held_cases")
def decide_held_cases(sender: Any, user: Any, **kwargs: Any) -> None:
    """Cases held back from 秒批 for the applicant's level are decided again."""
    from onething.applications.instant import decide_submitted

    decide_submitted(Case.objects.filter(application__applicant=user))
