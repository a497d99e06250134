"""The accounts' vocabulary: roles, kinds of applicant, API token scopes.

Stored in the models' fields and named by every front end; kept apart from the models
so that a UI app can name a role without importing another app's models (the contract
"UI apps ... never other apps' models", docs/architecture.md). ``accounts.models``
imports them, so code below the UI may keep importing them from there.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    CLERK = "clerk", "窗口工作人员"
    REVIEWER = "reviewer", "部门审批人员"
    ASSISTANT = "assistant", "帮办代办员"
    MANAGER = "manager", "政务服务中心管理人员"
    ADMIN = "admin", "系统管理员"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "个人"
    COMPANY = "company", "企业"


STAFF_ROLE_VALUES = ("clerk", "reviewer", "assistant", "manager", "admin")


class TokenScope(models.TextChoices):
    READ = "read", "读取 (read)"
    SUBMIT = "submit", "申请人提交 (submit)"
    STAFF = "staff", "工作人员办理 (staff)"
