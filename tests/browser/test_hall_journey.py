"""The service hall in a real browser (issue 14): a manager adds a clerk and a window; at
the hall a walk-in takes a ticket at the kiosk and someone else a 绿色通道 ticket; the
clerk signs in with the temporary password, sets their own, starts a shift at that
window and calls: the priority ticket first, then the walk-in. The call screen, open on
another device, shows each call within a second; recall, serve, finish and no-show work
from the desk.

Two steps come from other slices and slot in where marked: the citizen booking an
appointment on the phone (``hall_appointment_steps.book_appointment_on_phone``, called
first at the desk) and the manager accepting a tidal plan that switches the window's
category (``hall_tidal_steps.accept_tidal_plan``).
"""

from __future__ import annotations

import re

import pytest
from django.core.servers.basehttp import WSGIServer
from playwright.sync_api import expect

from onething.accounts.demo import DEMO_PASSWORD
from tests.browser.hall_steps import (
    CallTiming,
    add_clerk,
    add_window,
    assign_window,
    call_and_time_screen,
    expect_window,
    first_sign_in,
    open_call_screen,
    press_at_desk,
    screen_rows,
    sign_in_staff,
    start_shift,
    take_ticket_at_kiosk,
)

pytestmark = pytest.mark.django_db(transaction=True)

CLERK = "wang.lei"
CLERK_NAME = "王磊"
CLERK_PASSWORD = "Chuangkou-Shangang-2026"
WINDOW = 12  # the demo county hall has windows 1–11
CATEGORY = "A 综合受理"
SCREEN_WITHIN_MS = 1000  # "the call screen shows both within a second"
MASKED_OR_EMPTY = re.compile(r"^(|[^*]\*+)$")  # 张* — kiosk tickets carry no name at all


