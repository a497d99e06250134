"""Writes for accounts: registering applicants and staff, sign-in codes, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onething.accounts import ratelimit
from onething.accounts.models import (
    STAFF_ROLE_VALUES,
    ApiToken,
    ApplicantKind,
    LoginCode,
    Role,
    TokenScope,
    User,
)
from onething.core.dbclock import db_now
from onething.domain.validators import (
    ValidationProblem,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from onething.notifications.backends import sms_backend
from onething.notifications.services import signature

log = logging.getLogger("onething.accounts")

CODE_TTL = dt.timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5  # tries per code, right or wrong


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
    """A staff account with a known password, for tests and fixtures. People add staff
    with ``onething.accounts.staff.add_staff`` (checked, audited, temporary password)."""
    if role not in STAFF_ROLE_VALUES:
        raise AccountError("role", f"不是工作人员角色 (not a staff role): {role}")
    if role == Role.REVIEWER and department is None:
        raise AccountError("department", "审批人员必须属于一个部门 (a reviewer needs a department)")
    user = User(username=username, role=role, department=department, real_name=real_name,
                is_staff=role in {Role.MANAGER, Role.ADMIN},
                is_superuser=role == Role.ADMIN)
    user.set_password(password)
    user.save()
    return user


# -- sign-in codes ---------------------------------------------------------------------


@dataclass(frozen=True)
class CodeRequest:
    """What asking for a code did. The same for identifiers with and without an account.

    ``fresh``: a new code was made just now; otherwise the one sent ``resend_after``
    seconds ago is still valid and a new one may be asked for after that many seconds.
    """

    fresh: bool
    resend_after: int


def _subject(kind: str, value: str) -> str:
    return ratelimit.keyed(f"login:{kind}:{value}")


def _seconds(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _too_many(exc: ratelimit.RateLimited, field: str) -> AccountError:
    if exc.retry_after < 120:
        wait, unit_zh, unit_en = exc.retry_after, "秒", "s"
    else:
        wait, unit_zh, unit_en = math.ceil(exc.retry_after / 60), "分钟", "min"
    return AccountError("rate_limited",
                        f"请求过于频繁，请在{wait}{unit_zh}后再试 "
                        f"(too many requests; try again in {wait} {unit_en})", field)


def _issue_code(subject: str, mobile: str, *, client: str, field: str) -> CodeRequest:
    """Make a code for ``subject`` and text it to ``mobile`` (nobody when blank).

    An unused code younger than ONETHING_LOGIN_CODE_RESEND_SECONDS is not replaced: the
    person types the one they have. A used, burned or expired code does not hold a new
    one back (a resident back at the kiosk for a second task gets a fresh code at once).
    Requests that make a code count against the per-client and per-identifier limits.
    """
    now = db_now()  # the database clock: every node judges a code the same way
    resend = dt.timedelta(seconds=settings.ONETHING_LOGIN_CODE_RESEND_SECONDS)
    pending = (LoginCode.objects
               .filter(subject=subject, used_at__isnull=True, expires_at__gt=now,
                       attempts__lt=CODE_MAX_ATTEMPTS, created_at__gt=now - resend)
               .order_by("-created_at").first())
    if pending is not None:
        return CodeRequest(fresh=False, resend_after=_seconds(pending.created_at + resend - now))
    try:
        ratelimit.hit("code-client", client, [
            ratelimit.Limit(settings.ONETHING_LOGIN_CODES_PER_CLIENT_HOUR, ratelimit.HOUR)])
        ratelimit.hit("code-number", subject, [
            ratelimit.Limit(settings.ONETHING_LOGIN_CODES_PER_NUMBER_HOUR, ratelimit.HOUR),
            ratelimit.Limit(settings.ONETHING_LOGIN_CODES_PER_NUMBER_DAY, ratelimit.DAY)])
    except ratelimit.RateLimited as exc:
        raise _too_many(exc, field) from exc
    code = f"{secrets.randbelow(10**6):06d}"
    # Hashed for everybody, so that known and unknown identifiers take the same time.
    login = LoginCode.objects.create(subject=subject, mobile=mobile,
                                     code_hash=make_password(code), created_at=now,
                                     expires_at=now + CODE_TTL)
    if mobile:
        try:
            sms_backend().send(mobile, f"{signature()}您的登录验证码是 {code}，5分钟内有效。",
                               message_id=f"login:{subject[:16]}:{int(now.timestamp())}")
        except Exception as exc:  # the gateway is down or refused: say so, never a 500
            _sms_failed(login, exc, field)
    return CodeRequest(fresh=True, resend_after=_seconds(resend))


SMS_UNAVAILABLE = ("短信发送失败，验证码未能发出，请稍后再试；急需办理请到政务服务大厅窗口 "
                   "(the SMS could not be sent, so no code is on its way; please try again "
                   "in a few minutes, or visit a service hall window)")


def _sms_failed(login: LoginCode, exc: Exception, field: str) -> None:
    """The code never left: it is removed (asking again sends a new one at once rather
    than pointing at a code nobody got), the failure is logged as a WARNING at once and
    counted for the metrics endpoint, and the person is told."""
    from onething.core import counters

    login.delete()
    backend = settings.ONETHING_SMS_BACKEND
    log.warning("sign-in code SMS not sent via %s: %s: %s", backend, type(exc).__name__, exc)
    counters.increment("sign_in_sms_failures", backend=backend)
    raise AccountError("sms_unavailable", SMS_UNAVAILABLE, field) from exc


def request_login_code(mobile: str, *, client: str = "") -> CodeRequest:
    """Text a six-digit sign-in code to a registered applicant's mobile (portal).

    Unknown numbers get the same answer as known ones (no account probing).
    """
    mobile = _checked(validate_mobile, mobile, "mobile")
    known = User.objects.filter(role=Role.APPLICANT, mobile=mobile, is_active=True).exists()
    return _issue_code(_subject("mobile", mobile), mobile if known else "", client=client,
                       field="mobile")


def kiosk_person(id_number: str) -> User | None:
    """The account of this ID number: the verified one when there is one (an ID number
    may also sit on unverified accounts, see onething.accounts.identity)."""
    return (User.objects.filter(role=Role.APPLICANT, applicant_kind=ApplicantKind.PERSON,
                                id_number=id_number, is_active=True)
            .exclude(mobile="").order_by("-assurance_level", "-date_joined", "-pk").first())


def request_kiosk_code(id_number: str, *, client: str = "") -> CodeRequest:
    """Text a code to the mobile on file for a resident ID number (kiosk).

    An ID number of no account gets the same answer and a code nobody receives.
    """
    id_number = _checked(validate_id_number, id_number, "id_number")
    person = kiosk_person(id_number)
    return _issue_code(_subject("id", id_number), person.mobile if person else "",
                       client=client, field="id_number")


def _verify(subject: str, code: str, *, client: str, find_user) -> User:
    """Check a code; every try counts, committed before the answer (a wrong try is not
    rolled back with a failing request). At most CODE_MAX_ATTEMPTS tries per code, right
    or wrong: then the code is burned and a new one must be asked for."""
    try:
        ratelimit.hit("verify-client", client, [
            ratelimit.Limit(settings.ONETHING_LOGIN_VERIFY_PER_CLIENT_HOUR, ratelimit.HOUR)])
    except ratelimit.RateLimited as exc:
        raise _too_many(exc, "code") from exc
    now = db_now()
    wrong = AccountError("bad_code", "验证码错误或已过期 (wrong or expired code)", "code")
    login = (LoginCode.objects.filter(subject=subject, used_at__isnull=True, expires_at__gt=now)
             .order_by("-created_at").first())
    if login is None:
        raise wrong
    # Claim a try first: concurrent guesses cannot share one.
    with transaction.atomic(durable=True):
        claimed = (LoginCode.objects
                   .filter(pk=login.pk, used_at__isnull=True, attempts__lt=CODE_MAX_ATTEMPTS)
                   .update(attempts=F("attempts") + 1))
    if not claimed:
        raise AccountError("code_burned", "验证码错误次数过多，已失效，请重新获取 "
                           "(too many wrong tries: ask for a new code)", "code")
    if not check_password((code or "").strip(), login.code_hash):
        left = CODE_MAX_ATTEMPTS - login.attempts - 1
        if left <= 0:
            raise AccountError("code_burned", "验证码错误次数过多，已失效，请重新获取 "
                               "(too many wrong tries: ask for a new code)", "code")
        raise AccountError("bad_code", f"验证码错误，还可以再试{left}次 "
                           f"(wrong code; {left} tries left)", "code")
    user = find_user()
    with transaction.atomic(durable=True):
        used = LoginCode.objects.filter(pk=login.pk, used_at__isnull=True).update(used_at=now)
    if not used or user is None:
        raise wrong
    return user


def verify_login_code(mobile: str, code: str, *, client: str = "") -> User:
    mobile = _checked(validate_mobile, mobile, "mobile")
    return _verify(_subject("mobile", mobile), code, client=client, find_user=lambda: (
        User.objects.filter(role=Role.APPLICANT, mobile=mobile, is_active=True).first()))


def verify_kiosk_code(id_number: str, code: str, *, client: str = "") -> User:
    id_number = _checked(validate_id_number, id_number, "id_number")
    return _verify(_subject("id", id_number), code, client=client,
                   find_user=lambda: kiosk_person(id_number))


# -- API tokens -------------------------------------------------------------------------


class TokenRejected(Exception):
    """A bearer token that does not authenticate; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def default_scopes(user: User) -> list[str]:
    if user.is_staff_member:
        return [TokenScope.READ, TokenScope.STAFF]
    return [TokenScope.READ, TokenScope.SUBMIT]


