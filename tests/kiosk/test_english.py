"""The kiosk in English; it starts in Chinese and forgets the choice when a resident leaves.

The whole kiosk page is the kiosk's own (header, steps, exit button), so all of
<body> is checked; names from the catalogue and the resident's own are data.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from onething.registers.demo import load_demo_registers
from tests.english import catalogue_data, check_catalogue, chinese_left, english
from tests.kiosk.test_kiosk import sign_in

pytestmark = pytest.mark.django_db


def assert_english(response, data=()) -> str:
    html = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en"' in html
    assert chinese_left(html, data, whole_body=True) == []
    return html


def steps(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", step).strip()
            for step in re.findall(r'<ol class="steps">(.*?)</ol>', html, re.S)[0]
            .split("</li>") if step.strip()]


def test_catalogue_is_complete_and_compiled():
    assert check_catalogue("kiosk") > 50


def test_start_and_identify_in_english(client, demo):
    english(client)
    html = assert_english(client.get(reverse("kiosk:start")))
    assert "<h1>Welcome to self-service</h1>" in html and ">Start</a>" in html
    assert [re.sub(r"<[^>]+>", "", step) for step in steps(html)] == [
        "① Identity check", "② Choose a service", "③ Done"]
    assert "24-hour self-service kiosk" in html

    html = assert_english(client.get(reverse("kiosk:identify")))
    assert "Step 1: identity check" in html and "Send me an SMS code" in html
    assert 'aria-label="On-screen keypad"' in html

    response = client.post(reverse("kiosk:identify"), {"id_number": ""})
    assert response.status_code == 400
    html = assert_english(response)
    assert "Please check the following" in html and "Enter your resident ID number" in html

    from onething.registers.demo import _CONVICTED

    # An ID number of no account goes on like any other (no account probing).
    response = client.post(reverse("kiosk:identify"), {"id_number": _CONVICTED[0][0]})
    assert response.status_code == 302 and response.url == reverse("kiosk:code")
    html = assert_english(client.get(reverse("kiosk:code")))
    assert ("If this ID number is registered on the platform, a code has been sent to the "
            "mobile given at registration; it is valid for 5 minutes.") in html


def test_menu_and_services_in_english(client, demo):
    load_demo_registers()
    data = catalogue_data()
    english(client)
    sign_in(client, demo.applicant)
    html = assert_english(client.get(reverse("kiosk:menu")), data)
    assert "Step 2: choose a service" in html and f"Hello, {demo.applicant.display_name}." in html
    assert "Certificate of no criminal record" in html and "Pay residents’ social insurance" in html
    assert "Sign out and clear my details" in html

    html = assert_english(client.get(reverse("kiosk:instant", args=["no-criminal-record"])), data)
    assert "Confirm and issue" in html and "Back to choose another service" in html
    html = assert_english(client.get(reverse("kiosk:pay")), data)
    assert "Amounts due in your name" in html and "CNY " in html and "Residents’ basic" in html
    assert "<strong>SANDBOX</strong> Demonstration only: no money is taken" in html
    assert "Payment method: Sandbox payment (simulated, no money taken)." in html
    from onething.registers.models import ContributionDue

    due = ContributionDue.objects.get(id_number=demo.applicant.id_number)
    html = assert_english(client.post(reverse("kiosk:pay"), {"due": due.pk, "key": "en1"}),
                          data)
    assert "Please check the payment" in html and "Confirm and pay CNY 400.00" in html
    assert "Go back without paying" in html and "<dt>Payer</dt>" in html
    html = assert_english(client.get(reverse("kiosk:real-estate")), data)
    assert "Progress of your real estate registrations" in html


def test_the_next_resident_starts_in_chinese(client, demo):
    english(client)
    response = client.get(reverse("kiosk:start"), {"done": "1"})
    assert "All done, you are signed out." in response.content.decode()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    html = client.get(reverse("kiosk:start")).content.decode()
    assert "<h1>欢迎使用自助服务</h1>" in html and "① 身份核验" in html
