"""The public verify page shows only what verifying needs; the certified details show to
the signed-in holder or with a share code the holder created (and only while it is valid)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.certificates.models import Certificate, ShareCode
from onething.certificates.services import (
    SHARE_CODE_ALPHABET,
    ShareDenied,
    create_share_code,
    revoke_share_code,
)
from onething.domain.cases import Action
from onething.domain.redaction import mask_person_name
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db

NOTE = "体检合格，准予发证"  # the reviewer's internal comment: never on the certificate
WORKPLACE = "德城甜心烘焙店"  # the health certificate's certified 工作单位


@pytest.fixture
def certificate(demo):
    """A person's certificate (食品从业人员健康证明): its details are the holder's to share."""
    application = submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                                     applicant=demo.applicant)
    case = application.cases.get(matter__code="food-worker-health-certificate")
    transition(case.pk, Action.ACCEPT, actor=demo.health)
    transition(case.pk, Action.APPROVE, actor=demo.health, result={"note": NOTE})
    return Certificate.objects.get(case=case)


def page(client, certificate, **params) -> str:
    response = client.get(f"/verify/{certificate.number}/", params)
    assert response.status_code == 200 and response["Cache-Control"].startswith("no-store")
    return response.content.decode()


def as_json(client, certificate, **params) -> dict:
    return client.get(f"/verify/{certificate.number}/", params,
                      HTTP_ACCEPT="application/json").json()


def shows_details(html: str) -> bool:
    assert NOTE not in html  # never, to anyone
    return WORKPLACE in html and "办理事项" in html


def test_names_are_masked_like_the_public_pages_need():
    assert [mask_person_name(n) for n in ("张小明", "王五", "欧阳娜娜华", "李", "", " 赵六 ")] == [
        "张*明", "王*", "欧***华", "李", "", "赵*"]


def test_anonymous_verification_hides_the_details_and_the_full_name(client, certificate):
    html = page(client, certificate)
    assert not shows_details(html) and "张小明" not in html
    assert "张*明" in html and certificate.data["holder_id"] in html
    assert "*" in certificate.data["holder_id"]  # the signed ID number is masked already
    assert certificate.data["tracking_number"] not in html
    assert 'name="share"' in html and "仅持证人本人登录后可见" in html
    body = as_json(client, certificate)
    assert body["details_shown"] is False and "details" not in body["certificate"]
    assert body["certificate"]["holder_name"] == "张*明"
    assert NOTE not in str(body)


def test_other_people_signed_in_see_no_more_than_anonymous(client, certificate, demo):
    for other in (demo.applicant2, demo.health, demo.manager):
        client.force_login(other)
        assert not shows_details(page(client, certificate))
        assert as_json(client, certificate)["details_shown"] is False


def test_the_signed_in_holder_sees_everything(client, certificate, demo):
    client.force_login(demo.applicant)
    html = page(client, certificate)
    assert shows_details(html) and "张小明" in html and "您是持证人" in html
    assert reverse("certificates:share", args=[certificate.number]) in html
    body = as_json(client, certificate)
    assert body["details_shown"] is True and body["certificate"] == certificate.data


def test_a_valid_share_code_shows_the_details(client, certificate, demo):
    share = create_share_code(certificate, actor=demo.applicant)
    assert len(share.code) == 10 and set(share.code) <= set(SHARE_CODE_ALPHABET)
    expected = timezone.now() + dt.timedelta(days=7)
    assert abs((share.expires_at - expected).total_seconds()) < 5
    html = page(client, certificate, share=share.code)
    assert shows_details(html) and "持证人通过分享码" in html
    assert shows_details(page(client, certificate, share=share.code.lower()))  # as typed
    assert as_json(client, certificate, share=share.code)["certificate"] == certificate.data


@pytest.mark.parametrize("spoil", ["expired", "revoked", "wrong", "other_certificate"])
def test_expired_revoked_wrong_or_foreign_codes_show_nothing(client, certificate, demo, spoil):
    share = create_share_code(certificate, actor=demo.applicant)
    code = share.code
    if spoil == "expired":
        ShareCode.objects.filter(pk=share.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif spoil == "revoked":
        revoke_share_code(share, actor=demo.applicant)
    elif spoil == "wrong":
        code = ("A" if code[0] != "A" else "B") + code[1:]
    else:  # a valid code, but for another certificate of the same holder
        cases = certificate.case.application.cases
        registration = cases.get(matter__code="business-registration")
        transition(registration.pk, Action.ACCEPT, actor=demo.samr)
        transition(registration.pk, Action.APPROVE, actor=demo.samr)
        food = cases.get(matter__code="food-business-licence")
        transition(food.pk, Action.ACCEPT, actor=demo.samr)
        transition(food.pk, Action.APPROVE, actor=demo.samr)
        code = create_share_code(Certificate.objects.get(case=food), actor=demo.applicant).code
    html = page(client, certificate, share=code)
    assert not shows_details(html) and "张小明" not in html
    assert "分享码无效、已过期或已被持证人撤销" in html and 'aria-invalid="true"' in html
    body = as_json(client, certificate, share=code)
    assert (body["details_shown"], body["share"]) == (False, "invalid")
    assert "details" not in body["certificate"]


def test_only_the_holder_creates_and_revokes_codes(certificate, demo):
    for other in (demo.applicant2, demo.samr, demo.manager, None):
        with pytest.raises(ShareDenied):
            create_share_code(certificate, actor=other)
    share = create_share_code(certificate, actor=demo.applicant, days=1)
    with pytest.raises(ShareDenied):
        revoke_share_code(share, actor=demo.samr)
    assert ShareCode.objects.get(pk=share.pk).revoked_at is None


def test_the_holder_manages_codes_in_the_portal(client, certificate, demo):
    url = reverse("certificates:share", args=[certificate.number])
    assert client.get(url)["Location"].startswith("/login/")
    client.force_login(demo.applicant2)
    assert client.get(url).status_code == 404  # not theirs
    assert client.post(url, {"action": "create", "days": "7"}).status_code == 404
    client.force_login(demo.applicant)
    application_page = client.get(reverse("portal:application",
                                          args=[certificate.case.application_id]))
    assert url in application_page.content.decode()
    html = client.get(url).content.decode()
    assert "还没有创建分享码" in html and 'value="7" checked' in html
    assert client.post(url, {"action": "create", "days": "3"}).status_code == 400
    response = client.post(url, {"action": "create", "days": "30"})
    assert response.status_code == 302 and response["Location"] == url
    share = ShareCode.objects.get()
    assert abs((share.expires_at - timezone.now() - dt.timedelta(days=30)).total_seconds()) < 5
    html = client.get(url).content.decode()
    assert f"已创建分享码 {share.code}" in html
    assert f"http://testserver/verify/{certificate.number}/?share={share.code}" in html
    response = client.post(url, {"action": "revoke", "code_id": str(share.pk)})
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None
    html = client.get(url).content.decode()
    assert re.search(r"<dt>状态</dt><dd>已撤销</dd>", html) and f"?share={share.code}" not in html
    client.logout()
    assert not shows_details(page(client, certificate, share=share.code))


def test_share_and_verify_pages_in_english(client, certificate, demo):
    from tests.english import catalogue_data, chinese_left, english

    english(client)
    share = create_share_code(certificate, actor=demo.applicant)
    data = catalogue_data(certificate.case.application) | {
        certificate.data["certificate_name"], certificate.data["department"]["name"],
        "张*明", WORKPLACE, "工作单位"}
    html = page(client, certificate, share="WRONGCODE2")
    assert "The share code is wrong" in html and chinese_left(html, data) == []
    client.force_login(demo.applicant)
    english(client)
    html = client.get(reverse("certificates:share", args=[certificate.number])).content.decode()
    assert "Create a share code" in html and "7 days" in html and share.code in html
    assert chinese_left(html, data) == []


def test_sharing_and_withdrawing_are_in_the_audit_trail(certificate, demo):
    from onething.audit.models import AuditEntry

    share = create_share_code(certificate, actor=demo.applicant, days=7)
    revoke_share_code(share, actor=demo.applicant)
    revoke_share_code(share, actor=demo.applicant)  # once only
    entries = AuditEntry.objects.filter(subject_id=str(certificate.pk),
                                        kind__startswith="certificate.sh").order_by("id")
    assert [(e.kind, e.actor, e.details) for e in entries] == [
        ("certificate.shared", demo.applicant, {"share": share.pk, "days": 7}),
        ("certificate.share_revoked", demo.applicant, {"share": share.pk})]
