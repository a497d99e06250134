"""A draft submitted twice at once (a double click on a slow line): one application, both
requests are sent to it, the draft is gone. Real concurrent connections on PostgreSQL."""

import threading

import pytest
from django.db import connection
from django.test import Client

from onething.applications.drafts import save_draft
from onething.applications.models import Application, ApplicationDraft
from onething.catalog.selectors import plan_bundle
from tests.conftest import upload_pdf
from tests.portal.test_drafts import ANSWERS, form


@pytest.mark.django_db(transaction=True)
def test_a_draft_submitted_twice_at_once_files_one_application(demo):
    plan = plan_bundle("restaurant", ANSWERS)
    materials = {m.key: [upload_pdf(demo.applicant, content=b"%PDF-1.4 " + m.key.encode(),
                                    name=f"{m.key}.pdf").pk] for m in plan.materials}
    draft = save_draft(owner=demo.applicant, actor=demo.applicant, bundle="restaurant",
                       answers=ANSWERS, form_data={}, materials=materials, choices={},
                       idempotency_key="race-draft",
                       allowed_materials=[m.key for m in plan.materials])
    data = form(demo.applicant, key="race-draft", draft=str(draft.pk))
    answers, errors = [], []
    start = threading.Barrier(2)

    def run():
        try:
            client = Client()
            client.force_login(demo.applicant)
            start.wait()
            answers.append(client.post("/bundles/restaurant/apply/", data))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    if connection.vendor == "sqlite":  # one writer at a time: the race runs in turn
        start = threading.Barrier(1)
        run()
        run()
    else:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    application = Application.objects.get()
    assert [a.status_code for a in answers] == [302, 302]
    assert {a["Location"] for a in answers} == {f"/applications/{application.pk}/"}
    assert application.materials.count() == 15
    assert not ApplicationDraft.objects.exists()
