"""The REST API end to end: tokens, the whole restaurant flow, access, every error kind."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import resolve

from onething.accounts.services import issue_api_token
from onething.api import paging
from onething.applications.models import Application
from tests.conftest import PDF, RESTAURANT_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

API = "/api/v1"


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, label='test')}"}


def post_json(client, url, data, headers, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(f"{API}{url}", body, content_type="application/json", **headers, **extra)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["message"] and isinstance(body["errors"], dict)
    return body


def upload(client, headers, content=PDF, name="a.pdf"):
    return client.post(f"{API}/uploads", {"file": SimpleUploadedFile(name, content)}, **headers)


def submission(client, headers, applicant, answers=None, **changes):
    """A complete restaurant submission, its files uploaded through the API."""
    plan = client.get(f"{API}/bundles/restaurant/plan",
                      {"answers": json.dumps(answers or {})}).json()
    form = {f["key"]: RESTAURANT_FORM.get(f["key"], "x") for f in plan["fields"]}
    form["legal_representative_id_number"] = applicant.id_number
    form.pop("uscc", None)
    materials = {m["key"]: upload(client, headers).json()["id"] for m in plan["materials"]}
    commitments = {c["matter"]: c["sha256"] for c in plan["commitments"]}  # 告知承诺, signed
    return {"bundle": "restaurant", "answers": answers or {}, "form_data": form,
            "materials": materials, "commitments": commitments, **changes}


def submit(client, headers, applicant, **changes):
    response = post_json(client, "/applications", submission(client, headers, applicant,
                                                             **changes), headers)
    assert response.status_code == 201, response.content
    return response.json()


def act(client, headers, case_id, action, **body):
    return post_json(client, f"/cases/{case_id}/actions/{action}", body, headers)


def test_restaurant_flow_through_the_api(client, demo):
    applicant = bearer(demo.applicant)
    reviewers = {"dc-samr": bearer(demo.samr), "dc-health": bearer(demo.health),
                 "dc-fire": bearer(demo.fire), "dc-urban-management": bearer(demo.urban)}

    bundles = client.get(f"{API}/bundles").json()
    restaurant = next(b for b in bundles if b["slug"] == "restaurant")
    assert set(restaurant) == {"slug", "name", "category", "description"}

    planned = client.get(f"{API}/bundles/restaurant/plan",
                         {"answer": ["signboard=no", "sells_tobacco=no"], "start": "2026-12-01"})
    assert planned.status_code == 200
    assert "outdoor-signboard" not in [m["code"] for m in planned.json()["matters"]]
    assert planned.json()["start"] == "2026-12-01" and planned.json()["due"]

    stored = upload(client, applicant)
    assert stored.status_code == 201
    assert stored.json()["content_type"] == "application/pdf"
    assert stored.json()["size"] == len(PDF) and len(stored.json()["sha256"]) == 64

    data = submission(client, applicant, demo.applicant)
    created = post_json(client, "/applications", data, applicant, HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201, created.content
    application = created.json()
    assert application["tracking_number"] and application["status"] == "in_progress"
    assert application["bundle"] == {"slug": "restaurant", "name": restaurant["name"],
                                     "single_matter": None}
    assert application["expected_completion"]
    cases = {c["matter"]["code"]: c for c in application["cases"]}
    assert {code: c["status"] for code, c in cases.items()} == {
        "business-registration": "submitted", "food-worker-health-certificate": "submitted",
        "food-business-licence": "waiting", "fire-safety-check-commitment": "waiting",
        "outdoor-signboard": "waiting"}
    licence = cases["food-business-licence"]
    assert licence["depends_on"] == [cases["business-registration"]["id"]]
    assert licence["department"]["code"] and licence["status_label"] == "等待前置事项"
    assert {"overdue", "due_soon", "promised_due_date", "statutory_due_date"} <= set(licence)
    # Idempotent: the same key (header or body) gives the same application.
    again = post_json(client, "/applications", data, applicant, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json()["id"] == application["id"]
    again = post_json(client, "/applications", {**data, "idempotency_key": "k-1"}, applicant)
    assert again.json()["id"] == application["id"]
    assert Application.objects.count() == 1

    # A reviewer sees the form of their matter with the ID number masked, never in clear.
    detail = client.get(f"{API}/cases/{cases['business-registration']['id']}",
                        **reviewers["dc-samr"])
    assert detail.status_code == 200
    assert detail.json()["actions"] == ["accept", "refuse", "request_correction"]
    assert "*" in detail.json()["form"]["legal_representative_id_number"]
    assert {m["key"] for m in detail.json()["materials"]}
    for response in (created, detail, client.get(f"{API}/applications/{application['id']}",
                                                 **applicant)):
        assert demo.applicant.id_number not in response.content.decode()

    # One round of corrections: every item at once, the applicant resubmits only those.
    registration = cases["business-registration"]["id"]
    asked = act(client, reviewers["dc-samr"], registration, "request_correction",
                reason="材料不全", items=[{"material": "premises-proof", "note": "缺页"}])
    assert asked.json()["status"] == "correction_requested"
    assert asked.json()["correction_items"] == [{"material": "premises-proof", "note": "缺页"}]
    new_file = upload(client, applicant, PDF + b"%fixed").json()["id"]
    resubmitted = act(client, applicant, registration, "resubmit",
                      materials={"premises-proof": new_file})
    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["status"] == "submitted"

    released = set()
    for _ in range(3):  # stages are released as prerequisites are approved
        for code, headers in reviewers.items():
            queue = client.get(f"{API}/queue", {"status": "submitted"}, **headers).json()
            assert all(c["department"]["code"] == code for c in queue["items"])
            for case in queue["items"]:
                released.add(case["matter"]["code"])
                for action in ("accept", "start_review", "approve", "conclude"):
                    response = act(client, headers, case["id"], action)
                    assert response.status_code == 200, response.content
                    if action == "accept":
                        assert response.json()["promised_due_date"]
    # 告知承诺: the fire check was approved on the signed commitment at release; the fire
    # department records the post-check, then concludes.
    assert released == set(cases) - {"fire-safety-check-commitment"}
    fire = client.get(f"{API}/cases/{cases['fire-safety-check-commitment']['id']}",
                      **reviewers["dc-fire"]).json()
    assert fire["status"] == "approved_on_commitment"
    assert fire["actions"] == ["confirm_commitment", "revoke_false_commitment"]
    assert fire["commitment"]["version"] == "2026-01" and fire["commitment"]["check_result"] == ""
    for action in ("confirm_commitment", "conclude"):
        response = act(client, reviewers["dc-fire"], fire["id"], action)
        assert response.status_code == 200, response.content

    final = client.get(f"{API}/applications/{application['id']}", **applicant).json()
    assert final["status"] == "completed"
    assert {c["status"] for c in final["cases"]} == {"concluded"}
    listed = client.get(f"{API}/applications", **applicant).json()
    assert [a["id"] for a in listed["items"]] == [application["id"]] and listed["next"] is None


def test_object_level_access_and_every_error_kind(client, demo, settings):
    applicant, other = bearer(demo.applicant), bearer(demo.applicant2)
    samr, health, clerk = bearer(demo.samr), bearer(demo.health), bearer(demo.clerk)
    application = submit(client, applicant, demo.applicant)
    cases = {c["matter"]["code"]: c["id"] for c in application["cases"]}
    registration = cases["business-registration"]

    # Not yours: 404, never 403.
    assert_error(client.get(f"{API}/applications/{application['id']}", **other), 404,
                 "not_found")
    assert_error(post_json(client, f"/applications/{application['id']}/withdraw", {}, other),
                 404, "not_found")
    assert_error(client.get(f"{API}/cases/{registration}", **other), 404, "not_found")
    assert_error(client.get(f"{API}/cases/{registration}", **health), 404, "not_found")
    assert_error(act(client, health, registration, "accept"), 404, "not_found")
    assert client.get(f"{API}/applications", **other).json()["items"] == []
    assert registration not in [c["id"] for c in
                                client.get(f"{API}/queue", **health).json()["items"]]
    assert_error(client.get(f"{API}/applications/999999", **applicant), 404, "not_found")
    assert_error(client.get(f"{API}/nothing-here", **applicant), 404, "not_found")
    assert_error(client.delete(f"{API}/applications/{application['id']}", **applicant), 405,
                 "method_not_allowed")
    assert_error(act(client, samr, registration, "fly"), 404, "not_found")

    # Tokens.
    assert_error(client.get(f"{API}/applications"), 401, "unauthorized")
    assert_error(client.get(f"{API}/applications", HTTP_AUTHORIZATION="Bearer nope"), 401,
                 "unauthorized")
    assert_error(client.post(f"{API}/uploads"), 401, "unauthorized")

    # The lifecycle's rules.
    assert_error(act(client, samr, registration, "approve"), 409, "illegal_transition")
    assert_error(act(client, applicant, registration, "accept"), 409, "illegal_transition")
    assert_error(act(client, samr, registration, "refuse", reason=" "), 400, "reason_required")
    assert_error(act(client, samr, registration, "request_correction", reason="缺", items=[]),
                 400, "correction_items_required")
    assert_error(act(client, clerk, registration, "accept"), 403, "forbidden")
    assert_error(client.get(f"{API}/queue", **applicant), 403, "forbidden")

    # Bad input.
    assert_error(post_json(client, "/applications", "{not json", applicant), 400,
                 "malformed_json")
    assert_error(post_json(client, f"/cases/{registration}/actions/accept", b"[1,", samr),
                 400, "malformed_json")
    body = assert_error(post_json(client, "/applications", {"bundle": "restaurant",
                                                             "materials": {"a": "x"}},
                                  applicant), 400, "invalid_request")
    assert "materials.a" in body["errors"]
    assert "bundle" in assert_error(post_json(client, "/applications", {}, applicant), 400,
                                    "invalid_request")["errors"]
    assert_error(post_json(client, "/applications", {"bundle": "no-such"}, applicant), 404,
                 "not_found")
    assert_error(client.get(f"{API}/bundles/no-such/plan"), 404, "not_found")
    assert_error(client.get(f"{API}/bundles/restaurant/plan", {"answer": "menu=pizza"}), 400,
                 "invalid_answers")
    assert_error(client.get(f"{API}/bundles/restaurant/plan", {"answer": "menu"}), 400,
                 "invalid_answers")
    assert_error(client.get(f"{API}/bundles/restaurant/plan", {"answers": "{"}), 400,
                 "malformed_json")
    for start in ("soon", "9999-12-31"):
        assert_error(client.get(f"{API}/bundles/restaurant/plan", {"start": start}), 400,
                     "invalid_request")
    data = submission(client, applicant, demo.applicant)
    assert_error(post_json(client, "/applications", {**data, "answers": {"menu": "pizza"}},
                           applicant), 400, "invalid_answers")
    bad_id = {**data["form_data"], "legal_representative_id_number": "371402199001011230",
              "floor_area": "很大"}
    body = assert_error(post_json(client, "/applications", {**data, "form_data": bad_id},
                                  applicant), 400, "invalid_submission")
    assert "校验码" in body["errors"]["legal_representative_id_number"]
    assert "floor_area" in body["errors"]
    assert "371402199001011230" not in json.dumps(body, ensure_ascii=False)
    assert_error(post_json(client, "/applications", {**data, "idempotency_key": "a"}, applicant,
                           HTTP_IDEMPOTENCY_KEY="b"), 400, "invalid_request")
    assert_error(post_json(client, "/applications", data, applicant,
                           HTTP_IDEMPOTENCY_KEY="k" * 101), 400, "idempotency_key_too_long")
    assert_error(client.get(f"{API}/queue", {"due": "tomorrow"}, **samr), 400, "invalid_request")
    assert_error(client.get(f"{API}/queue", {"cursor": "!!"}, **samr), 400, "invalid_cursor")

    # Uploads are checked by content.
    assert_error(upload(client, applicant, b"MZ\x90\x00", "a.pdf"), 400, "bad_type")
    assert_error(upload(client, applicant, b"", "a.pdf"), 400, "empty")
    assert_error(client.post(f"{API}/uploads", {}, **applicant), 400, "invalid_request")
    settings.ONETHING_UPLOAD_MAX_BYTES = 10
    assert_error(upload(client, applicant), 413, "too_large")

    # Withdrawal: once, by the applicant.
    withdrawn = post_json(client, f"/applications/{application['id']}/withdraw",
                          {"reason": "不开了"}, applicant)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert_error(post_json(client, f"/applications/{application['id']}/withdraw", {},
                           applicant), 409, "nothing_to_withdraw")

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    assert_error(post_json(client, "/applications", {"bundle": "restaurant" * 3}, applicant),
                 413, "too_large")


def test_queue_pages_by_due_date_with_a_cursor(client, demo, monkeypatch):
    applicant, samr = bearer(demo.applicant), bearer(demo.samr)
    ids = []
    for key in ("q1", "q2", "q3"):
        application = submit(client, applicant, demo.applicant, idempotency_key=key)
        ids.append(next(c["id"] for c in application["cases"]
                        if c["matter"]["code"] == "business-registration"))
    assert act(client, samr, ids[0], "accept").status_code == 200
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    seen, cursor = [], ""
    while True:
        page = client.get(f"{API}/queue", {"cursor": cursor} if cursor else {}, **samr).json()
        seen += [c["id"] for c in page["items"]]
        if not page["next"]:
            break
        cursor = page["next"]
    # Not yet accepted (no due date) first, then by promised due date.
    assert seen == [ids[1], ids[2], ids[0]]
    accepted = client.get(f"{API}/queue", {"status": "accepted"}, **samr).json()
    assert [c["id"] for c in accepted["items"]] == [ids[0]]


def test_openapi_document_and_token_command(client, django_user_model):
    document = client.get(f"{API}/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    for path in ("/api/v1/bundles", "/api/v1/bundles/{slug}/plan", "/api/v1/uploads",
                 "/api/v1/applications", "/api/v1/applications/{application_id}",
                 "/api/v1/applications/{application_id}/withdraw", "/api/v1/queue",
                 "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/actions/{action}"):
        assert path in paths
    assert "BearerToken" in document.json()["components"]["securitySchemes"]
    docs = client.get(f"{API}/docs")
    assert docs.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content
    assert b"https://" not in docs.content  # nothing is fetched from the internet
    assert resolve(f"{API}/openapi.json", urlconf="onething.urls").url_name == "openapi-json"

    django_user_model.objects.create(username="api-user", role="applicant")
    out = io.StringIO()
    call_command("token", "issue", "api-user", "--label", "ci", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("ot_")
    response = client.get(f"{API}/applications", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json() == {"items": [], "next": None}
    with pytest.raises(CommandError):
        call_command("token", "issue", "nobody", stdout=io.StringIO())
