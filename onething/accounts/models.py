"""People who use onething: applicants (persons and companies) and staff.

One user table with a role. Applicants sign in with mobile number + one-time
code; staff with username + password (argon2). A reviewer is bound to one
department and sees only its cases. Staff are managed (created, changed, disabled,
given a temporary password) through ``onething.accounts.staff``; a staff account is
disabled (``is_active`` off), never deleted.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from onething.accounts.choices import (  # noqa: F401  (imported from here too)
    STAFF_ROLE_VALUES,
    ApplicantKind,
    Role,
    TokenScope,
)
from onething.domain.identity import EVIDENCE_LABELS, LEVEL_LABELS, AssuranceLevel, level_label
from onething.domain.validators import mask_id_number, mask_mobile

LEVEL_CHOICES = [(int(level), f"L{int(level)} {LEVEL_LABELS[level]}") for level in AssuranceLevel]
EVIDENCE_CHOICES = list(EVIDENCE_LABELS.items())


class UserManager(DjangoUserManager):
    """Accounts created with Django's own paths (``createsuperuser``, ``create_user(...,
    is_staff=True)``) get a staff role: a staff flag on an applicant is refused by the
    ``staff_flags_need_staff_role`` constraint."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)

    def create_user(self, username, email=None, password=None, **extra_fields):
        if extra_fields.get("is_superuser"):
            extra_fields.setdefault("role", Role.ADMIN)
        elif extra_fields.get("is_staff"):
            extra_fields.setdefault("role", Role.MANAGER)
        return super().create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.APPLICANT)
    department = models.ForeignKey("catalog.Department", models.PROTECT, null=True, blank=True,
                                   verbose_name="所属部门", related_name="staff")
    mobile = models.CharField("手机号码", max_length=11, blank=True, db_index=True)
    applicant_kind = models.CharField("申请人类型", max_length=10, choices=ApplicantKind.choices,
                                      blank=True)
    real_name = models.CharField("姓名", max_length=100, blank=True)
    id_number = models.CharField("居民身份证号码", max_length=18, blank=True)
    company_name = models.CharField("企业名称", max_length=200, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    representative_name = models.CharField("经办人（授权代表）姓名", max_length=100, blank=True)
    representative_id_number = models.CharField("经办人身份证号码", max_length=18, blank=True)
    # Remembered for the user (and, by cookie, for the device): see core/preferences.py.
    language = models.CharField("界面语言", max_length=10, blank=True)
    elder_mode = models.BooleanField("适老化模式", default=False)
    # 实名认证等级 (onething.domain.identity): the level, how and when it was reached,
    # and the clerk who saw the original ID (L3 at a window).
    assurance_level = models.PositiveSmallIntegerField("实名认证等级", choices=LEVEL_CHOICES,
                                                       default=AssuranceLevel.L1)
    assurance_evidence = models.CharField("认证依据", max_length=30, blank=True,
                                          choices=EVIDENCE_CHOICES)
    assurance_at = models.DateTimeField("认证时间", null=True, blank=True)
    assurance_by = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name="现场核验人")
    # Staff: a temporary password (new account, reset) must be replaced at the next
    # sign-in before anything else opens (workbench/security.py).
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    # Raised to end every session of the account at once (disabled, password reset):
    # it is part of the session hash (see ``_get_session_auth_hash``).
    session_epoch = models.PositiveIntegerField("会话代次", default=0)

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=models.Q(role="applicant"),
                                    name="one_applicant_per_mobile"),
            # One resident ID number belongs to at most one verified person account,
            # one company (USCC) to at most one verified company account.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=models.Q(role="applicant", applicant_kind="person",
                                   assurance_level__gte=2) & ~models.Q(id_number=""),
                name="one_verified_account_per_id_number"),
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(role="applicant", applicant_kind="company",
                                   assurance_level__gte=2) & ~models.Q(uscc=""),
                name="one_verified_account_per_uscc"),
            models.CheckConstraint(
                condition=~models.Q(role="reviewer") | models.Q(department__isnull=False),
                name="reviewer_has_department"),
            # The admin site and the workbench are for staff roles only.
            models.CheckConstraint(
                condition=(models.Q(is_staff=False, is_superuser=False)
                           | models.Q(role__in=STAFF_ROLE_VALUES)),
                name="staff_flags_need_staff_role"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.applicant_kind == ApplicantKind.COMPANY and self.company_name:
            return self.company_name
        return self.real_name or self.get_full_name() or self.username

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile) if self.mobile else ""

    @property
    def assurance_label(self) -> str:
        return level_label(self.assurance_level)

    @property
    def identity_id_number(self) -> str:
        """The resident ID number whose holder this account is (the representative's
        for a company account)."""
        return self.id_number or self.representative_id_number

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLE_VALUES

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's session hash (the password's), with the session epoch mixed in once it
        is raised: a session signed in before the epoch changed no longer matches and
        ends at its next request. Epoch 0 keeps Django's own value, so existing sessions
        survive the upgrade."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "onething.accounts.models.User.session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.session_epoch}", secret=secret,
                           algorithm="sha256").hexdigest()

    @property
    def signs_in_as_staff(self) -> bool:
        """Password sign-in with the staff rules (second factor, short sessions)."""
        return self.is_staff_member or self.is_staff or self.is_superuser


