"""Demo accounts for a fresh install (`onething setup --demo`).

Their identities are verified against the demo registers by
``onething.registers.demo.verify_demo_identities`` (registers build on accounts).
"""

from __future__ import annotations

from django.db import transaction

from onething.accounts.models import ApplicantKind, Role, User
from onething.catalog.models import Department
from onething.domain.validators import id_check_character, uscc_check_character

DEMO_PASSWORD = "onething-demo"
# Staff accounts the demo creates besides one reviewer-<department code> per department.
DEMO_STAFF_USERNAMES = ("demo-clerk", "demo-assistant", "demo-manager", "demo-admin")


def _id(first17: str) -> str:
    return first17 + id_check_character(first17)


DEMO_APPLICANTS = [
    {"username": "demo-applicant", "mobile": "13800000001",
     "applicant_kind": ApplicantKind.PERSON, "real_name": "张小明",
     "id_number": _id("37140219900101123")},
    {"username": "demo-applicant-2", "mobile": "13800000002",
     "applicant_kind": ApplicantKind.COMPANY, "company_name": "德州市德城区甜心烘焙有限公司",
     "uscc": "91371402MA" + "0000001" + uscc_check_character("91371402MA0000001"),
     "representative_name": "李晓红", "real_name": "李晓红",
     "representative_id_number": _id("37140219851212002")},
]


def demo_usernames() -> set[str]:
    """Every username ``create_demo_accounts`` creates with the current departments."""
    reviewers = {f"reviewer-{code}" for code in Department.objects.values_list("code", flat=True)}
    return {spec["username"] for spec in DEMO_APPLICANTS} | set(DEMO_STAFF_USERNAMES) | reviewers


@transaction.atomic
def create_demo_accounts() -> list[str]:
    """Create (or reset) the demo accounts; return lines saying how to sign in."""
    lines = []
    for spec in DEMO_APPLICANTS:
        user, _ = User.objects.update_or_create(
            username=spec["username"], defaults={**spec, "role": Role.APPLICANT})
        user.set_unusable_password()
        user.save()
        lines.append(f"申请人 {user.username}（{user.display_name}）：在 /login/ 输入手机号 "
                     f"{user.mobile}，验证码见服务日志 (SMS code in the server log)")
    clerk = _staff("demo-clerk", Role.CLERK, None, "王窗口")
    lines.append(f"窗口人员 {clerk.username} / 密码 {DEMO_PASSWORD}：/workbench/")
    assistant = _staff("demo-assistant", Role.ASSISTANT, None, "孙帮办")
    lines.append(f"帮办代办员 {assistant.username} / 密码 {DEMO_PASSWORD}：/workbench/")
    manager = _staff("demo-manager", Role.MANAGER, None, "赵主任")
    lines.append(f"中心管理人员 {manager.username} / 密码 {DEMO_PASSWORD}")
    admin = _staff("demo-admin", Role.ADMIN, None, "系统管理员")
    lines.append(f"系统管理员 {admin.username} / 密码 {DEMO_PASSWORD}：/admin/")
    for department in Department.objects.order_by("code"):
        _staff(f"reviewer-{department.code}", Role.REVIEWER, department,
               f"{department.short_name or department.name}审批员")
    lines.append(f"各部门审批人员 reviewer-<部门代码>（如 reviewer-dc-samr）/ 密码 "
                 f"{DEMO_PASSWORD}：/workbench/")
    return lines


def _staff(username: str, role: str, department: Department | None, name: str) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={"role": role, "department": department, "real_name": name,
                  "is_staff": role in {Role.MANAGER, Role.ADMIN},
                  "is_superuser": role == Role.ADMIN, "is_active": True,
                  "must_change_password": False},
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user
