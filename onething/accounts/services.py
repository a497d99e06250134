"""Writes for accounts: registering applicants and staff, sign-in codes, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from onething.accounts.models import ApiToken, ApplicantKind, LoginCode, Role, User
from onething.domain.validators import (
    ValidationProblem,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from onething.notifications.backends import sms_backend

CODE_TTL = dt.timedelta(minutes=5)
CODE_RESEND_AFTER = dt.timedelta(seconds=60)
CODE_MAX_ATTEMPTS = 5


class AccountError(ValueError):
    def __init__(self, code: str, message: str, field: str = "") -> None:
        self.code = code
        self.field = field
        super().__init__(message)


def _checked(validator, value: str, field: str):
    try:
        return validator(value)
    except ValidationProblem as exc:
        raise AccountError(exc.code, exc.message, field) from exc


def _name(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 100:
        raise AccountError("name", "请填写姓名或名称（不超过100字） (name required)", field)
    return value


@transaction.atomic
def register_person(*, real_name: str, id_number: str, mobile: str, email: str = "") -> User:
    """A natural-person applicant; the mobile number is the sign-in name."""
    id_number = _checked(validate_id_number, id_number, "id_number")
    mobile = _checked(validate_mobile, mobile, "mobile")
    if User.objects.filter(role=Role.APPLICANT, mobile=mobile).exists():
        raise AccountError("mobile_taken", "该手机号码已注册 (mobile number already registered)",
                           "mobile")
    from onething.accounts.identity import ID_TAKEN, verify_online

    if User.objects.filter(role=Role.APPLICANT, applicant_kind=ApplicantKind.PERSON,
                           id_number=id_number, assurance_level__gte=2).exists():
        raise AccountError("id_taken", ID_TAKEN, "id_number")
    user = User(username=f"m{mobile}", role=Role.APPLICANT, mobile=mobile, email=email,
                applicant_kind=ApplicantKind.PERSON, real_name=_name(real_name, "real_name"),
                id_number=id_number, assurance_evidence="self-declared")
    user.set_unusable_password()
    user.save()
    verify_online(user)  # L2 when the real-name source agrees; L1 (self-declared) otherwise
    user.refresh_from_db()
    return user


@transaction.atomic
def register_company(*, company_name: str, uscc: str, representative_name: str,
                     representative_id_number: str, mobile: str, email: str = "") -> User:
    """A company applicant acting through an authorised representative (经办人)."""
    uscc = _checked(validate_uscc, uscc, "uscc")
    rep_id = _checked(validate_id_number, representative_id_number, "representative_id_number")
    mobile = _checked(validate_mobile, mobile, "mobile")
    if User.objects.filter(role=Role.APPLICANT, mobile=mobile).exists():
        raise AccountError("mobile_taken", "该手机号码已注册 (mobile number already registered)",
                           "mobile")
    from onething.accounts.identity import USCC_TAKEN, verify_online

    if User.objects.filter(role=Role.APPLICANT, applicant_kind=ApplicantKind.COMPANY,
                           uscc=uscc, assurance_level__gte=2).exists():
        raise AccountError("uscc_taken", USCC_TAKEN, "uscc")
    user = User(username=f"m{mobile}", role=Role.APPLICANT, mobile=mobile, email=email,
                applicant_kind=ApplicantKind.COMPANY,
                company_name=_name(company_name, "company_name"), uscc=uscc,
                representative_name=_name(representative_name, "representative_name"),
                real_name=representative_name.strip(), representative_id_number=rep_id,
                assurance_evidence="self-declared")
    user.set_unusable_password()
    user.save()
    verify_online(user)  # the enterprise register and the representative's identity
    user.refresh_from_db()
    return user


def create_staff(*, username: str, password: str, role: str, department=None,
                 real_name: str = "") -> User:
    if role not in {Role.CLERK, Role.REVIEWER, Role.MANAGER, Role.ADMIN}:
        raise AccountError("role", f"不是工作人员角色 (not a staff role): {role}")
    if role == Role.REVIEWER and department is None:
        raise AccountError("department", "审批人员必须属于一个部门 (a reviewer needs a department)")
    user = User(username=username, role=role, department=department, real_name=real_name,
                is_staff=role in {Role.MANAGER, Role.ADMIN},
                is_superuser=role == Role.ADMIN)
    user.set_password(password)
    user.save()
    return user


def request_login_code(mobile: str) -> None:
    """Send a six-digit sign-in code to a registered applicant's mobile.

    Unknown numbers get the same answer as known ones (no account probing).
    """
    mobile = _checked(validate_mobile, mobile, "mobile")
    now = timezone.now()
    recent = LoginCode.objects.filter(mobile=mobile, created_at__gt=now - CODE_RESEND_AFTER)
    if recent.exists():
        raise AccountError("too_soon", "验证码已发送，请60秒后再试 (wait 60 s before asking again)",
                           "mobile")
    if not User.objects.filter(role=Role.APPLICANT, mobile=mobile, is_active=True).exists():
        return
    code = f"{secrets.randbelow(10**6):06d}"
    LoginCode.objects.create(mobile=mobile, code_hash=make_password(code),
                             expires_at=now + CODE_TTL)
    sms_backend().send(mobile, f"【onething】您的登录验证码是 {code}，5分钟内有效。",
                       message_id=f"login:{mobile}:{int(now.timestamp())}")


@transaction.atomic
def verify_login_code(mobile: str, code: str) -> User:
    mobile = _checked(validate_mobile, mobile, "mobile")
    wrong = AccountError("bad_code", "验证码错误或已过期 (wrong or expired code)", "code")
    login = (LoginCode.objects.select_for_update()
             .filter(mobile=mobile, used_at__isnull=True, expires_at__gt=timezone.now())
             .order_by("-created_at").first())
    if login is None or login.attempts >= CODE_MAX_ATTEMPTS:
        raise wrong
    if not check_password((code or "").strip(), login.code_hash):
        login.attempts += 1
        login.save(update_fields=["attempts"])
        raise wrong
    login.used_at = timezone.now()
    login.save(update_fields=["used_at"])
    user = User.objects.filter(role=Role.APPLICANT, mobile=mobile, is_active=True).first()
    if user is None:
        raise wrong
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(user: User, *, label: str = "") -> str:
    """Create a token; the raw value is shown once and only its hash is kept."""
    raw = "ot_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_token_hash(raw), label=label)
    return raw


def user_for_token(raw: str) -> User | None:
    if not raw:
        return None
    digest = _token_hash(raw.strip())
    token = ApiToken.objects.select_related("user").filter(key_hash=digest,
                                                          revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    if not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


# Applicant data the platform already holds, by form field key (prefill).
PROFILE_FIELDS: dict[str, str] = {
    "applicant_name": "real_name",
    "applicant_id_number": "id_number",
    "applicant_mobile": "mobile",
    "company_name": "company_name",
    "uscc": "uscc",
    "legal_representative": "representative_name",
    "legal_representative_id_number": "representative_id_number",
}


def profile_data(user: User) -> dict[str, str]:
    """Form values known from the applicant's verified profile."""
    data = {}
    for field, attribute in PROFILE_FIELDS.items():
        value = getattr(user, attribute, "")
        if value:
            data[field] = value
    return data

