"""The workbench and the registers pages in English; Chinese stays the default.

Catalogue content (bundle, matter, department names, form labels) is data and
stays Chinese; everything the workbench itself says is translated.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from onething.accounts.models import ApplicantKind, Role, User
from onething.applications.delivery import DeliveryMethod
from onething.applications.models import Channel, Event
from onething.audit.services import KINDS as AUDIT_KINDS
from onething.certificates.selectors import STATUS_LABELS as CERTIFICATE_STATUS_LABELS
from onething.domain.cases import (
    ACTION_LABELS,
    APPLICATION_STATUS_LABELS,
    STATUS_LABELS,
    TRANSITION_ACTIONS,
)
from onething.domain.deadlines import SUSPENSION_LABELS
from onething.domain.identity import EVIDENCE_LABELS, LEVEL_LABELS
from onething.domain.registers import DUE_ITEMS, REGISTERS
from onething.workbench.labels import LABELS, label
from tests.english import catalogue_data, check_catalogue, chinese_left, english
from tests.workbench.test_workbench import buttons, case_of, case_url, submit

pytestmark = pytest.mark.django_db

# The labels the domain and the models keep in Chinese, by the kind labels.py gives them.
SOURCES = {
    "case_status": {s.value: text for s, text in STATUS_LABELS.items()},
    "case_action": {a.value: text for a, text in ACTION_LABELS.items()
                    if a in TRANSITION_ACTIONS},
    "case_event": {key: Event(action=key).action_label for key in ACTION_LABELS},
    "application_status": {s.value: text for s, text in APPLICATION_STATUS_LABELS.items()},
    "role": dict(Role.choices),
    "applicant_kind": dict(ApplicantKind.choices),
    "channel": dict(Channel.choices),
    "delivery_method": dict(DeliveryMethod.choices),
    "certificate_status": CERTIFICATE_STATUS_LABELS,
    "due_item": DUE_ITEMS,
    "register": {key: spec.name for key, spec in REGISTERS.items()},
    "assurance_level": {str(int(k)): text for k, text in LEVEL_LABELS.items()},
    "assurance_evidence": EVIDENCE_LABELS,
    "audit_kind": AUDIT_KINDS,
    "suspension_kind": {k.value: text for k, text in SUSPENSION_LABELS.items()},
}


def assert_english(response, data=()) -> str:
    html = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en"' in html
    assert chinese_left(html, data, whole_body=True) == []  # the portal's header too
    return html


def test_every_domain_and_model_label_has_its_english():
    assert set(LABELS) == set(SOURCES)
    for kind, source in SOURCES.items():
        assert set(LABELS[kind]) == set(source), kind
        with translation.override("zh-hans"):
            assert {value: label(kind, value) for value in source} == source, kind
        with translation.override("en"):
            english_labels = {value: label(kind, value) for value in source}
        assert all(text and text != source[v] for v, text in english_labels.items()), kind
    with translation.override("en"):
        assert label("case_status", "approved") == "Approved"
        assert label("case_action", "approve") == "Approve"
        assert label("case_action", "something-new") == "something-new"


@pytest.mark.parametrize("app", ["workbench"])  # the registers pages are the workbench's
def test_catalogues_are_complete_and_compiled(app):
    assert check_catalogue(app) > 20


def test_login_in_english(client, demo):
    english(client)
    html = assert_english(client.get(reverse("workbench:login")))
    assert "<h1>Staff sign-in</h1>" in html and ">Username</label>" in html
    assert ">Password</label>" in html and '<button type="submit" class="button">Sign in' in html

    response = client.post(reverse("workbench:login"),
                           {"username": "reviewer-dc-samr", "password": "wrong"})
    html = assert_english(response)
    assert "Sign-in failed" in html and "The username or password is not correct" in html


def test_home_queue_and_case_in_english(client, demo):
    application = submit(demo)
    data = catalogue_data(application)
    english(client)

    client.force_login(demo.manager)
    html = assert_english(client.get(reverse("workbench:home")), data)
    assert "<h1>Recent applications</h1>" in html and "Tracking number</th>" in html
    assert "Online service hall" in html and "In progress" in html
    assert "Workbench home" in html and "General window intake" in html  # navigation
    assert "Service centre manager" in html

    client.force_login(demo.samr)
    html = assert_english(client.get(reverse("workbench:queue")), data)
    assert "Department cases" in html and "Awaiting acceptance" in html
    assert "1 case." in html and "Set on acceptance" in html and ">Filter</button>" in html
    html = assert_english(client.get(reverse("workbench:queue"), {"due": "overdue"}), data)
    assert "0 cases (filtered)." in html and "No cases match the filters." in html

    case = case_of(application, "business-registration")
    page = client.get(case_url(case))
    html = assert_english(page, data)
    assert buttons(page) == ["Accept", "Refuse to accept", "Send one-time correction notice"]
    assert "Materials to correct" in html and "Delivery of the result" in html
    assert "Application submitted" in html and "History" in html  # the history table
    assert "Individual" not in html and "(individual)" in html

    response = client.post(case_url(case), {"action": "refuse", "reason": " "})
    assert response.status_code == 400
    html = assert_english(response, data)
    assert "Give the reason for “Refuse to accept”." in html

    response = client.post(case_url(case), {"action": "accept"}, follow=True)
    html = assert_english(response, data)
    assert "Done: </strong>“Accept” for " in html
    assert "Awaiting acceptance → Accepted" in html and buttons(response)[0] == "Start review"

    client.post(case_url(case), {"action": "start_review"})
    response = client.post(case_url(case), {"action": "approve"}, follow=True)
    html = assert_english(response, catalogue_data(application))
    assert "Electronic certificate" in html and ">Valid</strong>" in html
    assert buttons(response) == ["Conclude", "Revoke the certificate"]
    assert "Review started" in html and "In review → Approved" in html


def test_forbidden_page_in_english(client, demo):
    english(client)
    client.force_login(demo.applicant)
    response = client.get(reverse("workbench:home"))
    assert response.status_code == 403
    html = assert_english(response, catalogue_data())
    assert "No access to the workbench" in html and "for government service staff only" in html


def test_window_receipt_and_registers_in_english(client, demo):
    application = submit(demo)
    data = catalogue_data(application)
    english(client)
    client.force_login(demo.clerk)
    html = assert_english(client.get(reverse("workbench:window")), data)
    assert "1 Choose a bundle or a matter" in html and "What does the applicant want to do?" in html
    html = assert_english(client.get(reverse("workbench:window"), {"q": "jzz"}), data)
    assert "Single matters (applied for on their own)" in html
    assert (">Residence permit</a> <span class=\"muted\">Department: Decheng Branch of the "
            "Dezhou Public Security Bureau</span>") in html
    html = assert_english(client.get(reverse("workbench:window-applicant",
                                             args=["matter-residence-permit-application"])), data)
    assert "<title>Residence permit · Confirm the applicant" in html
    html = assert_english(client.get(reverse("workbench:window-questions",
                                             args=["restaurant"])), data)
    assert "Next: confirm the applicant" in html
    html = assert_english(client.post(reverse("workbench:window-applicant", args=["restaurant"]),
                                      {"kind": "search", "q": demo.applicant.mobile}), data)
    assert "Found 1 applicant:" in html and "Register the company and continue" in html
    html = assert_english(client.get(reverse("workbench:window-form", args=["restaurant"]),
                                     {"applicant": demo.applicant.pk}), data)
    assert "one merged form" in html and "Submit and print the receipt of application" in html

    client.force_login(demo.manager)
    html = assert_english(client.get(reverse("workbench:receipt", args=[application.pk])), data)
    assert "Receipt of application" in html and "Printed " in html

    client.force_login(demo.samr)
    html = assert_english(client.get(reverse("workbench:registers")), data)
    assert "Shared data import" in html and "Criminal records register" in html
    response = client.get(reverse("workbench:register-load", args=["criminal-records"]))
    assert response.status_code == 403
    assert "Only the department that owns the data can import" in assert_english(response, data)

    admin = User.objects.create(username="admin-english", role=Role.ADMIN)
    client.force_login(admin)
    url = reverse("workbench:register-load", args=["criminal-records"])
    # The Chinese column names are what a CSV may use: data, kept as they are.
    columns = {column.label for column in REGISTERS["criminal-records"].columns}
    html = assert_english(client.get(url), data | columns)
    assert "Import: Criminal records register" in html and "Last import: not imported yet" in html
    html = assert_english(client.post(url, {}), data | columns)
    assert "Choose the CSV file to import" in html


def test_chinese_is_still_the_default(client, demo):
    client.force_login(demo.samr)
    html = client.get(reverse("workbench:queue")).content.decode()
    assert "<h1>本部门办件" in html and "共 0 件。" in html
    assert "本部门办件" in " ".join(chinese_left(html, catalogue_data()))  # the check sees it