class SerialWSGIServer(WSGIServer):
    """Serves one request at a time, as a gunicorn sync worker does (the node's set-up,
    onething/core/gunicorn_conf.py). The call screen polls while the clerk works, so
    requests overlap all through this journey; on SQLite the test database is one
    in-memory connection that pytest-django's threaded live server shares between its
    request threads, and overlapping requests on it interleave their transactions (and
    answer "database table is locked", a 503 that sends the screen into its 3 s retry)."""

    def __init__(self, *args, connections_override=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # the one serving thread has the connections


@pytest.fixture
def hall_server(transactional_db):
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread.server_class = SerialWSGIServer
    server._live_server_modified_settings.enable()
    server.start()
    yield server
    server.stop()
    server._live_server_modified_settings.disable()


def test_manager_clerk_kiosk_and_call_screen(hall_server, halls, new_page):
    from onething.hall.models import Ticket

    base = hall_server.url
    county = halls.county

    # The manager adds the clerk and a window serving category A, and assigns it.
    manager = new_page()
    sign_in_staff(manager, base, "demo-manager", DEMO_PASSWORD)
    temporary = add_clerk(manager, base, username=CLERK, real_name=CLERK_NAME)
    window = add_window(
        manager, base, hall_name=county.name, number=WINDOW, name="潮汐窗口", categories=[CATEGORY]
    )
    assert window == "德城区政务服务中心 12号窗口 潮汐窗口（综合窗口）"
    assign_window(manager, base, real_name=CLERK_NAME, window=window)

    # (appointments slice) book_appointment_on_phone(citizen, base, ...) goes here.

    # The clerk's first sign-in: the temporary password, then their own; a shift there.
    clerk = new_page()
    first_sign_in(clerk, base, username=CLERK, temporary=temporary, new_password=CLERK_PASSWORD)
    start_shift(clerk, base, window=window)
    expect_window(
        manager, base, hall_id=county.pk, number=WINDOW, categories=[CATEGORY], on_shift=CLERK_NAME
    )

    # At the hall: a walk-in, then someone on the green channel, at the kiosk.
    kiosk = new_page(viewport={"width": 1080, "height": 1920})
    assert take_ticket_at_kiosk(kiosk, base, category=CATEGORY) == "A001"
    expect(kiosk.locator(".ticket-slip")).to_contain_text("综合受理 · 普通")
    expect(kiosk.locator(".ticket-slip")).to_contain_text("前面还有 0 人")
    assert (
        take_ticket_at_kiosk(kiosk, base, category=CATEGORY, priority="绿色通道（老年人）")
        == "A002"
    )
    expect(kiosk.locator(".ticket-slip")).to_contain_text("综合受理 · 绿色通道（老年人）")
    expect(kiosk.locator(".ticket-slip")).to_contain_text("前面还有 0 人")  # goes first

    screen = new_page(viewport={"width": 1920, "height": 1080})
    open_call_screen(screen, base, county.pk)

    clerk.reload()
    expect(clerk.get_by_role("region", name="等候人数")).to_contain_text("A 综合受理：2人")

    timings: dict[str, CallTiming] = {}
    # Call next: the green-channel ticket before the walk-in who came earlier.
    timings["call A002"] = call_and_time_screen(
        clerk, screen, button="叫下一号", code="A002", window=WINDOW
    )
    expect(clerk.locator("#current-ticket")).to_have_text(
        "A002 综合受理 · 绿色通道（老年人） · 已叫号"
    )
    assert screen_rows(screen) == [["A002", "12", ""]]
    expect(clerk.get_by_role("region", name="等候人数")).to_contain_text("A 综合受理：1人")

    # Recall: the screen announces it again.
    timings["recall A002"] = call_and_time_screen(
        clerk, screen, button="重呼", code="A002", window=WINDOW
    )
    expect(clerk.locator("#current-heading ~ p").nth(1)).to_contain_text("已叫 2 次")
    assert screen_rows(screen) == [["A002", "12", ""]]

    # Serve, then finish: the window is free again.
    press_at_desk(clerk, "开始办理")
    expect(clerk.locator("#current-ticket")).to_have_text(
        "A002 综合受理 · 绿色通道（老年人） · 办理中"
    )
    press_at_desk(clerk, "办结")
    expect(clerk.locator("#current-heading ~ p").first).to_have_text("窗口当前没有号。")

    # Then the walk-in.
    timings["call A001"] = call_and_time_screen(
        clerk, screen, button="叫下一号", code="A001", window=WINDOW
    )
    expect(clerk.locator("#current-ticket")).to_have_text("A001 综合受理 · 普通 · 已叫号")
    assert screen_rows(screen) == [["A001", "12", ""], ["A002", "12", ""]]

    # Nobody comes: 过号, and the queue is empty.
    press_at_desk(clerk, "过号")
    expect(clerk.locator("#current-heading ~ p").first).to_have_text("窗口当前没有号。")
    press_at_desk(clerk, "叫下一号")
    expect(clerk.get_by_text("当前没有等候的号。")).to_be_visible()
    expect(clerk.get_by_role("region", name="等候人数")).to_contain_text("A 综合受理：0人")

    # (tidal-plan slice) accept_tidal_plan(manager, base, ...) goes here.

    print(
        "\nfrom the press, ms (desk answered / call screen shows):",
        {k: f"{t.desk:.0f} / {t.screen:.0f}" for k, t in timings.items()},
    )
    assert all(t.screen < SCREEN_WITHIN_MS for t in timings.values()), timings
    # Masked names only: no full name ever reaches the public screen.
    assert all(MASKED_OR_EMPTY.match(name) for _code, _window, name in screen_rows(screen))
    tickets = {t.code: t for t in Ticket.objects.filter(hall=county).select_related("window")}
    assert {
        code: (t.status, t.priority, t.calls, t.window.number) for code, t in tickets.items()
    } == {
        "A001": ("no_show", "walk_in", 1, WINDOW),
        "A002": ("done", "elderly", 2, WINDOW),
    }
