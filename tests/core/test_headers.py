"""Security headers: a Content-Security-Policy without inline script, no-store on every
answer that may carry personal data, and a Permissions-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from onething.accounts.services import issue_api_token
from onething.applications.services import submit_application
from onething.applications.services import transition_case as transition
from onething.certificates.models import Certificate
from onething.domain.cases import Action
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db

ONETHING = Path(__file__).resolve().parents[2] / "onething"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
PERMISSIONS = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
               "hid=(), midi=(), accelerometer=(), gyroscope=(), "
               "magnetometer=(), display-capture=(), browsing-topics=(), fullscreen=(self)")


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def directives(header: str) -> dict[str, list[str]]:
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_every_page_has_the_policy_headers(client, loaded_catalog):
    response = client.get("/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == directives(CSP)
    assert response["Permissions-Policy"] == PERMISSIONS
    policy = directives(response["Content-Security-Policy"])
    # No inline script or style may run, nor anything eval'd: only files from this site.
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)
    assert policy["script-src"] == ["'self'"] and policy["object-src"] == ["'none'"]


def test_public_pages_for_anonymous_visitors_stay_cacheable(client, loaded_catalog):
    for url in ("/", "/bundles/restaurant/", "/scenarios/", "/search/?q=餐饮",
                "/api/v1/bundles"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not no_store(response), url


def test_personal_answers_are_never_stored(client, demo):
    application = submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                                     applicant=demo.applicant)
    case = application.cases.get(matter__code="business-registration")
    transition(case.pk, Action.ACCEPT, actor=demo.samr)
    transition(case.pk, Action.APPROVE, actor=demo.samr, result={"note": "ok"})
    certificate = Certificate.objects.get(case=case)
    material = application.materials.first()

    # Anonymous, but about somebody: the sign-in steps, staff sign-in, the kiosk.
    for url in ("/workbench/login/", "/kiosk/", reverse("kiosk:identify")):
        assert no_store(client.get(url)), url
    answer = client.post("/login/", {"step": "mobile", "mobile": "13800000001"})
    assert answer.status_code == 200 and no_store(answer)
    assert no_store(client.get(f"/verify/{certificate.number}/"))

    client.force_login(demo.applicant)  # every page a signed-in person sees
    for url in ("/", "/applications/", f"/applications/{application.pk}/", "/notifications/",
                f"/files/materials/{material.pk}/",
                f"/certificates/{certificate.number}.pdf",
                f"/certificates/{certificate.number}/share/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response) and "private" in response["Cache-Control"], url
    client.logout()

    client.force_login(demo.samr)
    assert no_store(client.get("/workbench/"))  # a redirect to the queue
    for url in ("/workbench/queue/", f"/workbench/cases/{case.pk}/"):
        response = client.get(url)
        assert response.status_code == 200 and no_store(response), url
    client.logout()

    token = issue_api_token(demo.applicant, label="t")
    response = client.get(f"/api/v1/applications/{application.pk}",
                          HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and no_store(response)
    refused = client.get("/api/v1/applications", HTTP_AUTHORIZATION="Bearer wrong")
    assert refused.status_code == 401 and no_store(refused)


def test_a_session_holding_a_number_is_not_cached(client, loaded_catalog):
    """After registering, the sign-in form shows the number from the session."""
    from onething.domain.validators import id_check_character

    client.post("/register/", {"kind": "person", "real_name": "陈一", "mobile": "13700000007",
                               "id_number": "11010519491231002"
                               + id_check_character("11010519491231002")})
    assert no_store(client.get("/login/"))
    assert no_store(client.get("/"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style", re.I)
JS_URL = re.compile(r"javascript:", re.I)


def test_templates_have_no_inline_script_handlers_or_styles():
    """What the policy would block: found here before a browser refuses it."""
    offenders = []
    for path in sorted(ONETHING.glob("*/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for name, pattern in (("inline script", INLINE_SCRIPT), ("event handler", HANDLER),
                              ("inline style", STYLE), ("javascript: URL", JS_URL)):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ONETHING)}: {name}")
    assert offenders == []
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/kiosk/kiosk.js"></script>')
    assert HANDLER.search('<button onclick="x()">') and STYLE.search('<p style="color:red">')
