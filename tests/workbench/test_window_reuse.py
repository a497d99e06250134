"""免提交 at the any-matter window: a business licence the applicant holds is
attached, not scanned again, and the receipt says so."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from onething.applications.models import Application, ProvidedMaterial
from onething.applications.selectors import materials_for_case
from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.catalog.selectors import plan_bundle
from onething.certificates.models import Certificate
from onething.domain.cases import Action
from tests.conftest import PDF, RESTAURANT_FORM, restaurant_submission

pytestmark = pytest.mark.django_db

HOLDS = {"has_business_licence": "yes"}


@pytest.fixture
def licence(demo):
    """The company applicant gets a business licence: restaurant, registration approved."""
    first = submit_application(restaurant_submission(demo.applicant2), actor=demo.applicant2,
                               applicant=demo.applicant2)
    case = first.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    transition(case.pk, Action.APPROVE, actor=demo.samr, result={"note": "ok"})
    return Certificate.objects.get(case=case)


def form_url(applicant) -> str:
    return (reverse("workbench:window-form", args=["restaurant"])
            + f"?a_has_business_licence=yes&applicant={applicant.pk}")


def window_post(page: str, plan, applicant) -> dict:
    """What the clerk sends: the form, and a scan for every file input on the page."""
    data = {f.key: RESTAURANT_FORM.get(f.key, "x") for f in plan.fields}
    data["legal_representative_id_number"] = applicant.representative_id_number
    data.pop("uscc", None)
    data["idempotency_key"] = re.search(r'name="idempotency_key" value="([^"]+)"',
                                        page).group(1)
    for key in re.findall(r'type="file" name="file-([\w-]+)"', page):
        upload = io.BytesIO(PDF)
        upload.name = f"{key}.pdf"
        data[f"file-{key}"] = upload
    for c in plan.commitments:  # 告知承诺: signed on paper, recorded by the clerk
        data[f"commitment-{c.matter}"] = c.sha256
    return data


def test_window_reuses_a_held_business_licence(client, demo, licence):
    assert licence.certificate_type.key == "business-licence"
    before = Application.objects.count()
    client.force_login(demo.clerk)
    page = client.get(form_url(demo.applicant2)).content.decode()

    # No upload field for the licence; it is shown as reused, with its number and the count.
    assert 'name="file-business-licence"' not in page
    assert f"已有电子证照，免提交：营业执照（证照编号 {licence.number}）" in page
    assert "已有电子证照，免提交 1 份" in page
    assert f'href="/verify/{licence.number}/"' in page
    plan = plan_bundle("restaurant", HOLDS)
    assert "business-licence" in [m.key for m in plan.materials]  # without the certificate
    assert page.count('type="file"') == len(plan.materials) - 1

    response = client.post(form_url(demo.applicant2), window_post(page, plan, demo.applicant2))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Application.objects.count() == before + 1
    application = Application.objects.latest("pk")
    assert application.channel == "window" and application.applicant == demo.applicant2
    assert response["Location"] == reverse("workbench:receipt", args=[application.pk])

    reused = ProvidedMaterial.objects.get(application=application,
                                          material_key="business-licence")
    assert reused.certificate == licence and reused.upload is None
    food = application.cases.get(matter__code="food-business-licence")
    assert reused in list(materials_for_case(demo.samr, food))

    receipt = client.get(response["Location"]).content.decode()
    assert "免提交的材料（已有电子证照，1 份）" in receipt
    assert f"已有电子证照，免提交：营业执照（证照编号 {licence.number}）" in receipt
    collected = receipt.split("<h2>已收取的材料</h2>")[1].split("</ol>")[0]
    assert "营业执照" not in collected


def test_window_without_a_certificate_still_asks_for_the_scan(client, demo):
    client.force_login(demo.clerk)
    page = client.get(form_url(demo.applicant2)).content.decode()
    assert 'name="file-business-licence"' in page
    assert "已有电子证照，免提交" not in page


def test_a_licence_revoked_before_submitting_is_asked_for_again(client, demo, licence):
    client.force_login(demo.clerk)
    page = client.get(form_url(demo.applicant2)).content.decode()
    plan = plan_bundle("restaurant", HOLDS)
    data = window_post(page, plan, demo.applicant2)
    from onething.certificates.services import revoke_certificate

    revoke_certificate(licence, actor=demo.samr, reason="吊销")
    response = client.post(form_url(demo.applicant2), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="file-business-licence"' in html and "请上传“营业执照”" in html
    assert "已有电子证照，免提交" not in html
