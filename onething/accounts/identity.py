"""Writes for identity assurance (实名认证): raising, correcting and withdrawing a level.

* ``verify_online`` — L1 → L2: name and ID number (a company's code, name and legal
  representative) matched by the real-name source (``ONETHING_IDENTITY_VERIFIER``).
* ``verify_in_person`` — L3: the ID card read by the kiosk's reader, or the original
  seen by a window clerk, who is recorded.
* ``correct_identity`` — a clerk changes a verified name or ID number (the only way).

Every change writes an ``IdentityCheck`` row (refusals too). One resident ID number
belongs to at most one verified person account: the database refuses a second
(``one_verified_account_per_id_number``), so two racing verifications cannot both win.
When a level rises, the applicant's cases still waiting for an automatic decision that
was held back for the level are decided again (秒批).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.accounts.models import ApplicantKind, IdentityCheck, Role, User
from onething.accounts.services import AccountError, _checked, _name
from onething.accounts.signals import assurance_raised
from onething.accounts.verifiers import identity_verifier
from onething.audit.services import record_audit
from onething.domain.identity import AssuranceLevel, Verdict, level_label, names_match
from onething.domain.validators import mask_id_number, validate_id_number

log = logging.getLogger("onething.identity")

ID_TAKEN = ("该身份证号码已由另一个账户完成实名认证。如果您是该身份证的持有人，请携带身份证原件"
            "到政务服务中心综合窗口核验，工作人员会把实名认证转到您本人的账户 (this ID number is "
            "already verified on another account; bring the original ID card to a window)")
USCC_TAKEN = ("该企业已由另一个账户完成认证，请由法定代表人携带营业执照和身份证原件到综合窗口办理 "
              "(this company is already verified on another account)")
IN_PERSON_EVIDENCE = {"kiosk-card-reader", "window-original"}


def _record(user: User, *, actor: User | None, evidence: str, outcome: str, before: int,
            reason: str = "", source: str = "", data: dict | None = None) -> IdentityCheck:
    check = IdentityCheck.objects.create(
        user=user, actor=actor, evidence=evidence, outcome=outcome, level_before=before,
        level_after=user.assurance_level, reason=reason[:500], source=source[:100],
        data=data or {})
    if check.level_after != check.level_before:
        # Level changes also go to the tamper-evident audit trail (docs/security.md).
        record_audit("identity.level_changed", actor=actor, subject=user,
                     details={"from": f"L{before}", "to": f"L{user.assurance_level}",
                              "evidence": evidence, "outcome": outcome,
                              "source": source[:100]})
    return check


def _taken(user: User) -> bool:
    """Is this account's ID number (or USCC) already verified on another account?"""
    others = User.objects.filter(role=Role.APPLICANT, assurance_level__gte=AssuranceLevel.L2,
                                 applicant_kind=user.applicant_kind).exclude(pk=user.pk)
    if user.applicant_kind == ApplicantKind.COMPANY:
        return bool(user.uscc) and others.filter(uscc=user.uscc).exists()
    return bool(user.id_number) and others.filter(id_number=user.id_number).exists()


def _raise_level(user: User, level: AssuranceLevel, evidence: str, *, actor: User | None,
                 source: str = "", reason: str = "") -> bool:
    """Set a higher level inside a savepoint; False when the ID is verified elsewhere."""
    before = user.assurance_level
    fields = {"assurance_level": max(int(level), before), "assurance_evidence": evidence,
              "assurance_at": timezone.now(),
              "assurance_by": actor if evidence in {"window-original", "clerk-correction"}
              else None}
    try:
        with transaction.atomic():
            for name, value in fields.items():
                setattr(user, name, value)
            user.save(update_fields=[*fields, "real_name", "id_number"])
    except IntegrityError:
        user.refresh_from_db()
        _record(user, actor=actor, evidence=evidence, outcome="id_taken", before=before,
                reason=ID_TAKEN, source=source)
        return False
    _record(user, actor=actor, evidence=evidence, outcome="raised", before=before,
            reason=reason, source=source,
            data={"id_number": mask_id_number(user.identity_id_number)}
            if user.identity_id_number else {})
    return True


