"""Writes for electronic certificates (电子证照): issue on approval, revoke.

* ``issue_certificate`` — called by ``applications.services.transition_case``
  inside its transaction when a case of a matter that ``issues`` a
  certificate type is approved (《行政许可法》第三十九条: a licence decision
  results in a licence document; 《电子证照》GB/T 36901 family: the electronic
  certificate carries the issuer's signature).
* ``revoke_certificate`` — the issuing department revokes (注销) with a reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from onething.accounts.models import ApplicantKind, User
from onething.accounts.models import Role as UserRole
from onething.audit.services import record_audit
from onething.catalog.selectors import certificate_type_spec
from onething.certificates import keys
from onething.certificates.models import Certificate, RegisterSerial, ShareCode
from onething.certificates.signals import certificate_revoked
from onething.core.errors import CaseActionDenied, SubmissionError
from onething.domain import signing
from onething.domain.catalog import CertificateField
from onething.domain.certificates import assigned_uscc
from onething.domain.validators import mask_id_number, normalize_uscc
from onething.notifications.messages import part
from onething.notifications.services import notify

if TYPE_CHECKING:
    from onething.applications.models import Case

log = logging.getLogger("onething.certificates")

# Result entries that describe the result itself rather than certified facts; ``note`` is
# the reviewer's internal comment (审批意见), kept on the case, never on the certificate.
_RESULT_META = {"decision", "certificate_type", "certificate_name", "number", "verify_url",
                "valid_until", "note"}
USCC_SERIAL = "uscc"
# No 0/O, 1/I/L: numbers are read aloud and typed from paper.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{2,63}")


class CertificateActionDenied(CaseActionDenied):
    def __init__(self, message: str = "只有发证部门的审核人员可以注销证照 "
                                      "(only reviewers of the issuing department may revoke)"
                 ) -> None:
        super().__init__(message)


def verify_path(number: str) -> str:
    """The public verification address. Spelled out rather than reversed: it is
    printed on paper and in QR codes, so it must not move with the URL conf (a
    test checks it matches ``certificates:verify``)."""
    return f"/verify/{number}/"


def _type_short(key: str) -> str:
    return "".join(part[0] for part in key.split("-") if part).upper()[:6] or "CERT"


def _new_number(type_key: str, today: dt.date) -> str:
    for _ in range(10):
        suffix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        number = f"{_type_short(type_key)}-{today:%Y%m%d}-{suffix}"
        if not Certificate.objects.filter(number=number).exists():
            return number
    raise RuntimeError("无法生成唯一的证照编号 (could not draw a unique number)")


def typed_number(value: str) -> str:
    """A certificate number as someone typed it (full-width, lower case, spaces), checked;
    ValueError with the reason (in the active language) when it cannot be one."""
    number = normalize_uscc(value or "")  # full-width to ASCII, no spaces, upper case
    if not number:
        raise ValueError(gettext("请输入证照编号。"))
    if not _NUMBER.fullmatch(number):
        raise ValueError(gettext("证照编号只能包含字母、数字和“-”，共3至64位，"
                                 "例如 BL-20261203-ABCD2345。"))
    return number


def _given_number(result: dict[str, Any]) -> str:
    """A number the department's own register assigned (the reviewer types it in), if any."""
    number = str(result.get("number", "") or "").strip().upper()
    if not number:
        return ""
    if not _NUMBER.fullmatch(number):
        raise SubmissionError({"result.number": "证照编号只能包含字母、数字和“-”，3至64位 "
                                                "(letters, digits and '-' only)"},
                              "invalid_result")
    if Certificate.objects.filter(number=number).exists():
        raise SubmissionError({"result.number": "该证照编号已被使用 (number already used)"},
                              "invalid_result")
    return number


def _holder_id(holder: User) -> str:
    """Masked for people (个人信息保护法); a company's USCC is public (企业信用信息公示)."""
    if holder.applicant_kind == ApplicantKind.COMPANY and holder.uscc:
        return holder.uscc
    number = holder.id_number or holder.representative_id_number
    return mask_id_number(number) if number else ""


