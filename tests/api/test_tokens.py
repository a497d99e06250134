"""API tokens: expiry, revocation, scopes, last use, and `onething token issue|list|revoke`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from onething.accounts.models import ApiToken
from onething.accounts.services import AccountError, _token_hash, issue_api_token
from onething.applications.models import Case
from tests.api.test_api import API, assert_error, post_json, submit, upload

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token_row(raw: str) -> ApiToken:
    return ApiToken.objects.get(key_hash=_token_hash(raw))


def test_tokens_expire_after_90_days_by_default(demo):
    token = token_row(issue_api_token(demo.applicant))
    assert token.expires_at - token.created_at == pytest.approx(dt.timedelta(days=90),
                                                                abs=dt.timedelta(seconds=2))
    assert token.scopes == "read submit"
    short = token_row(issue_api_token(demo.applicant, expires_in=dt.timedelta(days=7)))
    assert round((short.expires_at - short.created_at).total_seconds()) == 7 * 86400


def test_an_expired_token_gets_401_token_expired(client, demo):
    raw = issue_api_token(demo.applicant)
    assert client.get(f"{API}/applications", **auth(raw)).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(f"{API}/applications", **auth(raw))
    body = assert_error(response, 401, "token_expired")
    assert body["message"] == "接口令牌已过期 (the token has expired)"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_gets_401_token_revoked(client, demo):
    raw = issue_api_token(demo.applicant)
    ApiToken.objects.update(revoked_at=timezone.now())
    body = assert_error(client.get(f"{API}/applications", **auth(raw)), 401, "token_revoked")
    assert body["message"] == "接口令牌已被吊销 (the token has been revoked)"
    # Revocation wins over expiry: the clearer reason.
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert_error(client.get(f"{API}/applications", **auth(raw)), 401, "token_revoked")
    assert_error(client.get(f"{API}/applications", **auth("ot_unknown")), 401, "unauthorized")


def test_last_use_is_recorded_at_most_once_a_minute(client, demo):
    raw = issue_api_token(demo.applicant)
    assert token_row(raw).last_used_at is None
    client.get(f"{API}/applications", **auth(raw))
    first = token_row(raw).last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=5)
    client.get(f"{API}/applications", **auth(raw))
    assert token_row(raw).last_used_at == first
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(f"{API}/applications", **auth(raw))
    assert token_row(raw).last_used_at > first


def test_a_read_token_cannot_write(client, demo):
    raw = issue_api_token(demo.applicant, scopes=["read"])
    assert client.get(f"{API}/applications", **auth(raw)).status_code == 200
    body = assert_error(upload(client, auth(raw)), 403, "insufficient_scope")
    assert body["message"] == "接口令牌没有 submit 权限范围 (the token lacks the 'submit' scope)"
    assert_error(post_json(client, "/applications", {"bundle": "restaurant"}, auth(raw)),
                 403, "insufficient_scope")


def test_a_submit_token_cannot_read(client, demo):
    raw = issue_api_token(demo.applicant, scopes=["submit"])
    assert upload(client, auth(raw)).status_code == 201
    assert_error(client.get(f"{API}/applications", **auth(raw)), 403, "insufficient_scope")
    assert_error(client.get(f"{API}/bundles/restaurant/plan", **auth(raw)), 403,
                 "insufficient_scope")


def test_staff_actions_need_the_staff_scope(client, demo):
    application = submit(client, auth(issue_api_token(demo.applicant)), demo.applicant)
    case = Case.objects.get(application_id=application["id"],
                            matter__code="business-registration")
    reader = issue_api_token(demo.samr, scopes=["read"])
    assert client.get(f"{API}/queue", **auth(reader)).status_code == 200
    accept = f"/cases/{case.pk}/actions/accept"
    body = assert_error(post_json(client, accept, {}, auth(reader)), 403, "insufficient_scope")
    assert "'staff' scope" in body["message"]
    case.refresh_from_db()
    assert case.status == "submitted"
    actor = issue_api_token(demo.samr)  # default for staff: read staff
    assert token_row(actor).scopes == "read staff"
    assert post_json(client, accept, {}, auth(actor)).status_code == 200


@pytest.mark.parametrize(("who", "scopes", "message"), [
    ("applicant", ["staff"], "staff 权限范围仅限工作人员"),
    ("samr", ["submit"], "submit 权限范围仅限申请人"),
    ("applicant", ["admin"], "未知的权限范围 (unknown scope): admin"),
])
def test_scopes_must_fit_the_user(demo, who, scopes, message):
    with pytest.raises(AccountError, match=message.split(" (")[0]):
        issue_api_token(getattr(demo, who), scopes=scopes)
    assert not ApiToken.objects.exists()


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_token_command_issue_list_revoke(client, demo):
    raw = _command("issue", "demo-applicant", "--label", "ci", "--scope", "read",
                   "--days", "30").strip()
    token = token_row(raw)
    assert (token.label, token.scopes) == ("ci", "read")
    assert round((token.expires_at - token.created_at).total_seconds()) == 30 * 86400
    plain = _command("issue", "reviewer-dc-samr").strip()  # the old form still works

    listing = _command("list").splitlines()
    assert listing[0].split("\t") == ["id", "user", "label", "scopes", "created", "expires",
                                      "last_used", "revoked"]
    rows = [line.split("\t") for line in listing[1:]]
    assert [(r[0], r[1], r[2], r[3], r[6], r[7]) for r in rows] == [
        (str(token.pk), "demo-applicant", "ci", "read", "-", "-"),
        (str(token_row(plain).pk), "reviewer-dc-samr", "-", "read,staff", "-", "-")]
    assert rows[0][5] == timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
    whole = "\n".join(listing)
    assert raw not in whole and token.key_hash not in whole
    assert len(_command("list", "demo-applicant").splitlines()) == 2

    assert _command("revoke", str(token.pk)).strip() == (
        f"已吊销令牌 {token.pk} (token {token.pk} revoked)")
    assert_error(client.get(f"{API}/applications", **auth(raw)), 401, "token_revoked")
    assert "早已吊销" in _command("revoke", str(token.pk))
    assert _command("list").splitlines()[1].split("\t")[7] != "-"
    with pytest.raises(CommandError, match="没有编号为 999999 的令牌"):
        _command("revoke", "999999")
    with pytest.raises(CommandError, match="staff 权限范围仅限工作人员"):
        _command("issue", "demo-applicant", "--scope", "staff")
    with pytest.raises(CommandError, match="--days"):
        _command("issue", "demo-applicant", "--days", "0")


def test_revoking_is_recorded_with_who_did_it(demo):
    from onething.accounts.models import ApiToken
    from onething.accounts.services import issue_api_token, revoke_api_token
    from onething.audit.models import AuditEntry

    issue_api_token(demo.applicant, label="phone")
    token = ApiToken.objects.get(user=demo.applicant, label="phone")
    admin = type(demo.applicant).objects.get(username="demo-admin")
    assert revoke_api_token(token, actor=admin) is True
    assert revoke_api_token(token, actor=admin) is False  # once
    entries = AuditEntry.objects.filter(kind="token.revoked", subject_id=str(token.pk))
    assert [e.actor for e in entries] == [admin]
