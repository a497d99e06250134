"""Reads for certificates: public verification (核验), the holder's download."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from onething.accounts.models import ApplicantKind, Role
from onething.certificates.models import Certificate, ShareCode
from onething.domain import signing
from onething.domain.redaction import mask_person_name

VALID, REVOKED, EXPIRED, UNKNOWN = "valid", "revoked", "expired", "unknown"
STATUS_LABELS = {VALID: "有效", REVOKED: "已注销", EXPIRED: "已过期", UNKNOWN: "无法核验"}


@dataclass(frozen=True)
class Verification:
    status: str
    certificate: Certificate | None = None
    reason: str = ""  # for UNKNOWN: "not_found" or "signature_mismatch"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self, *, details: bool = False) -> dict[str, Any]:
        """The answer: data only when its signature holds. Publicly only what verifying
        needs (``public_data``); with ``details`` (the holder, or a share code) all the
        certified data."""
        body: dict[str, Any] = {"status": self.status, "certificate": None}
        if self.reason:
            body["reason"] = self.reason
        if self.certificate is not None and self.status != UNKNOWN:
            body["certificate"] = (dict(self.certificate.data) if details
                                   else public_data(self.certificate))
            body["details_shown"] = details
            if self.certificate.revoked_at is not None:
                body["revoked_at"] = self.certificate.revoked_at.isoformat(timespec="seconds")
        return body


# What anyone holding the number may see: enough to tell the paper is genuine and whose it
# is, not what it certifies (个人信息保护法 第六条: no more than the purpose needs).
PUBLIC_KEYS = ("number", "certificate_type", "certificate_name", "holder_name", "holder_id",
               "department", "issued_at", "valid_until")


def issued_to_organisation(certificate: Certificate) -> bool:
    return (certificate.data.get("holder_kind") == "organisation"
            or certificate.holder.applicant_kind == ApplicantKind.COMPANY)


def public_data(certificate: Certificate) -> dict[str, Any]:
    """The signed data cut down to ``PUBLIC_KEYS``, a person's name masked (张*明); the
    ID number is masked in the signed data already. A certificate issued to an
    organisation is public as a whole (企业信用信息公示: name, USCC, representative,
    address, scope): its certified ``fields`` show to anyone; a person's only with
    ``details``."""
    data = {k: certificate.data.get(k) for k in PUBLIC_KEYS}
    if issued_to_organisation(certificate):
        if "fields" in certificate.data:
            data["fields"] = certificate.data.get("fields")
    else:
        data["holder_name"] = mask_person_name(str(data.get("holder_name") or ""))
    return data


def field_rows(data: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) of the certified fields, in the catalogue's printed order."""
    rows = []
    for item in (data or {}).get("fields") or []:
        if isinstance(item, Mapping):
            rows.append((str(item.get("label") or item.get("key") or ""),
                         str(item.get("value") or "")))
    return rows


def valid_share_code(certificate: Certificate, code: str, *,
                     now: dt.datetime | None = None) -> ShareCode | None:
    """The holder's share code for this certificate, if it is neither expired nor revoked."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return None
    now = now or timezone.now()
    return ShareCode.objects.filter(certificate=certificate, code=code, revoked_at__isnull=True,
                                    expires_at__gt=now).first()


def may_see_details(viewer: Any, certificate: Certificate, share_code: str = "") -> bool:
    """The certified details: the signed-in holder, or whoever has a valid share code."""
    if getattr(viewer, "is_authenticated", False) and certificate.holder_id == viewer.pk:
        return True
    return valid_share_code(certificate, share_code) is not None


def share_codes_for(viewer: Any, number: str) -> tuple[Certificate | None, list[ShareCode]]:
    """The holder's certificate and its share codes, newest first; (None, []) for others."""
    if not getattr(viewer, "is_authenticated", False):
        return None, []
    number = (number or "").strip().upper()[:64]
    certificate = (Certificate.objects.select_related("certificate_type", "department")
                   .filter(number=number, holder=viewer).first())
    if certificate is None:
        return None, []
    return certificate, list(certificate.share_codes.all())


def signature_holds(certificate: Certificate) -> bool:
    """The stored data is exactly what was signed, and the row agrees with it."""
    data = certificate.data if isinstance(certificate.data, dict) else {}
    if not signing.verify(data, certificate.signature, certificate.key.public_key_pem):
        return False
    valid_until = certificate.valid_until.isoformat() if certificate.valid_until else None
    return (data.get("number") == certificate.number
            and data.get("valid_until") == valid_until
            and data.get("certificate_type") == certificate.certificate_type.key
            and data.get("key_id") == certificate.key.key_id)


