"""容缺受理 and 告知承诺 through the REST API: the plan, signing, owed materials, refusals."""

from __future__ import annotations

import pytest

from onething.accounts.models import User
from onething.applications.models import Commitment
from onething.domain.catalog import commitment_hash
from tests.api.test_api import API, act, assert_error, bearer, post_json, submission, upload

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

FIRE = "fire-safety-check-commitment"
PERFORMANCE = "commercial-performance-approval"
PERMIT = "large-event-permit"


def test_the_plan_carries_the_commitment_text_and_the_materials_that_may_follow(client, demo):
    restaurant = client.get(f"{API}/bundles/restaurant/plan").json()
    [terms] = restaurant["commitments"]
    assert (terms["matter"], terms["version"], terms["check_within"]) == (FIRE, "2026-01", 20)
    assert terms["text"].startswith("公众聚集场所投入使用、营业前消防安全检查告知承诺书")
    assert terms["sha256"] == commitment_hash(terms["text"])
    inspection = client.get(f"{API}/bundles/restaurant/plan",
                            {"answer": "fire_route=inspection"}).json()
    assert inspection["commitments"] == []

    performance = client.get(f"{API}/bundles/performance/plan",
                             {"answer": "attendance=1000-plus"}).json()
    materials = {m["key"]: m for m in performance["materials"]}
    assert (materials[PERMIT]["deferrable"], materials[PERMIT]["supply_within"]) == (True, 5)
    assert "deferrable" not in materials["performance-application"]


def test_signing_the_commitment_through_the_api(client, demo):
    applicant = bearer(demo.applicant)
    data = submission(client, applicant, demo.applicant)
    created = post_json(client, "/applications", data, applicant)
    assert created.status_code == 201, created.content
    signed = Commitment.objects.get(case__application_id=created.json()["id"])
    assert (signed.sha256, signed.channel, signed.signed_by) == (
        data["commitments"][FIRE], "api", demo.applicant)
    fire = next(c for c in created.json()["cases"] if c["matter"]["code"] == FIRE)
    detail = client.get(f"{API}/cases/{fire['id']}", **applicant).json()
    assert detail["commitment"]["text"] == signed.text
    assert detail["commitment"]["check_due_date"] is None  # waits for the business licence


def test_unsigned_tampered_and_stray_commitments_are_refused(client, demo):
    applicant = bearer(demo.applicant)
    data = submission(client, applicant, demo.applicant)
    unsigned = assert_error(post_json(client, "/applications", {**data, "commitments": {}},
                                      applicant), 400, "commitment_required")
    assert set(unsigned["errors"]) == {f"commitments.{FIRE}"}
    tampered = assert_error(post_json(client, "/applications",
                                      {**data, "commitments": {FIRE: "f" * 64}}, applicant),
                            400, "commitment_mismatch")
    assert "2026-01 版" in tampered["errors"][f"commitments.{FIRE}"]
    stray = assert_error(post_json(client, "/applications",
                                   {**data, "commitments": {**data["commitments"],
                                                            "outdoor-signboard": "0" * 64}},
                                   applicant), 400, "commitment_not_needed")
    assert set(stray["errors"]) == {"commitments.outdoor-signboard"}
    assert_error(post_json(client, "/applications", {**data, "commitments": {FIRE: "f" * 65}},
                           applicant), 400, "invalid_request")
    assert not Commitment.objects.exists()


def performance_payload(client, headers, **changes):
    plan = client.get(f"{API}/bundles/performance/plan",
                      {"answer": "attendance=1000-plus"}).json()
    values = {"number": "1500", "date": "2026-04-25", "mobile": "13800000002"}
    form = {f["key"]: values.get(f["type"], "夏夜音乐会") for f in plan["fields"]
            if f["key"] not in {"uscc", "company_name"}}
    materials = {m["key"]: upload(client, headers).json()["id"] for m in plan["materials"]
                 if m["key"] != PERMIT}
    return {"bundle": "performance", "answers": {"attendance": "1000-plus"},
            "form_data": form, "materials": materials, "deferred_materials": [PERMIT],
            **changes}


def test_owed_materials_are_shown_refuse_approval_and_are_supplied(client, demo):
    company = bearer(demo.applicant2)
    culture = bearer(User.objects.get(username="reviewer-dc-culture-tourism"))
    created = post_json(client, "/applications", performance_payload(client, company), company)
    assert created.status_code == 201, created.content
    case = next(c for c in created.json()["cases"] if c["matter"]["code"] == PERFORMANCE)
    assert case["pending_materials"] == [{"material": PERMIT,
                                          "name": "大型群众性活动安全许可决定书", "note": ""}]
    assert case["pending_due_date"] is None

    detail = client.get(f"{API}/cases/{case['id']}", **culture).json()
    assert detail["actions"] == ["refuse", "request_correction", "accept_pending"]
    assert_error(act(client, culture, case["id"], "accept"), 409, "illegal_transition")
    accepted = act(client, culture, case["id"], "accept_pending")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted_pending"
    assert accepted.json()["pending_due_date"]
    refused = assert_error(act(client, culture, case["id"], "approve"), 409,
                           "illegal_transition")
    assert refused["message"].startswith("尚有容缺材料未补齐")

    # The applicant sees what is owed, on the application and on the case.
    mine = client.get(f"{API}/applications/{created.json()['id']}", **company).json()
    owed = next(c for c in mine["cases"] if c["id"] == case["id"])
    assert [i["material"] for i in owed["pending_materials"]] == [PERMIT]
    assert client.get(f"{API}/cases/{case['id']}", **company).json()["actions"] == [
        "supply_materials", "withdraw"]

    # Someone else's case: not visible, so not theirs to supply.
    other = bearer(demo.applicant)
    stranger_file = upload(client, other).json()["id"]
    assert_error(act(client, other, case["id"], "supply_materials",
                     materials={PERMIT: stranger_file}), 404, "not_found")
    assert_error(act(client, company, case["id"], "supply_materials",
                     materials={PERMIT: stranger_file}), 400, "invalid_submission")

    supplied = act(client, company, case["id"], "supply_materials",
                   materials={PERMIT: upload(client, company).json()["id"]})
    assert supplied.status_code == 200, supplied.content
    assert supplied.json()["status"] == "accepted"
    assert supplied.json()["pending_materials"] == []
    approved = act(client, culture, case["id"], "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_a_material_that_must_come_now_cannot_be_owed(client, demo):
    company = bearer(demo.applicant2)
    payload = performance_payload(client, company)
    payload["deferred_materials"] = [PERMIT, "performance-application"]
    body = assert_error(post_json(client, "/applications", payload, company), 400,
                        "invalid_submission")
    assert set(body["errors"]) == {"materials.performance-application"}
