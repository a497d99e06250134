"""Certificates as real documents: what the catalogue declares for each type (holder,
validity rule, labelled fields) is what is signed, printed, verified and served by the API."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.catalog.models import CertificateType
from onething.certificates import pdf
from onething.certificates.models import Certificate
from onething.certificates.services import next_serial
from onething.domain.cases import Action
from onething.domain.certificates import (
    FIXED_TERM,
    SERIAL_CAPACITY,
    Validity,
    assigned_uscc,
    organisation_code,
)
from onething.domain.validators import validate_uscc
from tests.conftest import RESTAURANT_FORM, restaurant_submission
from tests.pg_race import ON_POSTGRESQL, failures, race

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

LICENCE_ROWS = [
    ("名称", "德城甜心烘焙店"), ("类型", "个体工商户"), ("法定代表人", "李晓红"),
    ("住所（经营场所）", "德城区新华路1号"), ("经营范围", "糕点制售"), ("注册资本（万元）", "10"),
]


def submitted(demo, applicant=None):
    person = applicant or demo.applicant
    return submit_application(restaurant_submission(person), actor=person, applicant=person)


def approve(application, code, reviewer, **result) -> Certificate:
    case = application.cases.get(matter__code=code)
    transition(case.pk, Action.ACCEPT, actor=reviewer)
    transition(case.pk, Action.APPROVE, actor=reviewer, result=result)
    return Certificate.objects.get(case=case)


def _text(body: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


# -- the rules, pure ------------------------------------------------------------------


def test_a_fixed_term_ends_on_the_same_day_after_the_term():
    one_year = Validity(FIXED_TERM, years=1)
    assert one_year.until(dt.date(2026, 3, 2)) == dt.date(2027, 3, 2)
    assert one_year.until(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert Validity(FIXED_TERM, months=3).until(dt.date(2026, 11, 30)) == dt.date(2027, 2, 28)
    assert Validity("register").until(dt.date(2026, 3, 2), dt.date(2030, 1, 1)) == dt.date(
        2030, 1, 1)
    assert Validity().until(dt.date(2026, 3, 2)) is None
    assert one_year.describe() == "自签发之日起1年"


def test_organisation_codes_carry_the_gb_11714_check_character():
    # 8 body characters weighted 3 7 9 10 5 8 4 2, C = 11 - sum mod 11 (10 -> X, 11 -> 0)
    assert organisation_code(1) == "MA0000015"  # 22·3 + 10·7 + 1·2 = 138; 11 − 138 mod 11
    assert organisation_code(31) == "MA0000103"  # serials count in the 31 USCC characters
    with pytest.raises(ValueError):
        organisation_code(0)


@given(st.integers(min_value=1, max_value=SERIAL_CAPACITY - 1),
       st.sampled_from(["有限责任公司", "个体工商户", ""]))
def test_every_assigned_uscc_is_gb_32100_valid(serial, entity_type):
    code = assigned_uscc(serial, "371402", entity_type)
    assert validate_uscc(code) == code
    assert code[:2] == ("92" if entity_type == "个体工商户" else "91")
    assert code[2:8] == "371402"


def test_serials_are_distinct_and_increasing():
    assert [next_serial("test-serial") for _ in range(3)] == [1, 2, 3]
    assert next_serial("other-serial") == 1


def test_the_catalogue_declares_holder_validity_and_labelled_fields():
    licence = CertificateType.objects.get(key="business-licence")
    assert licence.holder_kind == "organisation" and licence.layout == "licence"
    assert licence.validity["kind"] == "long-term"
    assert [f["label"] for f in licence.fields] == [
        "统一社会信用代码", *[label for label, _ in LICENCE_ROWS], "成立日期"]
    health = CertificateType.objects.get(key="health-certificate")
    assert (health.holder_kind, health.validity) == (
        "person", {"kind": "fixed-term", "years": 1, "months": 0, "days": 0})
    assert all(t.validity.get("kind") for t in CertificateType.objects.all())


# -- the business licence: issued to the business ----------------------------------------


@time_machine.travel(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_the_business_licence_is_the_business_with_its_uscc(demo, client):
    application = submitted(demo)
    certificate = approve(application, "business-registration", demo.samr,
                          note="材料齐全，准予登记")
    data = certificate.data
    uscc = data["holder_id"]
    assert validate_uscc(uscc) == uscc and uscc.startswith("92371402MA")
    assert data["holder_kind"] == "organisation" and data["holder_name"] == "德城甜心烘焙店"
    assert certificate.holder_name == "德城甜心烘焙店"
    assert data["valid_until"] is None and certificate.valid_until is None
    assert [(f["label"], f["value"]) for f in data["fields"]] == [
        ("统一社会信用代码", uscc), *LICENCE_ROWS, ("成立日期", "2026-12-03")]
    assert "张小明" not in str(data) and demo.applicant.id_number not in str(data)

    text = _text(pdf.render_certificate_pdf(certificate, "https://x.example/verify/"))
    flat = text.replace("\n", "")
    assert f"统一社会信用代码：{uscc}" in flat
    for label, value in LICENCE_ROWS:
        assert label in flat and value in flat
    assert "成立日期" in flat and "2026年12月3日" in flat and "长期" in flat
    assert "张小明" not in flat and "note" not in flat and "准予登记" not in flat

    html = client.get(f"/verify/{certificate.number}/").content.decode()
    for label, value in [("统一社会信用代码", uscc), *LICENCE_ROWS]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html
    assert "准予登记" not in html and "审批意见" not in html

    body = client.get(f"/verify/{certificate.number}/", HTTP_ACCEPT="application/json").json()
    api = client.get(f"/api/v1/certificates/{certificate.number}").json()
    assert body == api
    assert api["certificate"]["holder_name"] == "德城甜心烘焙店"
    assert api["certificate"]["fields"] == data["fields"]
    assert client.get("/api/v1/certificates/BL-20260101-NOSUCHNO").status_code == 404


def test_later_licences_carry_the_uscc_the_register_assigned(demo):
    application = submitted(demo)
    licence = approve(application, "business-registration", demo.samr)
    food = approve(application, "food-business-licence", demo.samr)
    uscc = licence.data["holder_id"]
    assert food.data["holder_id"] == uscc and food.data["holder_name"] == "德城甜心烘焙店"
    assert {f["key"]: f["value"] for f in food.data["fields"]}["uscc"] == uscc


def test_two_businesses_get_different_codes(demo):
    first = approve(submitted(demo), "business-registration", demo.samr)
    second = approve(submitted(demo, demo.applicant2), "business-registration", demo.samr)
    assert first.data["holder_id"] != second.data["holder_id"]
    assert first.data["holder_id"][8:17] == organisation_code(1)
    assert second.data["holder_id"][8:17] == organisation_code(2)


# -- the health certificate: one year --------------------------------------------------


def test_the_health_certificate_is_valid_exactly_one_year(demo, client):
    application = submitted(demo)
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        certificate = approve(application, "food-worker-health-certificate", demo.health,
                              valid_until="2099-01-01")  # a typed date does not override
    assert certificate.valid_until == dt.date(2027, 12, 3)
    assert certificate.data["valid_until"] == "2027-12-03"
    assert certificate.data["holder_kind"] == "person"
    assert certificate.data["holder_name"] == demo.applicant.display_name
    url = f"/verify/{certificate.number}/"
    with time_machine.travel(dt.datetime(2027, 12, 3, 23, 0, tzinfo=SHANGHAI), tick=False):
        assert client.get(url, HTTP_ACCEPT="application/json").json()["status"] == "valid"
    with time_machine.travel(dt.datetime(2027, 12, 4, 0, 30, tzinfo=SHANGHAI), tick=False):
        assert client.get(url, HTTP_ACCEPT="application/json").json()["status"] == "expired"
    text = _text(pdf.render_certificate_pdf(certificate, "https://x.example/v/"))
    assert "2027年12月3日" in text and "长期" not in text
    assert RESTAURANT_FORM["company_name"] in text  # 工作单位


# -- concurrency (PostgreSQL) ---------------------------------------------------------


@pytest.mark.skipif(not ON_POSTGRESQL, reason="real concurrent connections (test-postgres.sh)")
@pytest.mark.django_db(transaction=True)
def test_two_licences_approved_at_once_get_distinct_codes(demo):
    cases = []
    for person in (demo.applicant, demo.applicant2, demo.applicant, demo.applicant2):
        case = submitted(demo, person).cases.get(matter__code="business-registration")
        transition(case.pk, Action.ACCEPT, actor=demo.samr)
        cases.append(case)
    outcomes = race(*[lambda c=c: transition(c.pk, Action.APPROVE, actor=demo.samr)
                      for c in cases])
    assert failures(outcomes) == [], outcomes
    codes = [c.data["holder_id"] for c in Certificate.objects.filter(
        certificate_type__key="business-licence")]
    assert len(codes) == 4 and len(set(codes)) == 4
    assert all(validate_uscc(code) == code for code in codes)