def _valid_until(result: dict[str, Any]) -> dt.date | None:
    raw = str(result.get("valid_until", "") or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise SubmissionError({"result.valid_until": "有效期应为日期 YYYY-MM-DD (must be a date)"},
                              "invalid_result") from exc


def next_serial(name: str) -> int:
    """The register's next serial number of ``name`` (1, 2, …), taken with its row locked:
    concurrent callers wait for each other and never get the same value. Runs inside the
    caller's transaction (the approval's), so a failed approval gives its number back."""
    with transaction.atomic():
        RegisterSerial.objects.get_or_create(name=name)
        row = RegisterSerial.objects.select_for_update().get(name=name)
        row.last_value += 1
        row.save(update_fields=["last_value"])
        return row.last_value


def new_uscc(region_code: str, entity_type: str = "") -> str:
    """赋码: a new unified social credit code from the register's serial (GB 32100 valid);
    a code an account already uses is skipped (the demo's companies were made by hand)."""
    while True:
        code = assigned_uscc(next_serial(USCC_SERIAL), region_code, entity_type)
        if not User.objects.filter(uscc=code).exists():
            return code


def _issued_values(case: Case) -> dict[str, str]:
    """Facts certified by the application's earlier certificates (e.g. the USCC the
    business licence assigned, which the food-business licence then carries)."""
    values: dict[str, str] = {}
    for earlier in Certificate.objects.filter(case__application=case.application).order_by(
            "issued_at", "id"):
        for item in (earlier.data or {}).get("fields") or []:
            if isinstance(item, dict) and item.get("value"):
                values.setdefault(str(item.get("key")), str(item["value"]))
    return values


def _certified_fields(case: Case, fields: tuple[CertificateField, ...],
                      result: dict[str, Any], issued_on: dt.date) -> list[dict[str, str]]:
    """[{key, label, value}] in the catalogue's order, each value from its source."""
    form = case.application.form_data if isinstance(case.application.form_data, dict) else {}
    earlier: dict[str, str] | None = None
    rows: list[dict[str, str]] = []
    for cfield in fields:
        value = ""
        if cfield.source == "assigned-uscc":
            value = new_uscc(case.department.region_id,
                             str(form.get("entity_type", "") or ""))
        elif cfield.source == "issue-date":
            value = issued_on.isoformat()
        elif cfield.source == "result":
            value = str(result.get(cfield.key, "") or "").strip()
        if not value and cfield.source in ("form", "result"):
            value = str(form.get(cfield.key, "") or "").strip()
        if not value:  # carried from a certificate issued earlier in the application
            if earlier is None:
                earlier = _issued_values(case)
            value = earlier.get(cfield.key, "")
        rows.append({"key": cfield.key, "label": cfield.label, "value": value})
    return rows


def _count_signing_error(case: Any, exc: Exception, key_id: str = "") -> None:
    from onething.core.metrics import CERTIFICATE_SIGNING_ERRORS

    CERTIFICATE_SIGNING_ERRORS.labels(type(exc).__name__).inc()
    log.error("certificate for case %s not signed%s: %s: %s", case.pk,
              f" with key {key_id}" if key_id else "", type(exc).__name__, exc)


def issue_certificate(case: Case, *, actor: User | None) -> Certificate:
    """Sign and record the certificate that approving ``case`` yields.

    Runs inside ``transition_case``'s transaction with ``case.result`` already
    holding the decision's data; the certificate's number is drawn here and
    written back into the result by the caller. ``actor`` is the approving
    reviewer (None for an automatic decision).
    """
    certificate_type = case.matter.issues
    if certificate_type is None:
        raise ValueError(f"{case.matter.code} issues no certificate")
    application = case.application
    holder = application.applicant
    result = dict(case.result or {})
    now = timezone.now()
    today = timezone.localdate(now)
    rule = certificate_type_spec(certificate_type)
    # A register rule takes the date entered with the decision (none entered: no end).
    valid_until = rule.validity.until(today, _valid_until(result))
    number = _given_number(result) or _new_number(certificate_type.key, today)
    fields = _certified_fields(case, rule.fields, result, today)
    values = {f["key"]: f["value"] for f in fields}
    if rule.holder == "organisation":
        holder_name = values.get("company_name") or holder.display_name
        holder_id = values.get("uscc") or (holder.uscc if holder.applicant_kind
                                           == ApplicantKind.COMPANY else "")
    else:
        holder_name, holder_id = holder.display_name, _holder_id(holder)
    try:
        key = keys.active_key()  # KeyMissing / KeyMismatch when this node lacks it
    except Exception as exc:
        _count_signing_error(case, exc)
        raise
    data: dict[str, Any] = {
        "number": number,
        "certificate_type": certificate_type.key,
        "certificate_name": certificate_type.name,
        "holder_kind": rule.holder,
        "holder_name": holder_name,
        "holder_id": holder_id,
        "department": {"code": case.department.code, "name": case.department.name},
        "issued_at": now.isoformat(timespec="seconds"),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "tracking_number": application.tracking_number,
        "matter": {"code": case.matter.code, "name": case.matter.name},
        "layout": rule.layout,
        "fields": fields,
        "details": {k: str(v) for k, v in result.items()
                    if k not in _RESULT_META and k not in values},
        "key_id": key.key_id,
    }
    try:
        signature = signing.sign(data, keys.private_key(key))
    except Exception as exc:  # counted for the metrics endpoint, then raised as before
        _count_signing_error(case, exc, key.key_id)
        raise
    certificate = Certificate.objects.create(
        number=number, certificate_type=certificate_type, holder=holder,
        holder_name=data["holder_name"], department=case.department, case=case,
        issued_at=now, valid_until=valid_until, data=data, signature=signature, key=key,
    )
    # The PDF renders off the request path, once the approval has committed (and on
    # the first download should that come before the worker: documents.issued_pdf).
    transaction.on_commit(lambda pk=certificate.pk: _queue_render(pk))
    return certificate


def _queue_render(certificate_id: int) -> None:
    """Queue the PDF's rendering; a failure to queue loses nothing (the first download
    renders it), so it is logged, never raised into the committed approval."""
    from onething.certificates.tasks import render_certificate_document

    try:
        render_certificate_document.enqueue(certificate_id)
    except Exception:  # the approval has committed; the first download renders it
        log.exception("certificate %s: its PDF rendering was not queued", certificate_id)


def may_revoke(actor: User | None, certificate: Certificate) -> bool:
    """Only a reviewer of the issuing department may revoke (what the UI offers, too)."""
    return (actor is not None and actor.role == UserRole.REVIEWER
            and actor.department_id == certificate.department_id)


def revoke_certificate(certificate: Certificate, *, actor: User, reason: str) -> Certificate:
    """注销: only a reviewer of the issuing department, always with a written reason."""
    if not may_revoke(actor, certificate):
        raise CertificateActionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise SubmissionError({"reason": "请填写注销理由 (a reason is required)"},
                              "reason_required")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise SubmissionError({"certificate": "该证照已注销 (already revoked)"},
                                  "already_revoked")
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revoke_reason = reason[:2000]
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        record_audit("certificate.revoked", actor=actor, subject=locked,
                     case_id=locked.case_id,
                     details={"number": locked.number, "reason": locked.revoke_reason[:500]})
        certificate_revoked.send(sender=Certificate, certificate=locked, actor=actor)
        if locked.case_id is not None:
            notify(user=locked.holder, application=locked.case.application,
                   dedupe_key=f"certificate:{locked.pk}:revoked",
                   happened="revoke_certificate", subject=locked.certificate_type.name,
                   detail=f"（{locked.number}）",
                   parts=[part("certificate_revoked", certificate=locked.certificate_type.name,
                               number=locked.number, department=locked.department.name),
                          part("reason", reason=locked.revoke_reason[:100])])
    certificate.refresh_from_db()
    return certificate


# -- share codes: the holder lets others see the certified details ---------------------

SHARE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out, typed
SHARE_CODE_LENGTH = 10  # 32^10 = 2^50 codes
SHARE_DAYS_DEFAULT = 7
SHARE_DAYS_CHOICES = (1, 7, 30)


class ShareDenied(PermissionError):
    def __init__(self) -> None:
        super().__init__("只有持证人可以分享或撤销分享 (only the holder may share)")


def new_share_code() -> str:
    return "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))


def create_share_code(certificate: Certificate, *, actor: User,
                      days: int = SHARE_DAYS_DEFAULT) -> ShareCode:
    """分享证照详情: a code that shows the certified details on the verification page.

    Only the holder shares (个人信息保护法: the holder decides who sees their data), for
    1, 7 or 30 days; a revoked or expired certificate is not shared.
    """
    if actor is None or certificate.holder_id != actor.pk:
        raise ShareDenied()
    if days not in SHARE_DAYS_CHOICES:
        raise SubmissionError({"days": "有效期只能是 1、7 或 30 天 (1, 7 or 30 days)"},
                              "invalid_days")
    if certificate.revoked_at is not None:
        raise SubmissionError({"certificate": "该证照已注销 (revoked)"}, "already_revoked")
    share = ShareCode.objects.create(certificate=certificate, code=new_share_code(),
                                     created_by=actor,
                                     expires_at=timezone.now() + dt.timedelta(days=days))
    record_audit("certificate.shared", actor=actor, subject=certificate,
                 details={"share": share.pk, "days": days})
    return share


def revoke_share_code(share: ShareCode, *, actor: User) -> ShareCode:
    """撤销分享: the code stops working at once."""
    if actor is None or share.certificate.holder_id != actor.pk:
        raise ShareDenied()
    if share.revoked_at is None:
        if ShareCode.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now()):
            record_audit("certificate.share_revoked", actor=actor, subject=share.certificate,
                         details={"share": share.pk})
        share.refresh_from_db()
    return share
