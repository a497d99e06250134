"""The kiosk writes dates as the workbench and the portal do: DATE_FORMAT and
DATETIME_FORMAT of the page's language, never a bare Y-m-d."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from onething.hall.models import Ticket
from onething.notifications.backends import MemorySmsBackend
from onething.payments.backends import SandboxPaymentBackend
from onething.registers.demo import load_demo_registers
from onething.registers.models import ContributionDue

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 12, 2, 10, 5, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday


def kiosk(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize(
    "language, expected",
    [
        ("zh-hans", "取号时间：2026年12月2日 10:05"),
        ("en", "Taken at: Dec. 2, 2026, 10:05 a.m."),
    ],
)
def test_the_ticket_slip_dates_the_ticket_in_the_language(halls, language, expected):
    client = kiosk(language)
    category = halls.county.categories.get(letter="A")
    with time_machine.travel(NOON, tick=False):
        taken = client.post("/kiosk/ticket/", {"category": category.pk})
        assert taken.status_code == 302
        slip = text(client.get(taken["Location"]))
    assert Ticket.objects.get().code in slip
    assert expected in slip
    assert "2026-12-02" not in slip


def _sign_in(client, person) -> None:
    client.post(reverse("kiosk:identify"), {"id_number": person.id_number})
    code = re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group(0)
    assert client.post(reverse("kiosk:code"), {"code": code}).url == reverse("kiosk:menu")


@pytest.mark.parametrize(
    "language, expected",
    [
        ("zh-hans", "已缴费（2026年12月2日）"),
        ("en", "Paid (Dec. 2, 2026)"),
    ],
)
def test_a_paid_due_is_dated_in_the_language(demo, language, expected):
    load_demo_registers()
    SandboxPaymentBackend.charges.clear()
    client = kiosk(language)
    with time_machine.travel(NOON, tick=False):
        _sign_in(client, demo.applicant)
        page = client.get(reverse("kiosk:pay")).content.decode()
        due = ContributionDue.objects.get(id_number=demo.applicant.id_number)
        key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
        client.post(reverse("kiosk:pay"), {"due": due.pk, "key": key, "confirm": "yes"})
        _sign_in(client, demo.applicant)
        listed = text(client.get(reverse("kiosk:pay")))
    assert expected in listed
    assert "2026-12-02" not in listed
