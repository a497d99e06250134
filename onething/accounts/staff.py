"""Staff management (工作人员管理): one service function per change of a staff account.

Used by the workbench's staff pages (managers) and ``onething staff`` (the operator);
nothing else adds, changes, disables or enables staff or resets their passwords.

The rules (docs/hall.md, "Staff"):

* Only centre managers (中心管理人员) and administrators (系统管理员) manage staff.
  ``actor=None`` is the operator at the command line, who may do everything.
* A manager cannot create an administrator, give anyone that role, or change, disable,
  enable or reset the password of an administrator: only an administrator can (so a
  manager cannot raise themselves, or anyone, to full rights).
* Nobody disables themselves or changes their own role (no one locks the centre out by
  a slip); one's own password is changed with ``change_password``, not reset.
* A new account and a password reset get a one-time temporary password: returned once
  to show the person who hands it over, stored only as a hash, and it must be changed at
  the next sign-in (``User.must_change_password``; workbench/security.py sends the
  person to the password page before anything else).
* Disabling ends the account's sessions at their next request (``User.session_epoch``
  is part of the session hash), revokes its API tokens and — through the
  ``staff_disabled`` signal — ends its open window shift (onething.hall).
* Every change is one audit event (``staff.*``) with the old and new values and the
  actor; the operator is recorded as ``命令行:<OS user>``.
"""

from __future__ import annotations

import getpass
import re
import secrets
from typing import Any

from axes.utils import reset as reset_lockout
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from onething.accounts.models import STAFF_ROLE_VALUES, ApiToken, Role, User
from onething.audit.services import record_audit

MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
# Staff who may be given windows and work shifts at them (onething.hall).
WINDOW_STAFF_ROLES = frozenset({Role.CLERK, Role.ASSISTANT, Role.MANAGER})

# Sent inside the disabling transaction: sender=User, member=the account, actor=who.
staff_disabled = Signal()

# No 0/O, 1/l/I: the temporary password is read out or written on paper.
TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$")
_APPLICANT_USERNAME = re.compile(r"^m\d{11}$")  # applicants are m<mobile> (services.py)


class StaffDenied(PermissionError):
    """The actor may not make this change (a 403 in the workbench)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class StaffError(ValueError):
    """Input that cannot be taken; ``errors`` maps a field to a "中文 (English)" message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("；".join(errors.values()))


NOT_A_MANAGER = StaffDenied("not_manager", "只有中心管理人员和系统管理员可以管理工作人员 "
                            "(only centre managers and administrators manage staff)")


def temporary_password() -> str:
    """12 random characters in three groups (about 70 bits), e.g. ``Hq7k-Mx3p-2Wfa``."""
    raw = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def operator_label() -> str:
    try:
        who = getpass.getuser()
    except Exception:  # no login name in a container: still say it was the command line
        who = "?"
    return f"命令行:{who}"


def may_manage_staff(actor: User | None) -> bool:
    return actor is None or (actor.is_active and actor.role in MANAGING_ROLES)


def _check_actor(actor: User | None) -> None:
    if not may_manage_staff(actor):
        raise NOT_A_MANAGER


def check_may_change(actor: User | None, member: User) -> None:
    if not member.is_staff_member:
        raise StaffDenied("not_staff", "该账号不是工作人员 (this account is not staff)")
    if actor is not None and actor.role == Role.MANAGER and member.role == Role.ADMIN:
        raise StaffDenied("admin_protected", "中心管理人员不能修改系统管理员账号 "
                          "(a centre manager cannot change an administrator's account)")


def _check_role(actor: User | None, role: str) -> None:
    if role not in STAFF_ROLE_VALUES:
        raise StaffError({"role": f"请选择工作人员角色 (choose a staff role): {role}"})
    if actor is not None and actor.role == Role.MANAGER and role == Role.ADMIN:
        raise StaffDenied("admin_role", "中心管理人员不能设置系统管理员 "
                          "(a centre manager cannot make anyone an administrator)")


