"""Every way of creating staff gives a staff role; API tokens in the admin."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from onething.accounts.models import ApiToken, Role, User
from onething.accounts.services import _token_hash, create_staff, issue_api_token

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_a_system_administrator(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-Secret-42")
    call_command("createsuperuser", "--noinput", "--username", "root",
                 "--email", "root@example.org", verbosity=0)
    root = User.objects.get(username="root")
    assert (root.role, root.is_staff, root.is_superuser) == (Role.ADMIN, True, True)
    assert root.check_password("a-long-Secret-42") and root.signs_in_as_staff


def test_create_user_with_staff_flags_gets_a_staff_role(db):
    assert User.objects.create_user("ops", is_staff=True).role == Role.MANAGER
    assert User.objects.create_user("su", is_staff=True, is_superuser=True).role == Role.ADMIN
    assert User.objects.create_user("plain").role == Role.APPLICANT


def test_the_database_refuses_an_applicant_with_staff_flags(db):
    for flags in ({"is_staff": True}, {"is_superuser": True}):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username=f"x{len(flags)}{next(iter(flags))}",
                                role=Role.APPLICANT, **flags)


def test_create_staff_and_the_demo_give_staff_roles(demo):
    clerk = create_staff(username="w1", password="pw", role=Role.CLERK)
    assert clerk.is_staff_member and not clerk.is_staff
    roles = dict(User.objects.filter(username__in=["demo-clerk", "demo-assistant", "demo-manager",
                                                   "demo-admin"])
                 .values_list("username", "role"))
    assert roles == {"demo-clerk": "clerk", "demo-assistant": "assistant",
                     "demo-manager": "manager", "demo-admin": "admin"}
    assert not User.objects.filter(role=Role.APPLICANT, is_staff=True).exists()


@pytest.fixture
def admin_client(client, demo):
    client.force_login(User.objects.get(username="demo-admin"))
    return client


def test_the_admin_adds_staff_only(admin_client, demo):
    page = admin_client.get("/admin/accounts/user/add/").content.decode()
    options = re.findall(r'<option value="([a-z]+)"', page.split('name="role"')[1].split(
        "</select>")[0])
    assert options == ["clerk", "reviewer", "assistant", "manager", "admin"]
    data = {"username": "w2", "role": "manager", "real_name": "钱主任",
            "password1": "a-long-Secret-42", "password2": "a-long-Secret-42"}
    assert admin_client.post("/admin/accounts/user/add/", data).status_code == 302
    added = User.objects.get(username="w2")
    assert (added.role, added.is_staff, added.is_superuser) == ("manager", True, False)
    refused = admin_client.post("/admin/accounts/user/add/",
                                {**data, "username": "w3", "role": "reviewer"})
    assert refused.status_code == 200 and "审批人员必须属于一个部门" in refused.content.decode()
    assert not User.objects.filter(username="w3").exists()


def test_tokens_are_listed_and_revoked_in_the_admin_without_their_hash(admin_client, demo):
    raw = issue_api_token(demo.applicant, label="报表脚本")
    token = ApiToken.objects.get(key_hash=_token_hash(raw))
    listing = admin_client.get("/admin/accounts/apitoken/").content.decode()
    assert "报表脚本" in listing and "read submit" in listing
    detail = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    for page in (listing, detail):
        assert token.key_hash not in page and raw not in page
    assert "吊销 (revoke)" in listing
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403
    done = admin_client.post("/admin/accounts/apitoken/", {
        "action": "revoke", "_selected_action": [str(token.pk)]}, follow=True)
    assert "已吊销 1 个令牌 (1 revoked)" in done.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