def verify_certificate(number: str, *, today: dt.date | None = None) -> Verification:
    number = (number or "").strip().upper()[:64]
    certificate = (Certificate.objects.select_related("key", "certificate_type", "holder")
                   .filter(number=number).first())
    if certificate is None:
        return Verification(UNKNOWN, reason="not_found")
    if not signature_holds(certificate):
        return Verification(UNKNOWN, certificate, reason="signature_mismatch")
    if certificate.revoked_at is not None:
        return Verification(REVOKED, certificate)
    today = today or timezone.localdate()
    if certificate.valid_until is not None and certificate.valid_until < today:
        return Verification(EXPIRED, certificate)
    return Verification(VALID, certificate)


def certificate_for_download(viewer: Any, number: str) -> Certificate | None:
    """The certificate ``viewer`` may download as a PDF, else None (shown as a 404):
    its holder, the centre's staff, or a reviewer of the issuing department."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    number = (number or "").strip().upper()[:64]
    certificate = (Certificate.objects
                   .select_related("key", "certificate_type", "department", "holder")
                   .filter(number=number).first())
    if certificate is None:
        return None
    if certificate.holder_id == viewer.pk:
        return certificate
    if viewer.role in {Role.CLERK, Role.MANAGER, Role.ADMIN}:
        return certificate
    if viewer.role == Role.REVIEWER and viewer.department_id == certificate.department_id:
        return certificate
    return None


def _valid_for(user: Any, today: dt.date | None = None) -> QuerySet[Certificate]:
    """The user's certificates that are not revoked and not expired today."""
    if user is None or getattr(user, "pk", None) is None:
        return Certificate.objects.none()
    today = today or timezone.localdate()
    return (Certificate.objects.filter(holder=user, revoked_at__isnull=True)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)))


def held_certificate_types(user: Any, *, today: dt.date | None = None) -> frozenset[str]:
    """The certificate types ``user`` holds a valid certificate of (for 免提交)."""
    return frozenset(_valid_for(user, today).values_list("certificate_type__key", flat=True))


def held_certificates(user: Any, types: Collection[str], *,
                      today: dt.date | None = None) -> dict[str, Certificate]:
    """Type key -> the newest valid certificate of that type ``user`` holds."""
    held: dict[str, Certificate] = {}
    for certificate in (_valid_for(user, today).filter(certificate_type__key__in=list(types))
                        .select_related("certificate_type").order_by("-issued_at", "-id")):
        held.setdefault(certificate.certificate_type.key, certificate)
    return held


def issued_to_holder_since(holder: Any, *, bundle_slug: str, since: dt.datetime) -> int:
    """How many certificates ``holder`` got from applications of ``bundle_slug`` since
    ``since`` (the kiosk's yearly limit of a certificate, e.g. 无犯罪记录证明)."""
    return Certificate.objects.filter(holder=holder, case__application__bundle__slug=bundle_slug,
                                      issued_at__gte=since).count()


def issued_for_case(viewer: Any, case: Any) -> Certificate | None:
    """The certificate ``case`` issued, when ``viewer`` holds it; None otherwise."""
    if case is None or getattr(viewer, "pk", None) is None:
        return None
    return Certificate.objects.filter(case=case, holder=viewer).first()


def holdings_known(user: Any) -> bool:
    """Whether ``held_by_applicant`` answers for this user (a signed-in applicant) or
    only says nothing is known (anyone else)."""
    return bool(getattr(user, "is_authenticated", False)
                and getattr(user, "is_applicant", False))


def held_by_applicant(user: Any) -> dict[str, Certificate]:
    """What a signed-in applicant holds, by type (免提交); nothing for anyone else."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_applicant", False):
        return {}
    return held_certificates(user, held_certificate_types(user))


HIDDEN_DETAILS = frozenset({"note"})
# Generic result keys; the rest are named by the automatic checks or the field dictionary.
_DETAIL_LABELS = {"note": "审批意见", "number": "编号", "valid_until": "有效期至"}
# The labels above and onething.domain.instant.RESULT_LABELS, marked for makemessages:
# shown in the page's language (field-dictionary labels are catalogue data, Chinese).
_LABEL_MSGIDS = (gettext_noop("审批意见"), gettext_noop("编号"), gettext_noop("有效期至"),
                 gettext_noop("查询结果"), gettext_noop("证明用途"), gettext_noop("参保缴费情况"),
                 gettext_noop("最长缴费月数"))


def detail_rows(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for a certificate's certified details, in Chinese."""
    from onething.catalog.models import FieldDefinition
    from onething.domain.instant import RESULT_LABELS

    # the reviewer's internal comment never shows (older certificates signed it in)
    details = {k: v for k, v in details.items() if k not in HIDDEN_DETAILS}
    labels = {**_DETAIL_LABELS, **RESULT_LABELS}
    unknown = [k for k in details if k not in labels]
    if unknown:
        labels.update(FieldDefinition.objects.filter(key__in=unknown)
                      .values_list("key", "label"))
    translated = {k: gettext(v) for k, v in labels.items()
                  if k in _DETAIL_LABELS or k in RESULT_LABELS}
    return [(translated.get(k) or labels.get(k, k), str(v)) for k, v in details.items()]


def parse_time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
