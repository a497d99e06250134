"""SMS sign-in codes under attack: guessing, flooding and account probing (portal and kiosk).

Run on SQLite and on PostgreSQL (scripts/test-postgres.sh tests/accounts).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from onething.accounts.models import LoginCode, RateLimitHit, User
from onething.accounts.services import (
    AccountError,
    register_person,
    request_login_code,
    verify_login_code,
)
from onething.notifications.backends import MemorySmsBackend
from onething.registers.demo import _CONVICTED

pytestmark = pytest.mark.django_db

MOBILE = "13800000001"  # demo applicant 张小明
UNKNOWN_ID = _CONVICTED[0][0]  # a valid ID number of no account
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def last_code() -> str:
    return re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group(0)


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def portal_try(client, code: str, mobile: str = MOBILE, **extra):
    return client.post("/login/", {"step": "code", "mobile": mobile, "code": code}, **extra)


# -- five tries per code, counted durably ------------------------------------------------


def test_portal_sixth_try_fails_even_with_the_right_code(client, demo):
    client.post("/login/", {"step": "mobile", "mobile": MOBILE})
    code = last_code()
    for left in (4, 3, 2, 1):
        html = portal_try(client, other_than(code)).content.decode()
        assert f"验证码错误，还可以再试{left}次" in html and not signed_in(client)
    html = portal_try(client, other_than(code)).content.decode()
    assert "验证码错误次数过多，已失效，请重新获取" in html
    html = portal_try(client, code).content.decode()  # the sixth try, with the right code
    assert "验证码错误次数过多，已失效，请重新获取" in html and not signed_in(client)
    assert LoginCode.objects.get().attempts == 5


def test_kiosk_sixth_try_fails_even_with_the_right_code(client, demo):
    client.post(reverse("kiosk:identify"), {"id_number": demo.applicant.id_number})
    code = last_code()
    for _ in range(5):
        assert client.post(reverse("kiosk:code"), {"code": other_than(code)}).status_code == 400
    sixth = client.post(reverse("kiosk:code"), {"code": code})
    assert sixth.status_code == 400 and "验证码错误次数过多，已失效" in sixth.content.decode()
    assert not signed_in(client)
    assert client.get(reverse("kiosk:menu")).url == reverse("kiosk:start")


def test_a_new_code_after_a_burned_one_works(client, demo):
    client.post("/login/", {"step": "mobile", "mobile": MOBILE})
    first = last_code()
    for _ in range(5):
        portal_try(client, other_than(first))
    client.post("/login/", {"step": "mobile", "mobile": MOBILE})  # burned: a new one at once
    assert len(MemorySmsBackend.outbox) == 2
    assert portal_try(client, last_code()).status_code == 302 and signed_in(client)


def test_tries_count_even_when_every_request_runs_in_a_transaction(client, demo):
    """ATOMIC_REQUESTS wraps each view in a transaction that a failed request rolls back;
    the sign-in views opt out, so wrong tries still count."""
    settings_dict = connection.settings_dict
    before = settings_dict["ATOMIC_REQUESTS"]
    settings_dict["ATOMIC_REQUESTS"] = True
    try:
        client.post("/login/", {"step": "mobile", "mobile": MOBILE})
        code = last_code()
        for _ in range(5):
            portal_try(client, other_than(code))
        assert "已失效" in portal_try(client, code).content.decode()
        assert not signed_in(client)
    finally:
        settings_dict["ATOMIC_REQUESTS"] = before


def test_checking_a_code_inside_a_callers_transaction_is_refused(demo):
    """A caller's rollback would undo the count: the service refuses to run nested."""
    request_login_code(MOBILE)
    code = last_code()
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        verify_login_code(MOBILE, other_than(code))


@pytest.mark.django_db(transaction=True)
def test_counts_are_committed_whatever_happens_to_the_request(client, demo):
    """With real commits (no test transaction): five wrong tries at the kiosk, seen from a
    fresh query, and the sixth right one fails."""
    client.post(reverse("kiosk:identify"), {"id_number": demo.applicant.id_number})
    code = last_code()
    for _ in range(5):
        client.post(reverse("kiosk:code"), {"code": other_than(code)})
    assert list(LoginCode.objects.values_list("attempts", flat=True)) == [5]
    assert client.post(reverse("kiosk:code"), {"code": code}).status_code == 400
    assert not signed_in(client)


# -- the same answers with and without an account ---------------------------------------


def _normalised(response) -> tuple[int, str, str]:
    return (response.status_code, response.get("Location", ""),
            CSRF.sub('name="csrfmiddlewaretoken" value="-"', response.content.decode()))


def _forget_codes() -> None:
    LoginCode.objects.all().delete()
    RateLimitHit.objects.all().delete()


