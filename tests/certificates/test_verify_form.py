"""/verify/: anyone types a certificate number; malformed input is answered on the form;
lookups are limited per client address."""

from __future__ import annotations

import pytest

from onething.accounts.models import RateLimitHit
from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.certificates.models import Certificate
from onething.certificates.views import LOOKUP_LIMITS
from onething.domain.cases import Action
from tests.conftest import restaurant_submission
from tests.english import english

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    case = application.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    transition(case.pk, Action.APPROVE, actor=demo.samr)
    return Certificate.objects.get(case=case)


def test_the_form_is_there_in_chinese_and_english(client):
    response = client.get("/verify/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="field-number">证照编号</label>' in html
    assert 'name="number"' in html and "<h1>电子证照核验</h1>" in html
    english(client)
    html = client.get("/verify/").content.decode()
    assert "Enter the certificate number printed on the certificate" in html
    assert "证照编号" not in html


def test_a_typed_number_leads_to_its_verification(client, certificate):
    typed = "  " + certificate.number.lower().replace("-", "－", 1) + " "  # as people type
    response = client.get("/verify/", {"number": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{certificate.number}/"
    page = client.get(response["Location"]).content.decode()
    assert "有效" in page and "德城甜心烘焙店" in page


@pytest.mark.parametrize(("typed", "message"), [
    ("", "请输入证照编号。"),
    ("   ", "请输入证照编号。"),
    ("BL", "证照编号只能包含字母、数字和“-”"),
    ("BL/2026/../x", "证照编号只能包含字母、数字和“-”"),
    ("<script>", "证照编号只能包含字母、数字和“-”"),
    ("B" * 65, "证照编号只能包含字母、数字和“-”"),
])
def test_malformed_numbers_are_refused_on_the_form(client, typed, message):
    response = client.get("/verify/", {"number": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'aria-invalid="true"' in html and "<script>" not in html
    assert "<title>错误：" in html
    assert not RateLimitHit.objects.exists()  # nothing looked up, nothing counted


def test_english_errors_are_english(client):
    english(client)
    html = client.get("/verify/", {"number": "x"}).content.decode()
    assert "A certificate number has 3 to 64 letters" in html and "证照" not in html


def test_lookups_are_rate_limited_per_client(client, certificate):
    allowed = LOOKUP_LIMITS[0].count
    for _ in range(allowed):
        assert client.get("/verify/", {"number": "BL-20260101-NOSUCHNO"}).status_code == 302
    response = client.get("/verify/", {"number": certificate.number})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "查询过于频繁" in response.content.decode()
    other = client.get("/verify/", {"number": certificate.number}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