def _after_raise(user: User) -> None:
    """Cases held back from 秒批 for the applicant's level are decided again (by the
    applications app, on the signal)."""
    assurance_raised.send(sender=User, user=user)


def verify_online(user: User, *, actor: User | None = None, real_name: str | None = None,
                  id_number: str | None = None) -> Verdict:
    """Raise a person or company account to L2 by the real-name source.

    An unverified (L1) person may correct the name and ID number they typed at the same
    time; once verified, only a clerk changes them (``correct_identity``).
    """
    if not user.is_applicant:
        raise AccountError("not_applicant", "只有申请人账户需要实名认证 (not an applicant)")
    if user.assurance_level >= AssuranceLevel.L2:
        return Verdict(True, f"账户已实名认证（{user.assurance_label}）", "already")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.applicant_kind == ApplicantKind.PERSON:
            if real_name is not None:
                user.real_name = _name(real_name, "real_name")
            if id_number is not None:
                user.id_number = _checked(validate_id_number, id_number, "id_number")
        verifier = identity_verifier()
        if _taken(user):
            _record(user, actor=actor, evidence="identity-source", outcome="id_taken",
                    before=user.assurance_level, reason=ID_TAKEN, source=verifier.label)
            verdict = Verdict(False, ID_TAKEN if user.applicant_kind == ApplicantKind.PERSON
                              else USCC_TAKEN, "id_taken")
        else:
            if user.applicant_kind == ApplicantKind.COMPANY:
                verdict = verifier.verify_company(
                    uscc=user.uscc, company_name=user.company_name,
                    representative_name=user.representative_name,
                    representative_id_number=user.representative_id_number)
            else:
                verdict = verifier.verify_person(name=user.real_name, id_number=user.id_number,
                                                 mobile=user.mobile)
            if verdict.matched:
                if not _raise_level(user, AssuranceLevel.L2, "identity-source", actor=actor,
                                    source=verifier.label, reason=verdict.reason):
                    verdict = Verdict(False, ID_TAKEN, "id_taken")
            else:
                _record(user, actor=actor, evidence="identity-source",
                        outcome=verdict.reason_code or "no_match", before=user.assurance_level,
                        reason=verdict.reason, source=verifier.label)
        if not verdict.matched and user.applicant_kind == ApplicantKind.PERSON:
            # Corrections of an unverified identity are kept only when they verify.
            user.refresh_from_db(fields=["real_name", "id_number"])
    if verdict.matched:
        _after_raise(user)
    return verdict


def verify_in_person(user: User, *, actor: User | None, evidence: str,
                     card_id_number: str = "", card_name: str = "") -> Verdict:
    """L3: the person was seen with their ID card.

    ``window-original``: a clerk compared the original card with the person and the
    account; the clerk is recorded. If another account holds this ID number verified,
    the clerk's check moves the verification here and the other account drops to L1.
    ``kiosk-card-reader``: the kiosk's reader read a card whose number is the account's
    (and whose name, when the reader returns it, matches); a typed number never counts.
    """
    if evidence not in IN_PERSON_EVIDENCE:
        raise ValueError(f"not in-person evidence: {evidence}")
    if evidence == "window-original" and (actor is None or actor.role not in {
            Role.CLERK, Role.MANAGER, Role.ADMIN}):
        raise AccountError("denied", "只有窗口工作人员可以现场核验身份 (clerks only)")
    if not user.is_applicant or not user.identity_id_number:
        raise AccountError("no_id", "该账户没有登记居民身份证号码 (no resident ID number)")
    if evidence == "kiosk-card-reader" and (
            card_id_number != user.identity_id_number
            or (card_name and not names_match(card_name, user.real_name))):
        return Verdict(False, "读取的身份证与账户登记的身份不一致 (the card does not match "
                              "the account)", "card_mismatch")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if evidence == "window-original" and user.applicant_kind == ApplicantKind.PERSON:
            for other in (User.objects.select_for_update()
                          .filter(role=Role.APPLICANT, applicant_kind=ApplicantKind.PERSON,
                                  id_number=user.id_number,
                                  assurance_level__gte=AssuranceLevel.L2)
                          .exclude(pk=user.pk)):
                _demote(other, actor=actor, reason=f"身份证原件持有人已在窗口核验，实名认证转至"
                                                   f"账户 {user.masked_mobile}")
        if user.assurance_level >= AssuranceLevel.L3:
            return Verdict(True, "已现场核验", "already")
        if not _raise_level(user, AssuranceLevel.L3, evidence, actor=actor,
                            source="" if actor is None else actor.display_name):
            return Verdict(False, ID_TAKEN, "id_taken")
    _after_raise(user)
    return Verdict(True, "身份已现场核验", "matched")


