"""Idempotency keys bind one payload; request bodies have no unknown keys.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.urls import reverse

from onething.applications.models import Application
from onething.applications.services import (
    Submission,
    SubmissionError,
    submission_fingerprint,
    submit_application,
)
from tests.api.test_api import API, assert_error, bearer, post_json, submission
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


# -- the same key with another payload ---------------------------------------------------


def _changed(data: dict, what: str) -> dict:
    if what == "form_data":
        return {**data, "form_data": {**data["form_data"], "company_name": "另一家店"}}
    if what == "answers":
        return {**data, "answers": {"signboard": "no"}}
    if what == "materials":
        materials = dict(data["materials"])
        materials.pop(next(iter(materials)))
        return {**data, "materials": materials}
    raise AssertionError(what)


@pytest.mark.parametrize("how", ["header", "body"])
@pytest.mark.parametrize("what", ["form_data", "answers", "materials"])
def test_a_key_reused_with_a_different_payload_is_422(client, demo, what, how):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    key = {"HTTP_IDEMPOTENCY_KEY": "order-1"} if how == "header" else {}
    first = data if how == "header" else {**data, "idempotency_key": "order-1"}
    created = post_json(client, "/applications", first, headers, **key)
    assert created.status_code == 201
    other = _changed(first, what)
    body = assert_error(post_json(client, "/applications", other, headers, **key), 422,
                        "idempotency_key_reused")
    assert body["errors"] == {"idempotency_key": "该幂等键已用于另一份内容不同的申请，请换用新的键 "
                                                 "(idempotency key already used with a "
                                                 "different payload)"}
    assert Application.objects.count() == 1


def test_a_key_reused_for_another_bundle_is_422_not_the_other_application(client, demo):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    created = post_json(client, "/applications", data, headers, HTTP_IDEMPOTENCY_KEY="k-9")
    assert created.status_code == 201
    other = {"bundle": "newborn", "answers": {}, "form_data": {}, "materials": {}}
    response = post_json(client, "/applications", other, headers, HTTP_IDEMPOTENCY_KEY="k-9")
    assert_error(response, 422, "idempotency_key_reused")
    assert Application.objects.count() == 1


def test_the_same_key_and_payload_returns_the_first_application(client, demo):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    first = post_json(client, "/applications", data, headers, HTTP_IDEMPOTENCY_KEY="k-1").json()
    # Key order and spacing of the JSON do not matter.
    reordered = json.dumps(dict(reversed(list(data.items()))), indent=2)
    again = post_json(client, "/applications", reordered, headers, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert Application.objects.count() == 1
    stored = Application.objects.get()
    assert stored.idempotency_fingerprint == submission_fingerprint(Submission(
        bundle=data["bundle"], answers=data["answers"], form_data=data["form_data"],
        materials=data["materials"], commitments=data["commitments"]))


def test_another_applicant_may_use_the_same_key(client, demo):
    for person in (demo.applicant, demo.applicant2):
        headers = bearer(person)
        response = post_json(client, "/applications", submission(client, headers, person),
                             headers, HTTP_IDEMPOTENCY_KEY="shared")
        assert response.status_code == 201
    assert Application.objects.count() == 2


@pytest.mark.parametrize("length", [101, 150, 5000])
@pytest.mark.parametrize("how", ["header", "body"])
def test_keys_over_100_characters_are_refused_not_truncated(client, demo, length, how):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    key = "k" * length
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if how == "header" else {}
    body = data if how == "header" else {**data, "idempotency_key": key}
    assert_error(post_json(client, "/applications", body, headers, **extra), 400,
                 "idempotency_key_too_long")
    assert not Application.objects.exists()


def test_a_key_of_exactly_100_characters_is_kept_whole(client, demo):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    response = post_json(client, "/applications", data, headers,
                         HTTP_IDEMPOTENCY_KEY="k" * 100)
    assert response.status_code == 201
    assert Application.objects.get().idempotency_key == "k" * 100


def test_the_service_refuses_long_and_reused_keys(demo):
    with pytest.raises(SubmissionError) as info:
        submit_application(restaurant_submission(demo.applicant, key="x" * 101),
                           actor=demo.applicant, applicant=demo.applicant)
    assert info.value.code == "idempotency_key_too_long"
    first = submit_application(restaurant_submission(demo.applicant, key="s-1"),
                               actor=demo.applicant, applicant=demo.applicant)
    with pytest.raises(SubmissionError) as info:
        submit_application(restaurant_submission(demo.applicant, answers={"signboard": "no"},
                                                 key="s-1"),
                           actor=demo.applicant, applicant=demo.applicant)
    assert info.value.code == "idempotency_key_reused"
    assert Application.objects.get() == first


def test_a_key_of_another_bundle_in_the_portal_form_is_refused_on_the_page(client, demo):
    first = submit_application(restaurant_submission(demo.applicant, key="portal-key"),
                               actor=demo.applicant, applicant=demo.applicant)
    client.force_login(demo.applicant)
    response = client.post(reverse("portal:apply", args=["newborn"]),
                           {"idempotency_key": "portal-key"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "该幂等键已用于另一份内容不同的申请，请换用新的键" in page
    assert list(Application.objects.all()) == [first]
    assert 'value="portal-key"' not in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_the_same_key_make_one_application(demo):
    """Two requests racing with one key and one payload: one application, both get it."""
    if connection.vendor == "sqlite":
        # SQLite serialises writers, so the race is run one after the other; the
        # unique constraint still decides (the loser takes the IntegrityError path).
        results = [submit_application(restaurant_submission(demo.applicant, key="race"),
                                      actor=demo.applicant, applicant=demo.applicant)
                   for _ in range(2)]
    else:
        sub = restaurant_submission(demo.applicant, key="race")
        results, errors = [], []

        def run():
            try:
                results.append(submit_application(sub, actor=demo.applicant,
                                                  applicant=demo.applicant))
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    assert len({a.pk for a in results}) == 1
    assert Application.objects.filter(idempotency_key="race").count() == 1


# -- unknown keys in bodies ------------------------------------------------------------------


def test_form_instead_of_form_data_is_named_not_ignored(client, demo):
    headers = bearer(demo.applicant)
    data = submission(client, headers, demo.applicant)
    data["form"] = data.pop("form_data")
    body = assert_error(post_json(client, "/applications", data, headers), 400, "unknown_field")
    assert body == {"code": "unknown_field",
                    "message": "请求中有未定义的字段：form (unknown field: form)",
                    "errors": {"form": "unknown field"}}
    assert not Application.objects.exists()


@pytest.mark.parametrize(("path", "body", "unknown"), [
    ("/applications", {"bundle": "restaurant", "materail": {}}, "materail"),
    ("/applications", {"bundle": "restaurant", "answers": {}, "extra": 1, "more": 2},
     "extra, more"),
    ("/applications/{app}/withdraw", {"reason": "不办了", "why": "x"}, "why"),
    ("/cases/{case}/actions/request_correction",
     {"reason": "补", "items": [{"material": "x", "not": "y"}]}, "items.0.not"),
    ("/cases/{case}/actions/withdraw", {"reson": "typo"}, "reson"),
    ("/applications/{app}/delivery", {"method": "post", "adress": "x"}, "adress"),
])
def test_unknown_keys_in_every_body_are_refused(client, demo, path, body, unknown):
    headers = bearer(demo.applicant)
    created = post_json(client, "/applications", submission(client, headers, demo.applicant),
                        headers).json()
    url = path.format(app=created["id"], case=created["cases"][0]["id"])
    response = post_json(client, url, body, headers)
    result = assert_error(response, 400, "unknown_field")
    assert result["message"] == f"请求中有未定义的字段：{unknown} (unknown field: {unknown})"
    assert Application.objects.get().status == "in_progress"


def test_dispatch_body_refuses_unknown_keys(client, demo):
    headers = bearer(demo.applicant)
    created = post_json(client, "/applications", submission(client, headers, demo.applicant),
                        headers).json()
    response = post_json(client, f"/applications/{created['id']}/delivery/dispatch",
                         {"carrier": "EMS", "tracking_number": "1", "eta": "soon"},
                         bearer(demo.samr))
    assert_error(response, 400, "unknown_field")


def test_the_api_docs_still_load(client):
    assert client.get(f"{API}/openapi.json").status_code == 200
