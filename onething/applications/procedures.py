"""容缺受理 and 告知承诺: the two procedures that change when a case can be decided.

**容缺受理** (accept with secondary materials to follow; 国发〔2024〕3号 “容缺事项
承诺办”). The catalogue names, per matter, the secondary materials a case may
be accepted without and the working days the applicant then has to supply
them (``accept_pending``). At submission the applicant may declare such a
material owed (``Submission.deferred_materials``); the reviewer accepts with
``accept_pending``, fixing what is owed and by when. The case cannot be
approved until the applicant has supplied everything (``supply_materials``).
When the date passes, :func:`run_procedures` (daily, ``onething procedures
run``) terminates the case with a written reason, or — where the matter's
rule says ``refer`` — records that the deadline lapsed and leaves the
decision to the reviewer.

**告知承诺** (decision on a signed commitment; 国办发〔2020〕42号, 《消防法》第十五条).
The catalogue carries the full commitment text (``commitment``). At
submission the applicant signs it: the submission names the SHA-256 of the
exact text shown (``Submission.commitments``), and a signature of any other
text is refused. The signed text, its version and hash, who signed, who
recorded it and when are kept (:class:`~onething.applications.models.Commitment`).
When the case reaches its department — at submission, or when its
prerequisites are approved — it is approved at once on the commitment
(:func:`decide_on_commitments`, after the submission or release has
committed, like 秒批), and the post-check (事后核查) falls due. The reviewer
records the post-check: ``confirm_commitment``, or ``revoke_false_commitment``,
which revokes the decision and its certificate with the reason.

The transitions are in the one table (``onething.domain.cases``) and their
effects in ``transitions.py``; this module holds what the submission checks
and records, the decision on a commitment, and the daily task.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from onething.accounts.models import User
from onething.applications.errors import CaseActionDenied
from onething.applications.models import Application, Case, Commitment, Event
from onething.domain.cases import (
    Action,
    CaseStatus,
    IllegalTransition,
    Role,
    offered_actions,
)
from onething.domain.planner import Plan
from onething.notifications.messages import part
from onething.notifications.services import notify

log = logging.getLogger("onething.procedures")

LIST_SEPARATOR = "、"


def available_actions(case: Case, role: Role) -> list[Action]:
    """The actions ``role`` may take on ``case`` now (buttons, the API's ``actions``)."""
    return offered_actions(case.status, role, takes_pending=bool(case.matter.accept_pending),
                           declared_owed=bool(case.pending_items))


# -- at submission ------------------------------------------------------------------------


def check_deferrals(plan: Plan, deferred: Iterable[str], materials: Mapping[str, Any],
                    errors: dict[str, str]) -> set[str]:
    """The materials the applicant validly declared owed (容缺); problems go to ``errors``.

    A material may follow only when every matter of the plan that needs it
    accepts without it; a material both uploaded and declared owed is refused
    (one or the other).
    """
    by_key = {m.key: m for m in plan.materials}
    valid: set[str] = set()
    for key in dict.fromkeys(str(k) for k in deferred):
        material = by_key.get(key)
        if material is None:
            errors[f"materials.{key[:64]}"] = (f"本次申请不需要材料 {key[:64]}，无需容缺 "
                                               "(not a material of this application)")
        elif not material.deferrable:
            errors[f"materials.{key}"] = (f"“{material.name}”不能容缺受理，请随申请上传 "
                                          "(this material cannot follow later: upload it now)")
        elif key in materials:
            errors[f"materials.{key}"] = (f"“{material.name}”已上传，不能同时申请容缺，请二选一 "
                                          "(uploaded and declared owed: choose one)")
        else:
            valid.add(key)
    return valid


def pending_items_by_matter(plan: Plan, owed: Collection[str]) -> dict[str, list[dict[str, str]]]:
    """Matter code -> the materials its case will owe (in plan order)."""
    items: dict[str, list[dict[str, str]]] = {}
    for material in plan.materials:
        if material.key in owed:
            for code in material.needed_by:
                items.setdefault(code, []).append(
                    {"material": material.key, "name": material.name, "note": ""})
    return items


def check_commitments(plan: Plan, signed: Mapping[str, Any], errors: dict[str, str]) -> None:
    """Every commitment of the plan is signed, each on the exact text of its current version."""
    wanted = {c.matter: c for c in plan.commitments}
    for code in signed:
        if code not in wanted:
            errors[f"commitments.{str(code)[:64]}"] = (
                f"本次申请的事项 {str(code)[:64]} 不需要签署告知承诺书 "
                "(no commitment to sign for this matter)")
    for code, terms in wanted.items():
        given = signed.get(code)
        given = given.strip().lower() if isinstance(given, str) else ""
        if not given:
            errors[f"commitments.{code}"] = (
                f"请阅读并签署“{terms.matter_name}”的告知承诺书 "
                "(read and sign the commitment: required)")
        elif given != terms.sha256:
            errors[f"commitments.{code}"] = (
                f"所签署的“{terms.matter_name}”告知承诺书与现行文本（{terms.version} 版）不一致，"
                f"请重新阅读并签署 (the text signed is not the current version {terms.version}: "
                "read it again and sign)")


def error_code(errors: Mapping[str, str], plan: Plan, signed: Mapping[str, Any]) -> str:
    """A specific code when the commitment is all that is wrong."""
    if not errors or not all(k.startswith("commitments.") for k in errors):
        return "invalid_submission"
    given = {c.matter: signed.get(c.matter) for c in plan.commitments}
    if any(not isinstance(v, str) or not v.strip() for v in given.values()):
        return "commitment_required"
    if any(f"commitments.{code}" in errors for code in given):
        return "commitment_mismatch"
    return "commitment_not_needed"


def record_commitments(plan: Plan, cases: Mapping[str, Case], *, applicant: User,
                       actor: User, channel: str) -> list[Commitment]:
    """Keep each signed commitment, word for word, with its case (inside the submission)."""
    now = timezone.now()
    return Commitment.objects.bulk_create(
        Commitment(case=cases[c.matter], version=c.version, text=c.text, sha256=c.sha256,
                   signed_by=applicant, recorded_by=actor, channel=channel, signed_at=now,
                   check_within=c.check_within)
        for c in plan.commitments if c.matter in cases)


# -- the decision on a commitment (after commit) ---------------------------------------


def decide_on_commitments(cases: QuerySet[Case]) -> list[Case]:
    """告知承诺: approve, on the signed commitment, those of ``cases`` that have reached
    their department (submitted) and carry a commitment.

    Runs after the submission or release has committed (as 秒批 does): a case
    changed meanwhile (withdrawn) is logged and left alone, and a node that
    cannot sign the certificate leaves the case for the next run of
    ``onething procedures run`` — the action before succeeded and is not
    reported as failed.
    """
    from onething.applications.services import transition_case
    from onething.certificates.keys import KeyMissing

    decided = []
    for case_id in (cases.filter(status=CaseStatus.SUBMITTED, commitment__isnull=False)
                    .order_by("id").values_list("pk", flat=True)):
        try:
            decided.append(transition_case(case_id, Action.APPROVE_ON_COMMITMENT, actor=None))
        except (IllegalTransition, CaseActionDenied) as exc:
            log.warning("告知承诺 decision of case %s skipped: the case changed meanwhile: %s",
                        case_id, exc)
        except KeyMissing as exc:
            log.error("告知承诺 decision of case %s postponed: certificate signing failed on "
                      "this node: %s", case_id, exc)
    return decided


# -- what the applicant is told ---------------------------------------------------------


def _names(items: Iterable[Mapping[str, Any]]) -> str:
    return LIST_SEPARATOR.join(f"“{i.get('name') or i.get('material')}”" for i in items)


def notice(case: Case, action: Action, data: Mapping[str, Any]) -> list[list[Any]]:
    """What the applicant's notice adds for a procedure's action, as message parts
    (onething/notifications/messages.py; [] for other actions)."""
    if action is Action.ACCEPT_PENDING:
        names = [str(i.get("name") or i.get("material")) for i in case.pending_items or []]
        due = case.pending_due_date.isoformat() if case.pending_due_date else ""
        lapse = "pending_terminate" if case.pending_on_lapse != "refer" else "pending_refer"
        return [part("pending_supply", due_on=due, materials=names), part(lapse)]
    if action is Action.APPROVE_ON_COMMITMENT:
        due = (data.get("commitment") or {}).get("check_due_date", "")
        return [part("commitment_check", due_on=str(due))]
    return []


# -- the daily task ---------------------------------------------------------------------


@dataclass
class ProceduresReport:
    terminated: list[str] = field(default_factory=list)  # tracking number · matter
    referred: list[str] = field(default_factory=list)
    decided: list[str] = field(default_factory=list)  # 告知承诺 decisions caught up
    checks_overdue: list[str] = field(default_factory=list)  # post-checks past their date
    skipped: int = 0  # changed meanwhile

    def lines(self) -> list[str]:
        out = [
            f"容缺受理逾期未补齐、终止办理 {len(self.terminated)} 件 "
            f"(owed materials not supplied, case terminated: {len(self.terminated)})",
            f"容缺受理逾期未补齐、转承办部门处理 {len(self.referred)} 件 "
            f"(owed materials not supplied, left to the reviewer: {len(self.referred)})",
            f"补作告知承诺准予 {len(self.decided)} 件 "
            f"(decisions on a commitment caught up: {len(self.decided)})",
            f"事后核查已超期 {len(self.checks_overdue)} 件 "
            f"(post-checks past their date: {len(self.checks_overdue)})",
        ]
        out += [f"  超期核查 (overdue post-check): {item}" for item in self.checks_overdue]
        if self.skipped:
            out.append(f"办件已有变化、跳过 {self.skipped} 件 (changed meanwhile: {self.skipped})")
        return out


def _label(case: Case) -> str:
    return f"{case.application.tracking_number} · {case.matter.name}"


def run_procedures(*, today: dt.date | None = None) -> ProceduresReport:
    """The daily task (``onething procedures run``, deploy/systemd/onething-procedures.timer).

    * 容缺受理: every case still owing materials after its date (the date itself
      still counts) is terminated with the reason, or, by the matter's rule
      ``refer``, recorded as lapsed for the reviewer (once);
    * 告知承诺: cases whose decision on the commitment could not be made at the
      time (a node without the signing key) are decided now;
    * post-checks past their date are listed for the departments.

    Safe to run twice or on two machines: each case is handled under its lock
    and only while it is still in the state that calls for it.
    """
    from onething.applications.services import transition_case

    today = today or timezone.localdate()
    report = ProceduresReport()
    lapsed = (Case.objects.select_related("application", "matter")
              .filter(status=CaseStatus.ACCEPTED_PENDING, pending_due_date__lt=today)
              .order_by("pending_due_date", "id"))
    for case in lapsed:
        try:
            if case.pending_on_lapse == "refer":
                if _refer_lapsed(case.pk):
                    report.referred.append(_label(case))
                continue
            transition_case(case.pk, Action.LAPSE_PENDING, actor=None,
                            reason=(f"逾期未补齐容缺材料{_names(case.pending_items)}"
                                    f"（补齐期限 {case.pending_due_date:%Y-%m-%d}）"))
            report.terminated.append(_label(case))
        except (IllegalTransition, CaseActionDenied) as exc:
            log.warning("容缺 deadline of case %s: the case changed meanwhile: %s", case.pk, exc)
            report.skipped += 1
    waiting = Case.objects.filter(status=CaseStatus.SUBMITTED, commitment__isnull=False)
    report.decided = [_label(c) for c in decide_on_commitments(waiting)]
    overdue = (Commitment.objects.select_related("case__application", "case__matter")
               .filter(check_result="", check_due_date__lt=today,
                       case__status=CaseStatus.APPROVED_ON_COMMITMENT)
               .order_by("check_due_date", "id"))
    report.checks_overdue = [f"{_label(c.case)}（{c.check_due_date:%Y-%m-%d}）"
                             for c in overdue]
    return report


def _refer_lapsed(case_id: int) -> bool:
    """Record, once, that a case's owed materials lapsed; the reviewer decides."""
    from onething.applications.transitions import lock_case

    with transaction.atomic():
        case = lock_case(case_id)
        if (case.status != CaseStatus.ACCEPTED_PENDING
                or case.events.filter(action=Action.PENDING_OVERDUE).exists()):
            return False
        Event.objects.create(
            application=case.application, case=case, actor=None,
            action=Action.PENDING_OVERDUE, from_status=case.status, to_status=case.status,
            reason=(f"逾期未补齐容缺材料{_names(case.pending_items)}"
                    f"（补齐期限 {case.pending_due_date:%Y-%m-%d}）"),
            data={"items": case.pending_items,
                  "pending_due_date": case.pending_due_date.isoformat()
                  if case.pending_due_date else None})
        application: Application = case.application
        notify(user=application.applicant, application=application,
               dedupe_key=f"case:{case.pk}:pending_overdue", happened=Action.PENDING_OVERDUE,
               parts=[part("case_step", number=application.tracking_number,
                           matter=case.matter.name, action=Action.PENDING_OVERDUE.value),
                      part("pending_overdue",
                           materials=[str(i.get("name") or i.get("material"))
                                      for i in case.pending_items or []],
                           due_on=case.pending_due_date.isoformat()
                           if case.pending_due_date else "")])
    return True
