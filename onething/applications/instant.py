"""秒批: decide a submitted case by its matter's automatic rule.

The rule is catalogue data (``auto_decision.checks``) naming checks of
``onething.domain.instant``; this module only gathers the facts and applies
the outcome through ``transition_case``, so the usual events, certificate
and notifications follow. A case the rule cannot approve stays with its
department, with an event saying why.
"""

from __future__ import annotations

import logging

from django.db.models import QuerySet

from onething.applications.errors import CaseActionDenied
from onething.applications.models import Case, CaseStatus, Event
from onething.domain import instant
from onething.domain.cases import Action, IllegalTransition

log = logging.getLogger("onething.instant")


def decide_automatically(case: Case) -> Case:
    """Run the matter's rule on ``case`` (status submitted); return it updated."""
    rule = case.matter.auto_decision or {}
    checks = rule.get("checks") or []
    if not checks or case.status != CaseStatus.SUBMITTED:
        return case
    from onething.applications.services import transition_case
    from onething.registers.selectors import RegisterFacts

    applicant = case.application.applicant
    subject = instant.Subject(
        name=applicant.real_name or applicant.display_name,
        id_number=applicant.id_number or applicant.representative_id_number,
        form={k: str(v) for k, v in (case.application.form_data or {}).items()},
        assurance=applicant.assurance_level,
    )
    required = int(rule.get("assurance") or instant.DEFAULT_AUTO_DECISION_LEVEL)
    if _already_referred(case, applicant.assurance_level, required):
        return case
    try:
        decision = instant.decide(checks, subject, RegisterFacts(), assurance=required)
    except instant.UnknownCheck as exc:  # the catalogue check prevents this
        log.error("matter %s names unknown check %s", case.matter.code, exc)
        return case
    if decision.approved:
        from onething.certificates.keys import KeyMissing

        try:
            return transition_case(case.pk, Action.AUTO_APPROVE, actor=None,
                                   result=decision.result)
        except (IllegalTransition, CaseActionDenied) as exc:
            # Read before the lock: the case changed meanwhile (withdrawn, taken by a
            # reviewer). This runs after the action that released or submitted it has
            # committed, so that action stands and is not reported as failed.
            log.warning("秒批 of case %s skipped: the case changed meanwhile: %s", case.pk, exc)
            return case
        except KeyMissing as exc:
            # This node lacks the deployment's signing key (/readyz says so): the
            # application stays submitted for a reviewer instead of failing the request.
            log.error("秒批 of case %s left for a reviewer: certificate signing failed on this "
                      "node: %s", case.pk, exc)
            return case
    Event.objects.create(
        application=case.application, case=case, actor=None, action=Action.AUTO_REFER,
        from_status=case.status, to_status=case.status,
        reason="；".join(decision.reasons)[:1000],
        data={"checks": [{"check": o.check, "passed": o.passed, "reason": o.reason}
                         for o in decision.outcomes],
              "assurance": int(applicant.assurance_level)})
    return case


def _already_referred(case: Case, level: int, required: int) -> bool:
    """A case referred to a person is decided again only when the applicant's level
    rose from below the rule's level to it (not on every later level change)."""
    last = (Event.objects.filter(case=case, action=Action.AUTO_REFER).order_by("-id")
            .values_list("data", flat=True).first())
    if last is None:
        return False
    before = int((last or {}).get("assurance", 0))
    return not (before < required <= level)


def decide_submitted(cases: QuerySet[Case]) -> list[Case]:
    """Apply automatic rules to those of ``cases`` that are submitted and have one
    (a new application's cases, or dependents just released).

    Runs after the action that submitted or released them has committed; a case
    changed meanwhile is logged and left alone (``decide_automatically``).
    """
    cases = (cases.select_related("matter", "application__applicant")
             .filter(status=CaseStatus.SUBMITTED).exclude(matter__auto_decision={}))
    return [decide_automatically(case) for case in cases]