def _clean_details(*, real_name: str, role: str, department: Any, email: str) -> dict[str, Any]:
    errors: dict[str, str] = {}
    real_name = (real_name or "").strip()
    if not real_name or len(real_name) > 100:
        errors["real_name"] = "请填写姓名（不超过100字） (name required, at most 100 characters)"
    if role == Role.REVIEWER and department is None:
        errors["department"] = "部门审批人员必须属于一个部门 (a reviewer needs a department)"
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 254 or " " in email):
        errors["email"] = "电子邮箱格式不正确 (not an e-mail address)"
    if errors:
        raise StaffError(errors)
    return {"real_name": real_name, "role": role, "department": department, "email": email,
            "is_staff": role in MANAGING_ROLES, "is_superuser": role == Role.ADMIN}


def _audit(kind: str, *, actor: User | None, member: User, details: dict[str, Any]) -> None:
    record_audit(kind, actor=actor, subject=member,
                 actor_label="" if actor is not None else operator_label(),
                 details={"username": member.username, **details})


def _department_code(department: Any) -> str:
    return getattr(department, "code", "") or ""


@transaction.atomic
def add_staff(*, actor: User | None, username: str, real_name: str, role: str,
              department: Any = None, email: str = "") -> tuple[User, str]:
    """A new staff account and its one-time temporary password (to be changed at the
    first sign-in)."""
    _check_actor(actor)
    _check_role(actor, role)
    username = (username or "").strip()
    errors: dict[str, str] = {}
    if not _USERNAME.match(username):
        errors["username"] = ("用户名为3至40个字母、数字或 . _ -，以字母或数字开头 (username: 3–40 "
                              "letters, digits, . _ -, starting with a letter or digit)")
    elif _APPLICANT_USERNAME.match(username):
        errors["username"] = ("“m+手机号码”形式的用户名留给申请人 (usernames like m<mobile> are "
                              "kept for applicants)")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = "该用户名已被使用 (username already taken)"
    try:
        fields = _clean_details(real_name=real_name, role=role, department=department,
                                email=email)
    except StaffError as exc:
        errors.update(exc.errors)
    if errors:
        raise StaffError(errors)
    password = temporary_password()
    member = User(username=username, must_change_password=True, **fields)
    member.set_password(password)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:  # the same username added at the same moment
        raise StaffError({"username": "该用户名已被使用 (username already taken)"}) from exc
    _audit("staff.created", actor=actor, member=member,
           details={"role": role, "department": _department_code(department)})
    return member, password


def _locked(member: User) -> User:
    return User.objects.select_for_update().get(pk=member.pk)


@transaction.atomic
def update_staff(member: User, *, actor: User | None, real_name: str, role: str,
                 department: Any = None, email: str = "") -> User:
    """Change a staff member's name, role, department or e-mail; returns the account.
    Nothing changed, nothing recorded."""
    _check_actor(actor)
    member = _locked(member)
    check_may_change(actor, member)
    _check_role(actor, role)
    if actor is not None and actor.pk == member.pk and role != member.role:
        raise StaffDenied("own_role", "不能修改自己的角色 (you cannot change your own role)")
    fields = _clean_details(real_name=real_name, role=role, department=department,
                            email=email)
    changes: dict[str, list[str]] = {}
    for name, value in fields.items():
        old = getattr(member, name)
        if name == "department":
            if (old.pk if old else None) != (value.pk if value else None):
                changes[name] = [_department_code(old), _department_code(value)]
        elif old != value and name not in {"is_staff", "is_superuser"}:
            changes[name] = [old, value]
        setattr(member, name, value)
    if not changes:
        return member
    member.save(update_fields=[*fields])
    _audit("staff.updated", actor=actor, member=member, details={"changes": changes})
    return member


