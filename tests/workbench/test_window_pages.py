"""The window's form takes several scanned pages per material (多页材料), keeps them across
a refused submission, removes one page on request, and prefills the applicant's roles."""

import io
import re

import pytest
from django.urls import reverse

from onething.applications.models import Application, ProvidedMaterial
from onething.catalog.selectors import plan_bundle
from tests.workbench.test_workbench import form_post

pytestmark = pytest.mark.django_db


def scan(name):
    upload = io.BytesIO(b"%PDF-1.4 " + name.encode() + b"\n%%EOF\n")
    upload.name = name
    return upload


def test_pages_are_kept_removed_and_filed_in_order(client, demo):
    client.force_login(demo.clerk)
    plan = plan_bundle("restaurant", {})
    url = reverse("workbench:window-form", args=["restaurant"]) + f"?applicant={demo.applicant.pk}"
    # GET: the applicant is the business's legal representative (a person applying).
    page = client.get(url).content.decode()
    assert re.search(
        r'name="legal_representative" id="field-legal_representative" '
        r'value="张小明"',
        page,
    )

    data = form_post(plan, demo.applicant, "11111111-1111-4111-8111-111111111111", {})
    data["file-premises-proof"] = [scan("p1.pdf"), scan("p2.pdf"), scan("p3.pdf")]
    data["floor_area"] = "30"  # against the default answer "50 m² or more": refused
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "应不小于 50" in html
    kept = re.findall(r'name="upload-premises-proof" value="(\d+)"', html)
    assert len(kept) == 3
    assert "第 3 页：p3.pdf" in html
    assert html.count('name="remove"') == len(plan.materials) + 2

    # Remove page 2: the form again, nothing filed.
    data = form_post(plan, demo.applicant, "11111111-1111-4111-8111-111111111111", {})
    for material in plan.materials:
        data.pop(f"file-{material.key}")
        data[f"upload-{material.key}"] = re.findall(
            rf'name="upload-{material.key}" value="(\d+)"', html
        )
    data["remove"] = f"premises-proof:{kept[1]}"
    response = client.post(url, data)
    assert response.status_code == 200 and Application.objects.count() == 0
    html = response.content.decode()
    assert re.findall(r'name="upload-premises-proof" value="(\d+)"', html) == [kept[0], kept[2]]

    data.pop("remove")
    data["upload-premises-proof"] = [kept[0], kept[2]]
    response = client.post(url, data)
    assert response.status_code == 302
    application = Application.objects.get()
    pages = list(
        ProvidedMaterial.objects.filter(application=application, material_key="premises-proof")
        .order_by("page")
        .values_list("page", "upload_id")
    )
    assert pages == [(1, int(kept[0])), (2, int(kept[2]))]
    assert application.channel == "window"
