"""Forms that keep work (issue 15): drafts on the server, several pages per material,
attachments that survive a validation error, resume from 我的申请, owner-only access,
expiry and purge."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from onething.applications.drafts import save_draft
from onething.applications.models import Application, ApplicationDraft, ProvidedMaterial
from onething.catalog.selectors import plan_bundle
from onething.ops.housekeeping import run_housekeeping
from tests.conftest import RESTAURANT_FORM

pytestmark = pytest.mark.django_db

# Selling tobacco too: the 开办餐饮店 plan with 15 materials to upload.
ANSWERS = {"sells_tobacco": "yes"}
T0 = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai, a Monday


def pdf(name: str) -> SimpleUploadedFile:
    # Distinct content per file: each is its own upload (the same bytes are stored once).
    return SimpleUploadedFile(
        name, b"%PDF-1.4 " + name.encode() + b"\n%%EOF\n", content_type="application/pdf"
    )


def form(user, key="draft-key-1", **overrides):
    plan = plan_bundle("restaurant", ANSWERS)
    data = {f.key: RESTAURANT_FORM.get(f.key, "x") for f in plan.fields}
    data["legal_representative_id_number"] = user.id_number
    data["idempotency_key"] = key
    data.update({f"answer-{k}": v for k, v in ANSWERS.items()})
    for c in plan.commitments:
        data[f"commitment-{c.matter}"] = c.sha256
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def with_files(data, plan=None):
    plan = plan or plan_bundle("restaurant", ANSWERS)
    for m in plan.materials:
        data[f"material-{m.key}"] = pdf(f"{m.key}.pdf")
    return data


def test_a_validation_error_keeps_all_15_attachments_then_the_draft_submits_once(client, demo):
    plan = plan_bundle("restaurant", ANSWERS)
    assert len(plan.materials) == 15
    client.force_login(demo.applicant)
    # 50 m² or more answered by default; 30 typed: refused, every file already received.
    response = client.post(
        "/bundles/restaurant/apply/", with_files(form(demo.applicant, floor_area="30"))
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "应不小于 50" in html
    draft = ApplicationDraft.objects.get()
    assert draft.owner == demo.applicant and draft.idempotency_key == "draft-key-1"
    assert sorted(draft.materials) == sorted(m.key for m in plan.materials)
    assert all(len(ids) == 1 for ids in draft.materials.values())
    assert draft.form_data["floor_area"] == "30"
    assert html.count('name="remove"') == 15
    for m in plan.materials:
        assert f"{m.key}.pdf" in html
        assert f'value="{m.key}:{draft.materials[m.key][0]}"' in html
    assert f'name="draft" value="{draft.pk}"' in html
    assert Application.objects.count() == 0

    # Corrected, without choosing any file again: filed with the 15 kept files.
    response = client.post(
        "/bundles/restaurant/apply/", form(demo.applicant, floor_area="80", draft=str(draft.pk))
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert response["Location"] == f"/applications/{application.pk}/"
    assert application.idempotency_key == "draft-key-1"
    provided = {
        m.material_key: m.upload_id
        for m in ProvidedMaterial.objects.filter(application=application, upload__isnull=False)
    }
    assert provided == {k: ids[0] for k, ids in draft.materials.items()}
    assert not ApplicationDraft.objects.exists()
    # The same post again (a double click): the application, not a second one.
    again = client.post(
        "/bundles/restaurant/apply/", form(demo.applicant, floor_area="80", draft=str(draft.pk))
    )
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert Application.objects.count() == 1


def test_several_pages_per_material_and_the_limit(client, demo):
    client.force_login(demo.applicant)
    data = with_files(form(demo.applicant))
    data["material-premises-proof"] = [pdf("lease-1.pdf"), pdf("lease-2.pdf"), pdf("lease-3.pdf")]
    response = client.post("/bundles/restaurant/apply/", data)
    assert response.status_code == 302
    application = Application.objects.get()
    pages = list(
        ProvidedMaterial.objects.filter(application=application, material_key="premises-proof")
        .order_by("page")
        .values_list("page", "upload__original_name")
    )
    assert pages == [(1, "lease-1.pdf"), (2, "lease-2.pdf"), (3, "lease-3.pdf")]
    # The workbench shows every page of the material.
    case = application.cases.get(matter__code="business-registration")
    client.force_login(demo.samr)
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "（第 1 页，共 3 页）" in page and "（第 3 页，共 3 页）" in page


def test_more_pages_than_the_catalogue_allows_are_refused(client, demo):
    client.force_login(demo.applicant)
    data = with_files(form(demo.applicant))
    data["material-premises-proof"] = [pdf(f"lease-{i}.pdf") for i in range(1, 12)]
    response = client.post("/bundles/restaurant/apply/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "“经营场所使用证明”最多 10 个文件（页）" in html
    draft = ApplicationDraft.objects.get()
    assert len(draft.materials["premises-proof"]) == 10  # the first ten are kept
    assert Application.objects.count() == 0


def test_remove_a_page_then_save_and_resume_from_my_applications(client, demo):
    client.force_login(demo.applicant)
    data = form(demo.applicant, action="save", business_scope="糕点、饮品")
    data["material-premises-proof"] = [pdf("lease-1.pdf"), pdf("lease-2.pdf")]
    with time_machine.travel(T0, tick=False):
        response = client.post("/bundles/restaurant/apply/", data)
    draft = ApplicationDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bundles/restaurant/apply/?draft={draft.pk}"
    assert draft.expires_at == T0 + dt.timedelta(days=30)
    first, second = draft.materials["premises-proof"]

    resumed = client.get(response["Location"]).content.decode()
    assert "草稿已保存" in resumed and "2027年1月6日" in resumed
    assert "糕点、饮品" in resumed and "lease-1.pdf" in resumed and "lease-2.pdf" in resumed

    removed = client.post(
        "/bundles/restaurant/apply/",
        form(demo.applicant, draft=str(draft.pk), remove=f"premises-proof:{first}"),
    )
    assert removed.status_code == 302
    assert removed["Location"] == (
        f"/bundles/restaurant/apply/?draft={draft.pk}#material-premises-proof"
    )
    draft.refresh_from_db()
    assert draft.materials == {"premises-proof": [second]}

    listing = client.get("/applications/").content.decode()
    assert "草稿（尚未提交）" in listing
    assert f'href="/bundles/restaurant/apply/?draft={draft.pk}"' in listing
    assert "继续填写：开办餐饮店一件事" in listing
    assert f'action="/applications/drafts/{draft.pk}/delete/"' in listing


def test_only_the_owner_sees_or_deletes_a_draft(client, demo):
    draft = save_draft(
        owner=demo.applicant,
        actor=demo.applicant,
        bundle="restaurant",
        answers={},
        form_data={"company_name": "张记面馆"},
        materials={},
        choices={},
        idempotency_key="k",
        allowed_materials=[],
    )
    client.force_login(demo.applicant2)
    assert client.get(f"/bundles/restaurant/apply/?draft={draft.pk}").status_code == 404
    assert (
        client.post(
            "/bundles/restaurant/apply/", form(demo.applicant2, draft=str(draft.pk))
        ).status_code
        == 404
    )
    assert client.post(f"/applications/drafts/{draft.pk}/delete/").status_code == 404
    assert "草稿（尚未提交）" not in client.get("/applications/").content.decode()
    assert ApplicationDraft.objects.filter(pk=draft.pk).exists()
    # Another bundle's form cannot take it either.
    client.force_login(demo.applicant)
    assert client.get(f"/bundles/newborn/apply/?draft={draft.pk}").status_code == 404
    assert client.get("/bundles/restaurant/apply/?draft=99999999999999999999").status_code == 404
    response = client.post(f"/applications/drafts/{draft.pk}/delete/")
    assert response["Location"] == "/applications/"
    assert not ApplicationDraft.objects.exists()


def test_a_draft_keeps_only_its_owners_files(client, demo):
    from tests.conftest import upload_pdf

    theirs = upload_pdf(demo.applicant2, name="theirs.pdf")
    mine = upload_pdf(demo.applicant, content=b"%PDF-1.4 mine\n", name="mine.pdf")
    draft = save_draft(
        owner=demo.applicant,
        actor=demo.applicant,
        bundle="restaurant",
        answers={},
        form_data={},
        idempotency_key="k",
        materials={
            "premises-proof": [theirs.pk, mine.pk],
            "id-card": [theirs.pk],
            "not-a-material": [mine.pk],
        },
        choices={},
        allowed_materials=["premises-proof", "id-card"],
    )
    assert draft.materials == {"premises-proof": [mine.pk]}


def test_drafts_expire_and_housekeeping_deletes_them(client, demo):
    with time_machine.travel(T0, tick=False):
        old = save_draft(
            owner=demo.applicant,
            actor=demo.applicant,
            bundle="restaurant",
            answers={},
            form_data={},
            materials={},
            choices={},
            idempotency_key="a",
            allowed_materials=[],
        )
    with time_machine.travel(T0 + dt.timedelta(days=20), tick=False):
        recent = save_draft(
            owner=demo.applicant,
            actor=demo.applicant,
            bundle="restaurant",
            answers={},
            form_data={},
            materials={},
            choices={},
            idempotency_key="b",
            allowed_materials=[],
        )
    with time_machine.travel(T0 + dt.timedelta(days=30, seconds=1), tick=False):
        client.force_login(demo.applicant)
        # Expired: gone from the list and from the form at once, before housekeeping runs.
        assert client.get(f"/bundles/restaurant/apply/?draft={old.pk}").status_code == 404
        assert client.get(f"/bundles/restaurant/apply/?draft={recent.pk}").status_code == 200
        report = run_housekeeping()
    assert report.deleted["drafts"] == 1
    assert list(ApplicationDraft.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "已删除 1 条过期的申请草稿 (deleted 1 expired application draft(s))" in report.lines()


def test_a_refused_file_keeps_the_others_and_says_why(client, demo):
    client.force_login(demo.applicant)
    data = with_files(form(demo.applicant))
    data["material-id-card"] = SimpleUploadedFile("id.pdf", b"MZ not a pdf")
    response = client.post("/bundles/restaurant/apply/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "只接受 PDF" in html
    draft = ApplicationDraft.objects.get()
    assert "id-card" not in draft.materials and len(draft.materials) == 14
    assert re.search(r'href="#material-id-card"', html)


def test_staff_cannot_keep_a_draft(demo):
    from onething.applications.errors import CaseActionDenied

    with pytest.raises(CaseActionDenied):
        save_draft(
            owner=demo.applicant,
            actor=demo.clerk,
            bundle="restaurant",
            answers={},
            form_data={},
            materials={},
            choices={},
            idempotency_key="k",
            allowed_materials=[],
        )
