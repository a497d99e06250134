"""多页材料 through the API: a material's pages as a list of upload ids, within the
catalogue's max_pages; the case shows every page in order."""

from __future__ import annotations

import pytest

from onething.applications.models import Application, ProvidedMaterial
from tests.api.test_api import API, assert_error, bearer, post_json, submission, upload

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def pages(client, headers, n):
    return [
        upload(client, headers, content=b"%%PDF-1.4 page %d\n" % i, name=f"p{i}.pdf").json()["id"]
        for i in range(1, n + 1)
    ]


def test_a_material_of_three_pages(client, demo):
    headers = bearer(demo.applicant)
    plan = client.get(f"{API}/bundles/restaurant/plan").json()
    limits = {m["key"]: m["max_pages"] for m in plan["materials"]}
    assert limits["premises-proof"] == 10
    ids = pages(client, headers, 3)
    data = submission(client, headers, demo.applicant)
    data["materials"]["premises-proof"] = ids
    response = post_json(client, "/applications", data, headers)
    assert response.status_code == 201, response.content
    application = Application.objects.get()
    stored = list(
        ProvidedMaterial.objects.filter(application=application, material_key="premises-proof")
        .order_by("page")
        .values_list("page", "upload_id")
    )
    assert stored == [(1, ids[0]), (2, ids[1]), (3, ids[2])]
    case = application.cases.get(matter__code="business-registration")
    detail = client.get(f"{API}/cases/{case.pk}", **headers).json()
    shown = [
        (m["page"], m["upload_id"]) for m in detail["materials"] if m["key"] == "premises-proof"
    ]
    assert shown == stored


def test_more_pages_than_allowed_and_foreign_pages_are_refused(client, demo):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    data["materials"]["premises-proof"] = pages(client, headers, 11)
    body = assert_error(
        post_json(client, "/applications", data, headers), 400, "invalid_submission"
    )
    assert body["errors"]["materials.premises-proof"] == (
        "“经营场所使用证明”最多 10 个文件（页） (at most 10 files for this material)"
    )
    # A page uploaded by someone else is not the applicant's to send.
    theirs = pages(client, bearer(demo.applicant2), 1)[0]
    data["materials"]["premises-proof"] = [pages(client, headers, 1)[0], theirs]
    body = assert_error(
        post_json(client, "/applications", data, headers), 400, "invalid_submission"
    )
    assert body["errors"]["materials.premises-proof"] == (
        "“经营场所使用证明”的文件不存在或不属于您 (unknown file)"
    )
    assert Application.objects.count() == 0