@transaction.atomic
def disable_staff(member: User, *, actor: User | None, reason: str = "") -> bool:
    """停用: the account can no longer sign in, its sessions end and its API tokens are
    revoked. False when it was disabled already."""
    _check_actor(actor)
    member = _locked(member)
    check_may_change(actor, member)
    if actor is not None and actor.pk == member.pk:
        raise StaffDenied("own_account", "不能停用自己的账号 (you cannot disable your own account)")
    if not member.is_active:
        return False
    member.is_active = False
    member.session_epoch += 1
    member.save(update_fields=["is_active", "session_epoch"])
    revoked = ApiToken.objects.filter(user=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    _audit("staff.disabled", actor=actor, member=member,
           details={"reason": (reason or "").strip()[:200], "tokens_revoked": revoked})
    staff_disabled.send(sender=User, member=member, actor=actor)
    return True


@transaction.atomic
def enable_staff(member: User, *, actor: User | None) -> bool:
    """启用 again (sessions and tokens ended at disabling stay ended). False when the
    account was active already."""
    _check_actor(actor)
    member = _locked(member)
    check_may_change(actor, member)
    if member.is_active:
        return False
    member.is_active = True
    member.save(update_fields=["is_active"])
    _audit("staff.enabled", actor=actor, member=member, details={})
    return True


@transaction.atomic
def reset_staff_password(member: User, *, actor: User | None) -> str:
    """A new one-time temporary password for someone else, to be changed at the next
    sign-in. The old password stops working and the account's sessions end; a lockout
    of the username (django-axes) is lifted."""
    _check_actor(actor)
    member = _locked(member)
    check_may_change(actor, member)
    if actor is not None and actor.pk == member.pk:
        raise StaffDenied("own_password", "请在“修改密码”页面修改自己的密码 "
                          "(change your own password on the password page)")
    password = temporary_password()
    member.set_password(password)
    member.must_change_password = True
    member.session_epoch += 1
    member.save(update_fields=["password", "must_change_password", "session_epoch"])
    reset_lockout(username=member.username)
    _audit("staff.password_reset", actor=actor, member=member, details={})
    return password


def _password_problem(error: ValidationError) -> str:
    """A password rule's refusal as "中文 (English)" (Django's own messages come in one
    language, and not every version's catalogue has them all)."""
    if error.code == "password_too_short":
        length = next((v.min_length for v in get_default_password_validators()
                       if hasattr(v, "min_length")), 8)
        return f"新密码至少{length}个字符 (at least {length} characters)"
    known = {
        "password_too_common": "新密码过于常见，容易被猜出 (too common: easy to guess)",
        "password_entirely_numeric": "新密码不能全是数字 (not only digits)",
        "password_too_similar": "新密码与用户名、姓名或邮箱过于相近 "
                                "(too similar to the username, name or e-mail)",
    }
    return known.get(error.code or "", " ".join(error.messages))


def change_password(user: User, *, current: str, new: str, again: str) -> User:
    """A staff member replaces their own password (forced after a temporary one). The new
    one must differ from the current one and pass the password rules
    (AUTH_PASSWORD_VALIDATORS); the caller keeps the session (update_session_auth_hash)."""
    errors: dict[str, str] = {}
    if not user.check_password(current or ""):
        errors["current"] = "当前密码不正确 (the current password is wrong)"
    if not new:
        errors["new"] = "请填写新密码 (enter a new password)"
    elif new != again:
        errors["again"] = "两次输入的新密码不一致 (the two new passwords differ)"
    elif new == current:
        errors["new"] = ("新密码不能与当前密码相同 "
                         "(the new password must differ from the current one)")
    else:
        try:
            validate_password(new, user)
        except ValidationError as exc:
            errors["new"] = " ".join(_password_problem(e) for e in exc.error_list)
    if errors:
        raise StaffError(errors)
    with transaction.atomic():
        user = _locked(user)
        user.set_password(new)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        record_audit("staff.password_changed", actor=user, subject=user,
                     details={"username": user.username})
    return user
