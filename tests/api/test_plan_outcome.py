"""The API plan carries the reform outcome (改革成效), documented in OpenAPI."""

from __future__ import annotations

import pytest

from tests.api.test_plan_reuse import HOLDS, URL, bearer, licence  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

SICHUAN = {
    "materials": 35,
    "working_days": 48,
    "calendar_days": None,
    "published_by": "四川省",
    "published_by_en": "Sichuan Province",
    "year": 2024,
    "uncertain": True,
}


def test_the_public_plan_carries_the_outcome_and_the_baseline(client, loaded_catalog):
    response = client.get(URL)
    assert response.status_code == 200, response.content
    # Registration 4 + health 3 + food licence 5 + fire 3 + signboard 3 = 18 one by one;
    # 14 different; the licence comes from the registration and the ID card may be an
    # electronic certificate: 12. Days 1 + 5 + 5 + 0 + 3 = 14 serial, 1 + 5 = 6 parallel.
    assert response.json()["outcome"] == {
        "materials": {
            "separate": 18,
            "merged": 14,
            "after_reuse": 12,
            "issued_in_plan": 1,
            "reusable": 1,
            "reuse_basis": "catalogue",
        },
        "working_days": {"serial": 14, "parallel": 6},
        "baseline": SICHUAN,
    }


def test_a_bundle_without_a_recorded_baseline_has_null(client, loaded_catalog):
    body = client.get("/api/v1/bundles/newborn/plan").json()
    assert body["outcome"]["baseline"] is None
    assert body["outcome"]["working_days"] == {"serial": 15, "parallel": 10}


def test_the_holders_plan_counts_the_certificates_they_hold(client, demo, licence):  # noqa: F811
    anonymous = client.get(URL, HOLDS).json()["outcome"]["materials"]
    # Without knowing the applicant: the licence and the ID card may both be reused.
    assert anonymous == {
        "separate": 14,
        "merged": 11,
        "after_reuse": 9,
        "issued_in_plan": 0,
        "reusable": 2,
        "reuse_basis": "catalogue",
    }
    held = client.get(URL, HOLDS, **bearer(demo.applicant2)).json()["outcome"]["materials"]
    # The applicant holds the licence only: 11 - 1 = 10 left to hand in.
    assert held == {
        "separate": 14,
        "merged": 11,
        "after_reuse": 10,
        "issued_in_plan": 0,
        "reusable": 1,
        "reuse_basis": "held",
    }


def test_a_staff_token_plans_as_anonymous(client, demo, licence):  # noqa: F811
    body = client.get(URL, HOLDS, **bearer(demo.samr)).json()
    assert body["outcome"]["materials"]["reuse_basis"] == "catalogue"


def test_the_outcome_is_documented_in_openapi(client, loaded_catalog):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    plan = schemas["PlanOut"]
    assert "outcome" in plan["required"]
    assert plan["properties"]["outcome"]["$ref"] == "#/components/schemas/PlanOutcomeOut"
    outcome = schemas["PlanOutcomeOut"]
    assert set(outcome["properties"]) == {"materials", "working_days", "baseline"}
    assert set(schemas["OutcomeMaterialsOut"]["properties"]) == {
        "separate",
        "merged",
        "after_reuse",
        "issued_in_plan",
        "reusable",
        "reuse_basis",
    }
    assert schemas["OutcomeMaterialsOut"]["properties"]["reuse_basis"]["enum"] == [
        "held",
        "catalogue",
    ]
    assert set(schemas["OutcomeWorkingDaysOut"]["properties"]) == {"serial", "parallel"}
    assert set(schemas["BaselineOut"]["properties"]) == {
        "materials",
        "working_days",
        "calendar_days",
        "published_by",
        "published_by_en",
        "year",
        "uncertain",
    }
    # No citation and no maintainer's note reach the API.
    assert "source" not in schemas["BaselineOut"]["properties"]