def _portal_walk(client, mobile: str, wrong) -> list[tuple[int, str, str]]:
    """``wrong()`` gives a wrong code once the code is sent (pages never echo it)."""
    return [_normalised(client.get("/login/")),
            _normalised(client.post("/login/", {"step": "mobile", "mobile": mobile})),
            _normalised(client.post("/login/", {"step": "mobile", "mobile": mobile})),  # wait
            _normalised(portal_try(client, wrong(), mobile)),
            _normalised(portal_try(client, "", mobile))]


def test_portal_answers_are_byte_identical_for_unregistered_and_registered(client, db,
                                                                           loaded_catalog):
    mobile = "13700000123"
    sent = len(MemorySmsBackend.outbox)
    unregistered = _portal_walk(client, mobile, lambda: "000000")
    assert len(MemorySmsBackend.outbox) == sent  # nobody was texted
    _forget_codes()
    register_person(real_name="王小二", id_number="11010519491231002X", mobile=mobile)
    client.cookies.clear()
    registered = _portal_walk(client, mobile, lambda: other_than(last_code()))
    assert MemorySmsBackend.outbox[-1][0] == mobile
    assert registered == unregistered
    assert "60 秒后可以重新获取" in unregistered[2][2]
    assert "验证码错误，还可以再试4次" in unregistered[3][2]


def _kiosk_walk(client, id_number: str, wrong) -> list[tuple[int, str, str]]:
    identify, code = reverse("kiosk:identify"), reverse("kiosk:code")
    return [_normalised(client.post(identify, {"id_number": id_number})),
            _normalised(client.get(code)),
            _normalised(client.post(code, {"code": wrong()})),
            _normalised(client.post(identify, {"id_number": id_number})),  # again: wait
            _normalised(client.get(code))]


def test_kiosk_answers_are_byte_identical_for_unregistered_and_registered(client, db,
                                                                          loaded_catalog):
    unregistered = _kiosk_walk(client, UNKNOWN_ID, lambda: "000000")
    assert MemorySmsBackend.outbox == []
    _forget_codes()
    register_person(real_name="赵某", id_number=UNKNOWN_ID, mobile="13700000124")
    client.cookies.clear()
    registered = _kiosk_walk(client, UNKNOWN_ID, lambda: other_than(last_code()))
    assert [entry[0] for entry in MemorySmsBackend.outbox] == ["13700000124"]
    assert registered == unregistered
    assert unregistered[0][:2] == (302, reverse("kiosk:code"))
    assert "验证码错误，还可以再试4次" in unregistered[2][2]
    assert "60 秒后可以重新获取" in unregistered[4][2]
    assert "137" not in unregistered[4][2] and "0124" not in unregistered[4][2]


def test_an_unknown_id_number_never_signs_in(client, demo):
    client.post(reverse("kiosk:identify"), {"id_number": UNKNOWN_ID})
    assert LoginCode.objects.get().mobile == ""
    for guess in ("000000", "123456", "999999", "654321", "111111"):
        assert client.post(reverse("kiosk:code"), {"code": guess}).status_code == 400
    assert not signed_in(client)


def test_numbers_are_stored_only_as_keyed_hashes(client, demo):
    client.post("/login/", {"step": "mobile", "mobile": "13700000999"})
    portal_try(client, "000000", "13700000999")
    client.post(reverse("kiosk:identify"), {"id_number": UNKNOWN_ID})
    rows = list(RateLimitHit.objects.values_list("key", flat=True))
    rows += list(LoginCode.objects.values_list("subject", flat=True))
    assert rows and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in rows)
    assert not LoginCode.objects.filter(mobile="13700000999").exists()


# -- waiting: the real remaining time, the code already sent still works ---------------


def test_portal_wait_message_shows_the_real_remaining_seconds(client, demo):
    client.post("/login/", {"step": "mobile", "mobile": MOBILE})
    code = last_code()
    LoginCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=25))
    again = client.post("/login/", {"step": "mobile", "mobile": MOBILE}).content.decode()
    assert "验证码已发送，请输入已收到的验证码；35 秒后可以重新获取。" in again
    assert 'name="code"' in again and len(MemorySmsBackend.outbox) == 1
    assert portal_try(client, code).status_code == 302 and signed_in(client)


def test_after_the_wait_a_new_code_replaces_the_old_one(client, demo, settings):
    from django.contrib.auth.hashers import make_password

    settings.ONETHING_LOGIN_CODE_RESEND_SECONDS = 30
    client.post("/login/", {"step": "mobile", "mobile": MOBILE})
    LoginCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=31))
    client.post("/login/", {"step": "mobile", "mobile": MOBILE})
    assert len(MemorySmsBackend.outbox) == 2
    older, newer = LoginCode.objects.order_by("created_at")
    LoginCode.objects.filter(pk=older.pk).update(code_hash=make_password("111111"))
    LoginCode.objects.filter(pk=newer.pk).update(code_hash=make_password("222222"))
    assert "验证码错误，还可以再试4次" in portal_try(client, "111111").content.decode()
    assert portal_try(client, "222222").status_code == 302 and signed_in(client)