def _checked_scopes(user: User, scopes: list[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(scopes)) if scopes else default_scopes(user)
    known = {s.value for s in TokenScope}
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise AccountError("scope", f"未知的权限范围 (unknown scope): {', '.join(unknown)}",
                           "scopes")
    if TokenScope.STAFF in chosen and not user.is_staff_member:
        raise AccountError("scope", "staff 权限范围仅限工作人员 (staff scope: staff only)",
                           "scopes")
    if TokenScope.SUBMIT in chosen and not user.is_applicant:
        raise AccountError("scope", "submit 权限范围仅限申请人 (submit scope: applicants only)",
                           "scopes")
    return [s.value for s in TokenScope if s.value in chosen]


def issue_api_token(user: User, *, label: str = "", scopes: list[str] | None = None,
                    expires_in: dt.timedelta | None = None) -> str:
    """Create a token; the raw value is shown once and only its hash is kept.

    Default lifetime ONETHING_API_TOKEN_DAYS (90 days); default scopes by role
    (applicant: read submit; staff: read staff)."""
    if not user.is_active:
        raise AccountError("inactive", "该用户已停用 (user is inactive)", "user")
    lifetime = expires_in or dt.timedelta(days=settings.ONETHING_API_TOKEN_DAYS)
    if lifetime <= dt.timedelta(0):
        raise AccountError("expires", "有效期必须大于零 (lifetime must be positive)", "expires")
    raw = "ot_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_token_hash(raw), label=label[:100],
                            scopes=" ".join(_checked_scopes(user, scopes)),
                            expires_at=timezone.now() + lifetime)
    return raw


