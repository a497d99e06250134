"""GET /bundles/{slug}/plan across the year end: every date carries its provisional flag."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

URL = "/api/v1/bundles/restaurant/plan"


def test_plan_into_an_unpublished_year_flags_each_date(client, loaded_catalog):
    response = client.get(URL, {"start": "2026-12-28"})
    assert response.status_code == 200, response.content
    data = response.json()
    dates = {m["code"]: (m["start"], m["start_provisional"], m["due"], m["due_provisional"])
             for m in data["matters"]}
    assert dates == {
        "business-registration": ("2026-12-28", False, "2026-12-29", False),
        "food-worker-health-certificate": ("2026-12-28", False, "2027-01-05", True),
        "food-business-licence": ("2026-12-29", False, "2027-01-06", True),
        "fire-safety-check-commitment": ("2026-12-29", False, "2026-12-29", False),
        "outdoor-signboard": ("2026-12-29", False, "2027-01-04", True),
    }
    assert (data["due"], data["provisional"]) == ("2027-01-06", True)


def test_plan_without_a_start_has_no_dates(client, loaded_catalog):
    data = client.get(URL).json()
    assert data["due"] is None and data["provisional"] is None
    assert all(m["due"] is None and m["due_provisional"] is None for m in data["matters"])


def test_openapi_documents_the_provisional_flags(client):
    document = client.get("/api/v1/openapi.json").json()
    matter = document["components"]["schemas"]["PlanMatterOut"]["properties"]
    assert "holiday notice is not entered" in matter["due_provisional"]["description"]
    assert "start_provisional" in matter
    plan = document["components"]["schemas"]["PlanOut"]["properties"]
    assert plan["matters"]["items"] == {"$ref": "#/components/schemas/PlanMatterOut"}
    assert "``due`` is provisional" in plan["provisional"]["description"]
    operation = document["paths"]["/api/v1/bundles/{slug}/plan"]["get"]
    assert "due_provisional" in operation["description"]
