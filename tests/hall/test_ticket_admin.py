"""Tickets in the Django admin: a read-only list with filters; names and mobiles masked,
the ticket's token never shown; no adding, changing or deleting."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from onething.accounts.models import User
from onething.domain.tickets import Channel
from onething.hall.models import Ticket
from onething.hall.ticket_services import take_ticket

pytestmark = pytest.mark.django_db
MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def admin_client(halls) -> Client:
    client = Client()
    client.force_login(User.objects.get(username="demo-admin"))
    return client


def test_read_only_list_with_masked_names_and_filters(halls, admin_client):
    county = halls.county
    taken = take_ticket(
        county.categories.get(letter="A"),
        channel=Channel.KIOSK,
        holder_name="张三丰",
        mobile="13912345678",
        now=MORNING,
    )
    take_ticket(
        county.categories.get(letter="B"),
        channel=Channel.KIOSK,
        now=MORNING + dt.timedelta(minutes=1),
    )
    page = admin_client.get("/admin/hall/ticket/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "A001" in html and "B001" in html and "张**" in html and "139****5678" in html
    assert "13912345678" not in html and "张三丰" not in html and taken.token not in html
    filtered = admin_client.get(
        "/admin/hall/ticket/",
        {
            "hall__id__exact": county.pk,
            "category__id__exact": taken.category_id,
            "status__exact": "waiting",
            "day__gte": "2026-12-02",
            "day__lt": "2026-12-03",
        },
    ).content.decode()
    assert "A001" in filtered and "B001" not in filtered
    assert (
        "B001"
        not in admin_client.get("/admin/hall/ticket/", {"status__exact": "done"}).content.decode()
    )
    detail = admin_client.get(f"/admin/hall/ticket/{taken.pk}/change/").content.decode()
    assert "139****5678" in detail and "13912345678" not in detail
    assert taken.token not in detail


def test_no_add_change_or_delete(halls, admin_client):
    ticket = take_ticket(
        halls.county.categories.get(letter="A"), channel=Channel.KIOSK, now=MORNING
    )
    assert admin_client.get("/admin/hall/ticket/add/").status_code == 403
    assert admin_client.get(f"/admin/hall/ticket/{ticket.pk}/delete/").status_code == 403
    changed = admin_client.post(f"/admin/hall/ticket/{ticket.pk}/change/", {"status": "done"})
    assert changed.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "waiting"
    bulk = admin_client.post(
        "/admin/hall/ticket/", {"action": "delete_selected", "_selected_action": [ticket.pk]}
    )
    assert Ticket.objects.filter(pk=ticket.pk).exists() and bulk.status_code in (200, 302)