def revoke_api_token(token: ApiToken, *, actor: User | None = None) -> bool:
    """Revoke a token at once; False when it was revoked already.

    ``actor`` None is the command line (the operator). Recorded in the audit trail."""
    revoked = bool(ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True)
                   .update(revoked_at=timezone.now()))
    if revoked:
        from onething.audit.services import record_audit

        record_audit("token.revoked", actor=actor, subject=token,
                     details={"user": token.user_id, "label": token.label})
    return revoked


LAST_USED_PRECISION = dt.timedelta(minutes=1)


def authenticate_token(raw: str) -> ApiToken:
    """The live token for a raw bearer value, with its user; TokenRejected otherwise."""
    digest = _token_hash((raw or "").strip())
    token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        raise TokenRejected("unauthorized",
                            "请提供有效的接口令牌 (missing or invalid bearer token)")
    if token.revoked_at is not None:
        raise TokenRejected("token_revoked", "接口令牌已被吊销 (the token has been revoked)")
    now = timezone.now()
    if token.expires_at <= now:
        raise TokenRejected("token_expired", "接口令牌已过期 (the token has expired)")
    if not token.user.is_active:
        raise TokenRejected("unauthorized",
                            "请提供有效的接口令牌 (missing or invalid bearer token)")
    # Written at most once a minute per token, not on every request.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def user_for_token(raw: str) -> User | None:
    try:
        return authenticate_token(raw).user
    except TokenRejected:
        return None


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

