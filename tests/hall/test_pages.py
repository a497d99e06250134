"""The workbench's hall pages (managers), the window shift (clerks), the header's current
window, and who gets a 403 or a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from onething.audit.models import AuditEntry
from onething.hall.models import Hall

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


HALL_FORM = {
    "name": "二屯镇便民服务中心", "slug": "ertun-centre", "kind": "township", "region": "371402",
    "address": "德州市德城区二屯镇政府院内", "map_url": "", "phone": "0534-5550300",
    "bus_lines": "", "accessible_entrance": "正门有坡道", "hours_note": "", "active": "on",
    "order": "2",
    "row-TOTAL_FORMS": "4", "row-INITIAL_FORMS": "0", "row-MIN_NUM_FORMS": "0",
    "row-MAX_NUM_FORMS": "30",
    "row-0-first": "1", "row-0-last": "5", "row-0-starts": "09:00", "row-0-ends": "12:00",
    "row-0-service": "regular",
    "row-1-first": "1", "row-1-last": "5", "row-1-starts": "13:30", "row-1-ends": "17:00",
    "row-1-service": "regular",
    "row-2-first": "6", "row-2-last": "6", "row-2-starts": "09:00", "row-2-ends": "11:30",
    "row-2-service": "appointment",
    "row-3-first": "", "row-3-last": "", "row-3-starts": "", "row-3-ends": "",
    "row-3-service": "regular",
}


def test_a_manager_adds_a_hall_with_its_week(halls, demo):
    manager = as_user(demo.manager)
    response = manager.post("/workbench/halls/new/", HALL_FORM)
    hall = Hall.objects.get(slug="ertun-centre")
    assert response.status_code == 302 and response["Location"] == f"/workbench/halls/{hall.pk}/"
    assert (hall.kind, hall.is_main, hall.active, hall.order, hall.accessible_entrance) == (
        "township", False, True, 2, "正门有坡道")
    assert sorted(hall.opening_periods.values_list("weekday", "starts", "ends", "service")) == (
        sorted([(d, dt.time(9), dt.time(12), "regular") for d in range(1, 6)]
               + [(d, dt.time(13, 30), dt.time(17), "regular") for d in range(1, 6)]
               + [(6, dt.time(9), dt.time(11, 30), "appointment")]))
    page = manager.get(f"/workbench/halls/{hall.pk}/").content.decode()
    # The week comes back as the rows it was given.
    assert 'name="row-0-first"' in page and 'name="row-TOTAL_FORMS" value="6"' in page
    assert '<option value="6" selected>周六</option>' in page


def test_a_half_filled_or_overlapping_schedule_is_refused(halls, demo):
    manager = as_user(demo.manager)
    half = manager.post("/workbench/halls/new/", {**HALL_FORM, "row-3-first": "2"})
    assert half.status_code == 400
    assert "请把这一行填写完整（星期、开始和结束时间），或全部清空。" in half.content.decode()
    overlap = manager.post("/workbench/halls/new/", {
        **HALL_FORM, "row-3-first": "3", "row-3-last": "3", "row-3-starts": "11:00",
        "row-3-ends": "14:00", "row-3-service": "extended"})
    html = overlap.content.decode()
    assert overlap.status_code == 400
    assert "周三 09:00–12:00 与 11:00–14:00 时间重叠 (two periods of one day overlap)" in html
    assert not Hall.objects.filter(slug="ertun-centre").exists()


def test_categories_and_windows_are_added_on_the_hall_page(halls, demo):
    manager = as_user(demo.manager)
    url = f"/workbench/halls/{halls.township.pk}/windows/"
    page = manager.get(url).content.decode()
    assert "A" in page and "综合受理" in page and "4号窗口" in page
    assert 'name="window-number" value="5"' in page  # the next free number
    added = manager.post(url, {"form": "category", "category-letter": "c",
                               "category-name": "户籍证明", "category-active": "on"})
    assert added.status_code == 302
    letter_c = halls.township.categories.get(letter="C")
    window = manager.post(url, {"form": "window", "window-number": "5", "window-kind": "specialist",
                                "window-department": "", "window-active": "on",
                                "window-categories": [letter_c.pk]})
    assert window.status_code == 400
    assert "专业窗口须选择所属部门" in window.content.decode()
    police = demo.samr.department.__class__.objects.get(code="dc-police")
    window = manager.post(url, {"form": "window", "window-number": "5", "window-kind": "specialist",
                                "window-department": police.pk, "window-active": "on",
                                "window-categories": [letter_c.pk]})
    assert window.status_code == 302
    five = halls.township.windows.get(number=5)
    assert (five.kind, five.department, list(five.categories.all())) == (
        "specialist", police, [letter_c])
    assert list(AuditEntry.objects.exclude(kind__startswith="auth.")
                .values_list("kind", flat=True)) == ["category.created", "window.created"]


def test_a_window_is_edited_and_a_category_too(halls, demo):
    manager = as_user(demo.manager)
    window = halls.window(halls.township, 2)
    response = manager.post(f"/workbench/halls/{halls.township.pk}/windows/{window.pk}/", {
        "window-number": "2", "window-name": "社保", "window-kind": "any_matter",
        "window-categories": [halls.township.categories.get(letter="B").pk]})
    assert response.status_code == 302
    window.refresh_from_db()
    assert (window.name, window.active) == ("社保", False)  # an unticked box: out of use
    category = halls.township.categories.get(letter="B")
    response = manager.post(
        f"/workbench/halls/{halls.township.pk}/categories/{category.pk}/",
        {"category-letter": "B", "category-name": "社保医保缴费", "category-active": "on",
         "category-order": "1"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "社保医保缴费"


def test_objects_of_another_hall_are_not_found(halls, demo):
    manager = as_user(demo.manager)
    county_window = halls.window(halls.county, 1)
    county_category = halls.county.categories.get(letter="A")
    assert manager.get(f"/workbench/halls/{halls.township.pk}/windows/{county_window.pk}/"
                       ).status_code == 404
    assert manager.get(f"/workbench/halls/{halls.township.pk}/categories/"
                       f"{county_category.pk}/").status_code == 404
    assert manager.get("/workbench/halls/99999/").status_code == 404


@pytest.mark.parametrize("who", ["clerk", "samr"])
def test_clerks_and_reviewers_get_403_on_hall_pages(halls, demo, who):
    client = as_user(getattr(demo, who))
    window = halls.window(halls.county, 1)
    for method, url in [("get", "/workbench/halls/"), ("get", "/workbench/halls/new/"),
                        ("post", "/workbench/halls/new/"),
                        ("get", f"/workbench/halls/{halls.county.pk}/"),
                        ("post", f"/workbench/halls/{halls.county.pk}/windows/"),
                        ("get", f"/workbench/halls/{halls.county.pk}/windows/{window.pk}/"),
                        ("post", "/workbench/shifts/1/end/")]:
        data = HALL_FORM if url.endswith("new/") else {}
        assert getattr(client, method)(url, data).status_code == 403, url
    assert not Hall.objects.filter(slug="ertun-centre").exists()


def test_the_clerk_starts_a_shift_and_the_header_shows_the_window(halls, demo):
    clerk = as_user(demo.clerk)
    page = clerk.get("/workbench/shift/").content.decode()
    assert "您当前没有在窗口上岗。" in page
    # The clerk's windows only: county 1 and 2, township 1.
    assert page.count('name="window"') == 3
    assert "德城区政务服务中心 1号窗口（综合窗口）" in page
    assert "3号窗口" not in page
    response = clerk.post("/workbench/shift/start/", {"window": halls.window(halls.county, 2).pk})
    assert response.status_code == 302
    page = clerk.get("/workbench/window/").content.decode()
    assert ('<a class="wb-current-window" href="/workbench/shift/">当前窗口：德城区政务服务中心 '
            '2号窗口（综合窗口）</a>') in page
    refused = clerk.post("/workbench/shift/start/", {"window": halls.window(halls.county, 3).pk})
    assert refused.status_code == 302  # not one of the clerk's: nothing happens
    assert "请选择一个可以上岗的窗口。" in clerk.get("/workbench/shift/").content.decode()
    clerk.post("/workbench/shift/end/")
    assert "wb-current-window" not in clerk.get("/workbench/window/").content.decode()


def test_a_manager_sees_who_is_at_which_window_and_ends_a_forgotten_shift(halls, demo):
    clerk = as_user(demo.clerk)
    clerk.post("/workbench/shift/start/", {"window": halls.window(halls.county, 1).pk})
    manager = as_user(demo.manager)
    page = manager.get(f"/workbench/halls/{halls.county.pk}/windows/").content.decode()
    assert "王窗口（" in page and "结束值班" in page
    staff_page = manager.get("/workbench/staff/?q=demo-clerk").content.decode()
    assert "在岗：德城区政务服务中心 1号窗口" in staff_page
    shift = demo.clerk.window_shifts.get()
    assert manager.post(f"/workbench/shifts/{shift.pk}/end/").status_code == 302
    shift.refresh_from_db()
    assert shift.end_reason == "ended_by_manager"
    # A clerk cannot end someone else's shift by its number.
    colleague = as_user(demo.manager)
    colleague.post("/workbench/shift/start/", {"window": halls.window(halls.county, 3).pk})
    other_shift = demo.manager.window_shifts.get(ended_at__isnull=True)
    assert clerk.post(f"/workbench/shifts/{other_shift.pk}/end/").status_code == 403


def test_assistants_land_on_their_shift_page(halls, demo):
    from onething.accounts.models import User

    assistant = as_user(User.objects.get(username="demo-assistant"))
    response = assistant.get("/workbench/")
    assert response["Location"] == "/workbench/shift/"
    page = assistant.get("/workbench/shift/").content.decode()
    assert "德城区政务服务中心 10号窗口 帮办代办（帮办代办窗口）" in page
    assert assistant.get("/workbench/window/").status_code == 403  # intake: issue 17
