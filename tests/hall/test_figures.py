"""Hall figures from real tickets and shifts: exact waits, p90, rates, occupancy; the
page by day and by hour; CSV and xlsx with the same figures; who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from onething.domain.tickets import Channel
from onething.hall.models import Ticket
from onething.hall.services import start_shift
from onething.hall.ticket_services import (
    call_next,
    finish,
    leave,
    mark_no_show,
    start_serving,
    take_ticket,
)

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=SH)  # a Wednesday


def at(minutes: float) -> dt.datetime:
    return MORNING + dt.timedelta(minutes=minutes)


@pytest.fixture
def morning(halls, demo):
    """Window 1 (category A) from 08:55. A001 09:00, A002 (elderly) 09:01, A003 09:02,
    D001 09:03; A003 is an appointment (priority). A002 called 09:05 (wait 4 min), served
    09:05–09:15; A003 called 09:15 (13 min), served 09:16–09:26; A001 called 09:26
    (26 min), no-show 09:30; D001 never called, left at 09:30."""
    county = halls.county
    cats = {c.letter: c for c in county.categories.all()}
    window = halls.window(county, 1)
    clerk = demo.clerk
    with time_machine.travel(at(-5), tick=False):
        start_shift(window, actor=clerk)
    take = lambda letter, minute, **kw: take_ticket(  # noqa: E731
        cats[letter], channel=Channel.KIOSK, now=at(minute), **kw
    )
    a1, a2, a3 = take("A", 0), take("A", 1, priority="elderly"), take("A", 2)
    d1 = take("D", 3)
    # Appointments are checked in by the appointments slice; here the class is set.
    Ticket.objects.filter(pk=a3.pk).update(priority="appointment")
    assert call_next(window, actor=clerk, now=at(5)).pk == a2.pk
    start_serving(a2, actor=clerk, now=at(5))
    finish(a2, actor=clerk, now=at(15))
    assert call_next(window, actor=clerk, now=at(15)).pk == a3.pk
    start_serving(a3, actor=clerk, now=at(16))
    finish(a3, actor=clerk, now=at(26))
    assert call_next(window, actor=clerk, now=at(26)).pk == a1.pk
    mark_no_show(a1, actor=clerk, now=at(30))
    leave(d1, token=d1.token, now=at(30))
    return county


def manager_client(demo) -> Client:
    client = Client()
    client.force_login(demo.manager)
    return client


CATEGORY_CSV = (
    "period,category,taken,called,average_wait_seconds,p90_wait_seconds,within_target,"
    "no_show_rate,left_rate,appointment_share\r\n"
    "2026-12-02,A,3,3,860.0,1560.0,0.6667,0.3333,0.0,0.3333\r\n"
    "2026-12-02,D,1,0,,,0.0,0.0,1.0,0.0\r\n"
    "2026-12-02,*,4,3,860.0,1560.0,0.5,0.25,0.25,0.25\r\n"
)


def test_figures_per_day_exact_and_as_csv(morning, demo):
    client = manager_client(demo)
    query = f"/workbench/halls/{morning.pk}/figures/?from=2026-12-02&to=2026-12-02&by=day"
    with time_machine.travel(at(60), tick=False):
        page = client.get(query)
        categories = client.get(query + "&format=csv")
        windows = client.get(query + "&format=csv&table=windows")
    assert page.status_code == 200
    html = page.content.decode()
    # A: waits 4, 13 and 26 min → mean 14.3 min, p90 (nearest rank 3 of 3) 26.0 min.
    assert "<td>14.3</td><td>26.0</td>" in html and "<td>66.7%</td>" in html
    assert categories["Content-Type"] == "text/csv; charset=utf-8"
    assert categories["Content-Disposition"] == (
        f'attachment; filename="hall-{morning.pk}-figures-20261202-20261202-day-categories.csv"'
    )
    assert categories.content.decode() == CATEGORY_CSV
    # Window 1: signed in 08:55–10:00 (now) = 3900 s, serving 10 + 10 min = 1200 s.
    assert windows.content.decode() == (
        "period,window,signed_in_seconds,serving_seconds,occupancy\r\n"
        "2026-12-02,1,3900.0,1200.0,0.3077\r\n"
    )


def test_figures_per_hour(morning, demo):
    client = manager_client(demo)
    query = f"/workbench/halls/{morning.pk}/figures/?from=2026-12-02&to=2026-12-02&by=hour"
    with time_machine.travel(at(60), tick=False):
        categories = client.get(query + "&format=csv").content.decode()
        windows = client.get(query + "&format=csv&table=windows").content.decode()
    assert categories.splitlines()[1:] == [
        "2026-12-02 09:00,A,3,3,860.0,1560.0,0.6667,0.3333,0.0,0.3333",
        "2026-12-02 09:00,D,1,0,,,0.0,0.0,1.0,0.0",
        "2026-12-02 09:00,*,4,3,860.0,1560.0,0.5,0.25,0.25,0.25",
    ]
    assert windows.splitlines()[1:] == [
        "2026-12-02 08:00,1,300.0,0.0,0.0",
        "2026-12-02 09:00,1,3600.0,1200.0,0.3333",
    ]


def _cell(text: str) -> object:
    """A CSV cell as the workbook holds it: numbers as numbers, empty as None."""
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def test_xlsx_is_readable_and_has_the_csv_figures(morning, demo):
    client = manager_client(demo)
    query = f"/workbench/halls/{morning.pk}/figures/?from=2026-12-01&to=2026-12-02"
    with time_machine.travel(at(60), tick=False):
        response = client.get(query + "&format=xlsx")
        csv_text = client.get(query + "&format=csv").content.decode()
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["categories", "windows", "about"]
    sheet = list(book["categories"].iter_rows(values_only=True))
    assert [[_cell(v) for v in row] for row in csv.reader(io.StringIO(csv_text))] == [
        list(row) for row in sheet
    ]
    assert sheet[1] == ("2026-12-02", "A", 3, 3, 860, 1560, 0.6667, 0.3333, 0, 0.3333)
    assert list(book["windows"].iter_rows(values_only=True)) == [
        ("period", "window", "signed_in_seconds", "serving_seconds", "occupancy"),
        ("2026-12-02", 1, 3900.0, 1200.0, 0.3077),
    ]
    about = dict(book["about"].iter_rows(values_only=True))
    assert about["target_wait_seconds"] == 900 and about["first_day"] == "2026-12-01"
    assert about["service_level_target"] == 0.8


def test_the_default_range_is_the_last_seven_days_and_bad_dates_are_refused(halls, demo):
    client = manager_client(demo)
    url = f"/workbench/halls/{halls.county.pk}/figures/"
    with time_machine.travel(at(60), tick=False):
        page = client.get(url)
        reversed_range = client.get(url + "?from=2026-12-05&to=2026-12-01")
        nonsense = client.get(url + "?from=yesterday&format=csv")
    assert page.status_code == 200
    assert 'value="2026-11-26"' in page.content.decode()
    assert 'value="2026-12-02"' in page.content.decode()
    assert "这段时间没有取号。" in page.content.decode()
    assert reversed_range.status_code == 400
    assert "开始日期应不晚于结束日期" in reversed_range.content.decode()
    # A bad date never downloads figures of some other range.
    assert nonsense.status_code == 400 and nonsense["Content-Type"].startswith("text/html")


def test_only_managers_and_administrators(halls, demo):
    url = f"/workbench/halls/{halls.county.pk}/figures/"
    for user, status in [(demo.clerk, 403), (demo.applicant, 403), (demo.samr, 403)]:
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.get(url + "?format=csv").status_code == status
    assert manager_client(demo).get("/workbench/halls/99999/figures/").status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page


def test_the_page_in_english(morning, demo):
    from tests.english import english
    from tests.hall.test_english import assert_english, hall_data

    client = manager_client(demo)
    english(client)
    url = f"/workbench/halls/{morning.pk}/figures/?from=2026-12-02&to=2026-12-02&by=hour"
    with time_machine.travel(at(60), tick=False):
        html = assert_english(client.get(url), hall_data())
        halls_page = assert_english(client.get("/workbench/halls/"), hall_data())
    for text in (
        "Hall figures",
        "Average wait (min)",
        "nearest-rank method",
        "Window 1",
        "<td>66.7%</td>",
        "2026-12-02 09:00",
        "Excel workbook (xlsx)",
    ):
        assert text in html, text
    assert "Figures of 德城区政务服务中心" in halls_page


def test_the_share_within_target_follows_the_halls_target_wait(morning, demo):
    # Waits of A: 4, 13 and 26 minutes; D001 left uncalled. At 13 minutes: A 2 of 3, all
    # 2 of 4; at 10 minutes: A 1 of 3, all 1 of 4.
    client = manager_client(demo)
    query = f"/workbench/halls/{morning.pk}/figures/?from=2026-12-02&to=2026-12-02&by=day"
    shares = {}
    for minutes in (13, 10):
        morning.target_wait_minutes = minutes
        morning.service_level_percent = 90
        morning.save()
        with time_machine.travel(at(60), tick=False):
            rows = list(csv.DictReader(io.StringIO(
                client.get(query + "&format=csv").content.decode())))
            page = client.get(query).content.decode()
        shares[minutes] = [(r["category"], r["within_target"]) for r in rows]
        assert f"目标等候时间 {minutes} 分钟，服务水平目标 90%" in page
    assert shares == {
        13: [("A", "0.6667"), ("D", "0.0"), ("*", "0.5")],
        10: [("A", "0.3333"), ("D", "0.0"), ("*", "0.25")],
    }
