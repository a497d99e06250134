"""People who use onething: applicants (persons and companies) and staff.

One user table with a role. Applicants sign in with mobile number + one-time
code; staff with username + password (argon2). A reviewer is bound to one
department and sees only its cases.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone

from onething.domain.validators import mask_id_number, mask_mobile


class Role(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    CLERK = "clerk", "窗口工作人员"
    REVIEWER = "reviewer", "部门审批人员"
    MANAGER = "manager", "政务服务中心管理人员"
    ADMIN = "admin", "系统管理员"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "个人"
    COMPANY = "company", "企业"


STAFF_ROLE_VALUES = ("clerk", "reviewer", "manager", "admin")


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

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=models.Q(role="applicant"),
                                    name="one_applicant_per_mobile"),
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
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_staff_member(self) -> bool:
        return self.role in {Role.CLERK, Role.REVIEWER, Role.MANAGER, Role.ADMIN}

    @property
    def signs_in_as_staff(self) -> bool:
        """Password sign-in with the staff rules (second factor, short sessions)."""
        return self.is_staff_member or self.is_staff or self.is_superuser


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


class TokenScope(models.TextChoices):
    READ = "read", "读取 (read)"
    SUBMIT = "submit", "申请人提交 (submit)"
    STAFF = "staff", "工作人员办理 (staff)"


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