# -- rate limits -----------------------------------------------------------------------


def _age_codes() -> None:
    """Make every code old enough to ask for the next one (the resend wait is separate)."""
    LoginCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))


@pytest.mark.parametrize("mobile", [MOBILE, "13700000555"], ids=["registered", "unregistered"])
def test_codes_per_number_per_hour(client, demo, settings, mobile):
    settings.ONETHING_LOGIN_CODES_PER_NUMBER_HOUR = 3
    for _ in range(3):
        _age_codes()
        request_login_code(mobile)
    RateLimitHit.objects.filter(at=RateLimitHit.objects.order_by("at")[0].at).update(
        at=timezone.now() - dt.timedelta(minutes=50))
    _age_codes()
    with pytest.raises(AccountError) as refused:
        request_login_code(mobile)
    assert refused.value.code == "rate_limited"
    assert str(refused.value) == ("请求过于频繁，请在10分钟后再试 "
                                  "(too many requests; try again in 10 min)")
    # A code sent earlier and still valid can still be typed on the page.
    page = client.post("/login/", {"step": "mobile", "mobile": mobile}).content.decode()
    assert "请求过于频繁，请在10分钟后再试" in page and 'name="code"' in page
    RateLimitHit.objects.filter(at__lt=timezone.now() - dt.timedelta(minutes=49)).update(
        at=timezone.now() - dt.timedelta(minutes=61))
    assert request_login_code(mobile).fresh  # an hour on, one more


def test_codes_per_number_per_day(demo, settings):
    settings.ONETHING_LOGIN_CODES_PER_NUMBER_HOUR = 100
    settings.ONETHING_LOGIN_CODES_PER_NUMBER_DAY = 2
    for _ in range(2):
        _age_codes()
        request_login_code(MOBILE)
    RateLimitHit.objects.update(at=timezone.now() - dt.timedelta(hours=20))
    _age_codes()
    with pytest.raises(AccountError, match="请在240分钟后再试"):
        request_login_code(MOBILE)
    assert len(MemorySmsBackend.outbox) == 2


def test_codes_per_client(client, demo, settings):
    settings.ONETHING_LOGIN_CODES_PER_CLIENT_HOUR = 2
    for mobile in ("13700000001", "13700000002"):
        client.post("/login/", {"step": "mobile", "mobile": mobile}, REMOTE_ADDR="10.1.1.1")
    third = client.post("/login/", {"step": "mobile", "mobile": "13700000003"},
                        REMOTE_ADDR="10.1.1.1").content.decode()
    assert "请求过于频繁" in third
    elsewhere = client.post("/login/", {"step": "mobile", "mobile": MOBILE},
                            REMOTE_ADDR="10.1.1.2").content.decode()
    assert "请求过于频繁" not in elsewhere and len(MemorySmsBackend.outbox) == 1


def test_kiosk_codes_per_id_number(client, demo, settings):
    settings.ONETHING_LOGIN_CODES_PER_NUMBER_HOUR = 1
    client.post(reverse("kiosk:identify"), {"id_number": UNKNOWN_ID})
    _age_codes()
    refused = client.post(reverse("kiosk:identify"), {"id_number": UNKNOWN_ID})
    assert refused.status_code == 400
    assert "请求过于频繁，请在60分钟后再试" in refused.content.decode()


def test_code_tries_per_client(client, demo, settings):
    settings.ONETHING_LOGIN_VERIFY_PER_CLIENT_HOUR = 3
    client.post("/login/", {"step": "mobile", "mobile": MOBILE})
    code = last_code()
    for _ in range(3):
        portal_try(client, other_than(code), REMOTE_ADDR="10.2.2.2")
    refused = portal_try(client, code, REMOTE_ADDR="10.2.2.2").content.decode()
    assert "请求过于频繁" in refused and not signed_in(client)
    assert LoginCode.objects.get().attempts == 3  # the refused try did not use one up
    assert portal_try(client, code, REMOTE_ADDR="10.2.2.3").status_code == 302


def test_a_racing_request_over_the_limit_is_refused_not_admitted(demo, settings):
    """Counting after recording: two requests that both see room cannot both pass."""
    from onething.accounts import ratelimit

    limit = [ratelimit.Limit(2, ratelimit.HOUR)]
    ratelimit.hit("test", "x", limit)
    ratelimit.hit("test", "x", limit)
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.hit("test", "x", limit)
    assert RateLimitHit.objects.filter(scope="test").count() == 2  # refused ones are removed


def test_user_model_is_unchanged_by_probing(client, demo):
    before = User.objects.count()
    client.post("/login/", {"step": "mobile", "mobile": "13700000777"})
    client.post(reverse("kiosk:identify"), {"id_number": UNKNOWN_ID})
    assert User.objects.count() == before