def _demote(user: User, *, actor: User | None, reason: str) -> None:
    before = user.assurance_level
    user.assurance_level = AssuranceLevel.L1
    user.assurance_evidence = "demoted"
    user.assurance_at = timezone.now()
    user.assurance_by = actor
    user.save(update_fields=["assurance_level", "assurance_evidence", "assurance_at",
                             "assurance_by"])
    _record(user, actor=actor, evidence="demoted", outcome="demoted", before=before,
            reason=reason)
    log.info("identity of account %s withdrawn (L%s → L1)", user.pk, before)


@transaction.atomic
def correct_identity(user: User, *, clerk: User, real_name: str, id_number: str,
                     reason: str) -> User:
    """A clerk, with the original ID card in hand, changes the name or ID number.

    The account is then verified in person (L3) by that clerk.
    """
    if clerk.role not in {Role.CLERK, Role.MANAGER, Role.ADMIN}:
        raise AccountError("denied", "只有窗口工作人员可以更正身份信息 (clerks only)")
    if user.applicant_kind != ApplicantKind.PERSON:
        raise AccountError("company", "企业信息请按企业登记信息更正 (companies: not here)")
    reason = (reason or "").strip()
    if not reason:
        raise AccountError("reason", "请填写更正原因 (a reason is required)", "reason")
    user = User.objects.select_for_update().get(pk=user.pk)
    old = {"real_name": user.real_name, "id_number": mask_id_number(user.id_number)
           if user.id_number else ""}
    user.real_name = _name(real_name, "real_name")
    user.id_number = _checked(validate_id_number, id_number, "id_number")
    before = user.assurance_level
    user.assurance_level = AssuranceLevel.L1  # re-raised below, with this clerk's check
    if _taken(user):
        for other in User.objects.select_for_update().filter(
                role=Role.APPLICANT, applicant_kind=ApplicantKind.PERSON,
                id_number=user.id_number, assurance_level__gte=AssuranceLevel.L2
        ).exclude(pk=user.pk):
            _demote(other, actor=clerk, reason="身份证原件持有人已在窗口更正并核验身份")
    user.assurance_level = before
    if not _raise_level(user, AssuranceLevel.L3, "clerk-correction", actor=clerk,
                        source=clerk.display_name, reason=reason):
        raise AccountError("id_taken", ID_TAKEN, "id_number")
    check = user.identity_checks.first()
    check.data = {**check.data, "before": old, "reason": reason}
    check.save(update_fields=["data"])
    return user


def assurance_summary(user: User) -> dict[str, object]:
    """What the account page shows: the level, its evidence and time, how to go higher."""
    level = user.assurance_level
    return {"level": level, "label": level_label(level),
            "evidence": user.get_assurance_evidence_display() if user.assurance_evidence else "",
            "at": user.assurance_at, "by": user.assurance_by}
