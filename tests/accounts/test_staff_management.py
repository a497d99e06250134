"""Staff management: managers add, change, disable, enable staff and reset passwords in the
workbench; the temporary password must be changed at the next sign-in; every change is
an audit event; what a manager may not do (escalate to administrator, touch an
administrator, disable or demote themselves) fails, and clerks and reviewers get 403."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from onething.accounts import staff
from onething.accounts.demo import DEMO_PASSWORD
from onething.accounts.models import Role, User
from onething.accounts.services import (
    TokenRejected,
    authenticate_token,
    create_staff,
    issue_api_token,
)
from onething.audit.models import AuditEntry
from tests.workbench.test_staff_signin import code_for, staff_login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kirschbaum-Lantern-42"
TEMPORARY = re.compile(r'<p class="wb-secret"[^>]*>([A-Za-z0-9-]{14})</p>')


@pytest.fixture
def admin(demo):
    return User.objects.get(username="demo-admin")


@pytest.fixture
def manager_client(demo):
    """The manager's own browser (``client`` is someone else's in the same test)."""
    manager = Client()
    manager.force_login(demo.manager)
    return manager


def signed_in(client) -> bool:
    """Whether the client's session signs someone in now (a disabled account's session
    key may linger, but signs nobody in)."""
    return client.get("/halls/").wsgi_request.user.is_authenticated


def audit(kind: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(kind=kind).order_by("id"))


def add_clerk(client, username="w-zhou", **extra):
    data = {"username": username, "real_name": "周窗口", "role": "clerk", "department": "",
            "email": "", **extra}
    return client.post("/workbench/staff/new/", data)


# -- adding, and the first sign-in ----------------------------------------------------------


def test_a_manager_adds_a_clerk_and_sees_the_temporary_password_once(manager_client, demo):
    response = add_clerk(manager_client)
    html = response.content.decode()
    assert response.status_code == 200
    password = TEMPORARY.search(html).group(1)
    assert "临时密码（只显示这一次，离开本页后无法再次查看）" in html
    member = User.objects.get(username="w-zhou")
    assert (member.role, member.real_name, member.is_staff, member.is_superuser,
            member.must_change_password, member.is_active) == (
        "clerk", "周窗口", False, False, True, True)
    assert member.check_password(password) and password not in member.password
    [entry] = audit("staff.created")
    assert (entry.actor_id, entry.subject_id, entry.details) == (
        demo.manager.pk, str(member.pk),
        {"username": "w-zhou", "role": "clerk", "department": ""})
    # The edit page does not show it again.
    assert password not in manager_client.get(f"/workbench/staff/{member.pk}/").content.decode()


def test_the_temporary_password_must_be_changed_before_anything_else(client, manager_client):
    password = TEMPORARY.search(add_clerk(manager_client).content.decode()).group(1)
    manager_client.logout()
    response = staff_login(client, "w-zhou", password)
    assert response.status_code == 302 and signed_in(client)
    for page in ("/workbench/", "/workbench/window/", "/workbench/shift/", "/admin/"):
        answer = client.get(page)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/workbench/password/?next=")
    form = client.get("/workbench/password/?next=/workbench/shift/").content.decode()
    assert "您正在使用临时密码登录。请先设置自己的新密码，之后才能使用工作台。" in form
    # The rules: the current password, twice the same, not the old one, not too weak.
    wrong = client.post("/workbench/password/", {"current": "nope", "new": NEW_PASSWORD,
                                                 "again": NEW_PASSWORD})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.content.decode()
    same = client.post("/workbench/password/", {"current": password, "new": password,
                                                "again": password})
    assert same.status_code == 400 and "新密码不能与当前密码相同" in same.content.decode()
    short = client.post("/workbench/password/", {"current": password, "new": "abc12",
                                                 "again": "abc12"})
    assert short.status_code == 400
    assert "新密码至少10个字符 (at least 10 characters)" in short.content.decode()
    differ = client.post("/workbench/password/", {"current": password, "new": NEW_PASSWORD,
                                                  "again": NEW_PASSWORD + "x"})
    assert differ.status_code == 400 and "两次输入的新密码不一致" in differ.content.decode()
    done = client.post("/workbench/password/", {"current": password, "new": NEW_PASSWORD,
                                                "again": NEW_PASSWORD,
                                                "next": "/workbench/shift/"})
    assert (done.status_code, done["Location"]) == (302, "/workbench/shift/")
    assert signed_in(client)  # the session survives its own password change
    assert client.get("/workbench/shift/").status_code == 200
    member = User.objects.get(username="w-zhou")
    assert not member.must_change_password and member.check_password(NEW_PASSWORD)
    assert [e.actor_id for e in audit("staff.password_changed")] == [member.pk]


def test_the_second_factor_comes_before_the_password_change(client, demo, settings):
    settings.ONETHING_STAFF_TOTP_REQUIRED = True
    member, password = staff.add_staff(actor=demo.manager, username="w-otp", real_name="吴",
                                       role=Role.CLERK)
    staff_login(client, "w-otp", password)
    assert client.get("/workbench/")["Location"].startswith("/workbench/otp/")
    client.get("/workbench/otp/")
    device = TOTPDevice.objects.get(user=member)
    client.post("/workbench/otp/", {"token": code_for(device)})
    assert client.get("/workbench/")["Location"].startswith("/workbench/password/")


def test_the_workbench_form_shows_errors_and_keeps_nothing(manager_client):
    response = add_clerk(manager_client, username="m13800000099")
    assert response.status_code == 400
    assert "“m+手机号码”形式的用户名留给申请人" in response.content.decode()
    nameless = add_clerk(manager_client, username="w-nameless", real_name="")
    assert nameless.status_code == 400
    assert '<a href="#id_real_name">姓名：这个字段是必填项。</a>' in nameless.content.decode()
    reviewer = add_clerk(manager_client, username="r-new", role="reviewer")
    assert reviewer.status_code == 400
    assert "部门审批人员必须属于一个部门" in reviewer.content.decode()
    taken = add_clerk(manager_client, username="DEMO-CLERK")
    assert taken.status_code == 400 and "该用户名已被使用" in taken.content.decode()
    assert not User.objects.filter(username__in=["m13800000099", "r-new", "w-nameless"]
                                   ).exists()
    assert audit("staff.created") == []


# -- the list ----------------------------------------------------------------------------------


def test_the_list_shows_role_department_window_status_and_last_sign_in(manager_client, demo):
    from django.utils import timezone

    User.objects.filter(pk=demo.samr.pk).update(
        last_login=timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 15)))
    staff.disable_staff(demo.health, actor=demo.manager)
    html = manager_client.get("/workbench/staff/").content.decode()
    row = re.search(rf'<tr>\s*<th scope="row" data-label="姓名">'
                    rf'<a href="/workbench/staff/{demo.samr.pk}/">.*?</tr>', html, re.S).group(0)
    assert "市场监管审批员" in row and "部门审批人员" in row and "市场监管" in row
    assert "2026年3月2日 09:15" in row and "在用" in row
    disabled = manager_client.get("/workbench/staff/?status=disabled").content.decode()
    assert "卫健审批员" in disabled and "已停用" in disabled and "市场监管审批员" not in disabled
    found = manager_client.get("/workbench/staff/?q=demo-ass").content.decode()
    assert "孙帮办" in found and "帮办代办员" in found and "共 1 人（已筛选）。" in found
    assert "张小明" not in manager_client.get("/workbench/staff/?q=张").content.decode()


# -- changing --------------------------------------------------------------------------------


def test_a_manager_changes_role_department_and_windows_with_one_audit_each(manager_client, demo):
    response = manager_client.post(f"/workbench/staff/{demo.clerk.pk}/", {
        "real_name": "王窗口", "role": "reviewer", "department": demo.samr.department_id,
        "email": "wang@example.org"})
    assert response.status_code == 302
    clerk = User.objects.get(pk=demo.clerk.pk)
    assert (clerk.role, clerk.department_id, clerk.email) == (
        "reviewer", demo.samr.department_id, "wang@example.org")
    [entry] = audit("staff.updated")
    assert entry.details == {"username": "demo-clerk", "changes": {
        "role": ["clerk", "reviewer"], "department": ["", "dc-samr"],
        "email": ["", "wang@example.org"]}}
    # Saving the same again records nothing.
    manager_client.post(f"/workbench/staff/{demo.clerk.pk}/", {
        "real_name": "王窗口", "role": "reviewer", "department": demo.samr.department_id,
        "email": "wang@example.org"})
    assert len(audit("staff.updated")) == 1


def test_making_a_manager_sets_the_admin_flags_and_back(demo, admin):
    member = staff.update_staff(demo.clerk, actor=admin, real_name="王窗口", role=Role.ADMIN)
    assert (member.is_staff, member.is_superuser) == (True, True)
    member = staff.update_staff(member, actor=admin, real_name="王窗口", role=Role.MANAGER)
    assert (member.is_staff, member.is_superuser) == (True, False)


# -- attacks ----------------------------------------------------------------------------------


def test_a_manager_cannot_create_an_administrator(manager_client, demo):
    web = add_clerk(manager_client, username="evil-admin", role="admin")
    assert web.status_code == 400  # not among the roles a manager may give
    with pytest.raises(staff.StaffDenied) as refused:
        staff.add_staff(actor=demo.manager, username="evil-admin", real_name="x",
                        role=Role.ADMIN)
    assert refused.value.code == "admin_role"
    assert not User.objects.filter(username="evil-admin").exists()


def test_a_manager_cannot_raise_anyone_or_themselves_to_administrator(manager_client, demo):
    for target in (demo.clerk, demo.manager):
        web = manager_client.post(f"/workbench/staff/{target.pk}/",
                                  {"real_name": "x", "role": "admin"})
        assert web.status_code == 400
        with pytest.raises(staff.StaffDenied):
            staff.update_staff(target, actor=demo.manager, real_name="x", role=Role.ADMIN)
    assert set(User.objects.filter(role=Role.ADMIN).values_list("username", flat=True)) == {
        "demo-admin"}
    assert not User.objects.filter(is_superuser=True).exclude(username="demo-admin").exists()


def test_a_manager_cannot_edit_disable_or_reset_an_administrator(manager_client, demo, admin):
    page = manager_client.get(f"/workbench/staff/{admin.pk}/").content.decode()
    assert "中心管理人员不能修改系统管理员的账号" in page and 'name="role"' not in page
    assert manager_client.post(f"/workbench/staff/{admin.pk}/",
                               {"real_name": "x", "role": "admin"}).status_code == 403
    assert manager_client.post(f"/workbench/staff/{admin.pk}/status/",
                               {"action": "disable"}).status_code == 403
    assert manager_client.post(f"/workbench/staff/{admin.pk}/reset-password/"
                               ).status_code == 403
    for change in (lambda: staff.update_staff(admin, actor=demo.manager, real_name="x",
                                              role=Role.CLERK),
                   lambda: staff.disable_staff(admin, actor=demo.manager),
                   lambda: staff.enable_staff(admin, actor=demo.manager),
                   lambda: staff.reset_staff_password(admin, actor=demo.manager)):
        with pytest.raises(staff.StaffDenied) as refused:
            change()
        assert refused.value.code == "admin_protected"
    admin.refresh_from_db()
    assert (admin.is_active, admin.real_name, admin.role) == (True, "系统管理员", "admin")
    assert admin.check_password(DEMO_PASSWORD)
    assert AuditEntry.objects.filter(kind__startswith="staff.").count() == 0


def test_nobody_disables_themselves_or_changes_their_own_role(client, demo, admin):
    for actor in (demo.manager, admin):
        client.force_login(actor)
        assert client.post(f"/workbench/staff/{actor.pk}/status/",
                           {"action": "disable"}).status_code == 403
        with pytest.raises(staff.StaffDenied) as refused:
            staff.disable_staff(actor, actor=actor)
        assert refused.value.code == "own_account"
        own_role = client.post(f"/workbench/staff/{actor.pk}/",
                               {"real_name": "x", "role": "clerk"})
        assert own_role.status_code == 403
        assert "不能修改自己的角色" in own_role.content.decode()
        with pytest.raises(staff.StaffDenied):
            staff.reset_staff_password(actor, actor=actor)
        actor.refresh_from_db()
        assert actor.is_active and actor.role in {"manager", "admin"}
    # Their own name, though, is theirs to fix.
    client.force_login(demo.manager)
    assert client.post(f"/workbench/staff/{demo.manager.pk}/",
                       {"real_name": "赵主任（中心）", "role": "manager"}).status_code == 302


@pytest.mark.parametrize("who", ["clerk", "samr", "applicant"])
def test_clerks_reviewers_and_applicants_cannot_manage_staff(client, demo, who):
    user = getattr(demo, who)
    client.force_login(user)
    expected = 403
    for method, url, data in [
        ("get", "/workbench/staff/", {}), ("get", "/workbench/staff/new/", {}),
        ("post", "/workbench/staff/new/", {"username": "x-new", "real_name": "x",
                                           "role": "admin"}),
        ("get", f"/workbench/staff/{demo.manager.pk}/", {}),
        ("post", f"/workbench/staff/{demo.manager.pk}/status/", {"action": "disable"}),
        ("post", f"/workbench/staff/{demo.manager.pk}/reset-password/", {}),
    ]:
        assert getattr(client, method)(url, data).status_code == expected, url
    with pytest.raises(staff.StaffDenied) as refused:
        staff.disable_staff(demo.manager, actor=user)
    assert refused.value.code == "not_manager"
    assert User.objects.get(pk=demo.manager.pk).is_active
    assert not User.objects.filter(username="x-new").exists()


def test_applicant_accounts_are_not_staff_to_manage(manager_client, demo):
    assert manager_client.get(f"/workbench/staff/{demo.applicant.pk}/").status_code == 404
    assert manager_client.post(f"/workbench/staff/{demo.applicant.pk}/status/",
                               {"action": "disable"}).status_code == 404
    with pytest.raises(staff.StaffDenied):
        staff.disable_staff(demo.applicant, actor=demo.manager)
    assert User.objects.get(pk=demo.applicant.pk).is_active


# -- disabling and enabling ------------------------------------------------------------------


def test_disabling_ends_sessions_and_tokens_and_sign_in(client, manager_client, demo):
    staff_login(client, "demo-clerk")
    assert client.get("/workbench/window/").status_code == 200
    raw = issue_api_token(demo.clerk, label="scanner")
    response = manager_client.post(f"/workbench/staff/{demo.clerk.pk}/status/",
                                   {"action": "disable", "reason": "调离"})
    assert response.status_code == 302
    assert client.get("/workbench/window/")["Location"].startswith("/workbench/login/")
    with pytest.raises(TokenRejected) as rejected:
        authenticate_token(raw)
    assert rejected.value.code == "token_revoked"
    refused = staff_login(client, "demo-clerk")
    assert refused.status_code == 200 and not signed_in(client)
    [entry] = audit("staff.disabled")
    assert entry.details == {"username": "demo-clerk", "reason": "调离", "tokens_revoked": 1}
    assert entry.actor_id == demo.manager.pk
    # Again: nothing more happens.
    assert staff.disable_staff(demo.clerk, actor=demo.manager) is False

    other = Client()
    staff_login(other, "demo-clerk")
    assert not signed_in(other)
    manager_client.post(f"/workbench/staff/{demo.clerk.pk}/status/", {"action": "enable"})
    assert [e.details for e in audit("staff.enabled")] == [{"username": "demo-clerk"}]
    # The old session and the token stay ended; signing in works again.
    assert client.get("/workbench/window/").status_code == 302
    with pytest.raises(TokenRejected):
        authenticate_token(raw)
    assert staff_login(other, "demo-clerk").status_code == 302 and signed_in(other)


def test_a_session_from_before_a_disable_and_enable_does_not_come_back(client, demo):
    staff_login(client, "demo-clerk")
    staff.disable_staff(demo.clerk, actor=demo.manager)
    staff.enable_staff(demo.clerk, actor=demo.manager)
    assert client.get("/workbench/window/").status_code == 302
    assert not signed_in(client)


# -- password reset ---------------------------------------------------------------------------


def test_a_reset_gives_a_new_temporary_password_and_ends_the_old_one(client, manager_client,
                                                                     demo):
    staff_login(client, "demo-clerk")
    AccessAttempt.objects.create(username="demo-clerk", ip_address="10.0.0.9",
                                 failures_since_start=5, user_agent="", get_data="",
                                 post_data="", http_accept="", path_info="/workbench/login/")
    response = manager_client.post(f"/workbench/staff/{demo.clerk.pk}/reset-password/")
    html = response.content.decode()
    assert response.status_code == 200 and "已重置密码：王窗口" in html
    password = TEMPORARY.search(html).group(1)
    assert client.get("/workbench/window/").status_code == 302  # signed out
    assert not AccessAttempt.objects.filter(username="demo-clerk").exists()  # lockout lifted
    assert not staff_login(client, "demo-clerk").status_code == 302  # the old password
    assert staff_login(client, "demo-clerk", password).status_code == 302
    assert client.get("/workbench/")["Location"].startswith("/workbench/password/")
    [entry] = audit("staff.password_reset")
    assert (entry.actor_id, entry.details) == (demo.manager.pk, {"username": "demo-clerk"})
    assert password not in str(entry.details)


def test_temporary_passwords_are_random_and_readable():
    seen = {staff.temporary_password() for _ in range(200)}
    assert len(seen) == 200
    for password in seen:
        assert re.fullmatch(r"[A-HJ-NP-Za-km-z2-9]{4}-[A-HJ-NP-Za-km-z2-9]{4}-"
                            r"[A-HJ-NP-Za-km-z2-9]{4}", password)


def test_the_fixture_helper_still_makes_staff_without_a_forced_change(demo):
    member = create_staff(username="w-fixture", password="x", role=Role.ASSISTANT)
    assert member.is_staff_member and not member.must_change_password