class IdentityCheck(models.Model):
    """One identity check of an account and its outcome (append-only history).

    Every change of ``User.assurance_level`` writes one; refusals (no match,
    ID already verified on another account) are kept too.
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="identity_checks",
                             verbose_name="账户")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name="操作人")
    evidence = models.CharField("依据", max_length=30, choices=EVIDENCE_CHOICES)
    source = models.CharField("核验来源", max_length=100, blank=True)
    outcome = models.CharField("结果代码", max_length=30)
    level_before = models.PositiveSmallIntegerField("原等级", choices=LEVEL_CHOICES)
    level_after = models.PositiveSmallIntegerField("新等级", choices=LEVEL_CHOICES)
    reason = models.CharField("说明", max_length=500, blank=True)
    data = models.JSONField("详情（已脱敏）", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "实名核验记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} L{self.level_before}→L{self.level_after} {self.outcome}"


class LoginCode(models.Model):
    """A one-time sign-in code sent by SMS. Only its hash is stored.

    A code is asked for by a mobile number (portal) or an ID number (kiosk); ``subject``
    is a keyed hash of that identifier. Identifiers of no account get a row too (with a
    code nobody receives), so that every answer is the same for them (no account probing).
    ``attempts`` counts every try, right or wrong: the fifth is the last.
    """

    subject = models.CharField(max_length=64, db_index=True, default="")
    mobile = models.CharField("手机号码", max_length=11, blank=True)  # where the SMS went
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信验证码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{mask_mobile(self.mobile) or '-'} {self.created_at:%Y-%m-%d %H:%M}"


class RateLimitHit(models.Model):
    """One counted request for a rate limit (see accounts/ratelimit.py). Rows live in the
    database, so every web node counts the same; ``key`` is a keyed hash of the number or
    client address, never the value itself."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "登录频率记录"
        indexes = [models.Index(fields=["scope", "key", "at"], name="ratelimit_lookup"),
                   models.Index(fields=["at"], name="ratelimit_age")]

    def __str__(self) -> str:
        return f"{self.scope} {self.at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A REST API token; only its SHA-256 is stored.

    ``scopes`` (space-separated :class:`TokenScope` values) bound what the token may do
    on top of the user's role: read = GET endpoints, submit = writes as the applicant,
    staff = writes as staff on cases. A token stops working at ``expires_at`` or when
    revoked.
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name="用户")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField("说明", max_length=100, blank=True)
    scopes = models.CharField("权限范围", max_length=100)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} {self.label}".strip()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
