"""``onething staff``: the operator's way to add, list, disable, enable staff and reset
passwords, with full rights (an administrator too), every change audited."""

from __future__ import annotations

import getpass
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from onething.accounts.models import Role, User
from onething.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def staff(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("staff", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_add_prints_the_temporary_password_once_and_audits_the_operator(demo):
    out, err = staff("add", "ops-root", "--role", "admin", "--name", "运维管理员")
    password = out.strip()
    assert len(password) == 14 and "临时密码（只显示这一次，首次登录须修改）" in err
    member = User.objects.get(username="ops-root")
    assert (member.role, member.is_superuser, member.must_change_password) == (
        Role.ADMIN, True, True)
    assert member.check_password(password)
    entry = AuditEntry.objects.get(kind="staff.created")
    assert entry.actor_id is None and entry.actor_label == f"命令行:{getpass.getuser()}"
    assert entry.details == {"username": "ops-root", "role": "admin", "department": ""}


def test_add_a_reviewer_needs_a_known_department(demo):
    with pytest.raises(CommandError, match="没有部门 dc-nowhere"):
        staff("add", "r-x", "--role", "reviewer", "--name", "审批员", "--department",
              "dc-nowhere")
    with pytest.raises(CommandError, match="部门审批人员必须属于一个部门"):
        staff("add", "r-x", "--role", "reviewer", "--name", "审批员")
    staff("add", "r-x", "--role", "reviewer", "--name", "审批员", "--department", "dc-tax")
    assert User.objects.get(username="r-x").department.code == "dc-tax"


def test_list_disable_enable_and_reset(demo):
    User.objects.filter(username="demo-assistant").update(
        last_login=timezone.make_aware(timezone.datetime(2026, 5, 6, 8, 30)))
    out, _ = staff("list", "--role", "assistant")
    assert out.splitlines() == [
        "username\tname\trole\tdepartment\tstatus\tlast_login",
        "demo-assistant\t孙帮办\tassistant\t-\tactive\t2026-05-06 08:30"]
    out, _ = staff("disable", "demo-assistant", "--reason", "离职")
    assert out.strip() == "已停用 demo-assistant (disabled)"
    assert staff("disable", "demo-assistant")[0].strip() == (
        "demo-assistant 已是停用状态 (already disabled)")
    assert staff("list", "--role", "assistant")[0].splitlines()[1:] == []
    assert staff("list", "--role", "assistant", "--all")[0].splitlines()[1].endswith(
        "\tdisabled\t2026-05-06 08:30")
    assert staff("enable", "demo-assistant")[0].strip() == "已启用 demo-assistant (enabled)"
    password = staff("reset-password", "demo-assistant")[0].strip()
    member = User.objects.get(username="demo-assistant")
    assert member.check_password(password) and member.must_change_password
    assert staff("list", "--role", "assistant")[0].splitlines()[1].split("\t")[4] == (
        "active,temporary-password")
    kinds = list(AuditEntry.objects.order_by("id").values_list("kind", "details"))
    assert kinds == [
        ("staff.disabled", {"username": "demo-assistant", "reason": "离职",
                            "tokens_revoked": 0}),
        ("staff.enabled", {"username": "demo-assistant"}),
        ("staff.password_reset", {"username": "demo-assistant"}),
    ]


def test_unknown_and_applicant_usernames_are_refused(demo):
    with pytest.raises(CommandError, match="没有工作人员 nobody"):
        staff("disable", "nobody")
    with pytest.raises(CommandError, match="没有工作人员 demo-applicant"):
        staff("reset-password", "demo-applicant")
    with pytest.raises(CommandError, match="该用户名已被使用"):
        staff("add", "demo-clerk", "--role", "clerk", "--name", "重名")
