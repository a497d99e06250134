"""People who use onething: applicants (persons and companies) and staff.

One user table with a role. Applicants sign in with mobile number + one-time
code; staff with username + password (argon2). A reviewer is bound to one
department and sees only its cases.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

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

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=models.Q(role="applicant"),
                                    name="one_applicant_per_mobile"),
            models.CheckConstraint(
                condition=~models.Q(role="reviewer") | models.Q(department__isnull=False),
                name="reviewer_has_department"),
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


class LoginCode(models.Model):
    """A one-time sign-in code sent by SMS. Only its hash is stored."""

    mobile = models.CharField("手机号码", max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信验证码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A REST API token; only its SHA-256 is stored."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name="用户")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} {self.label}".strip()
