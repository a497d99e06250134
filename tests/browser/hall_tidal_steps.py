"""Reusable browser steps for tidal windows (潮汐窗口): a manager opens the plan screen of a
hall and accepts a day's plan. Called from this slice's test and from larger hall
journeys; the page must be signed in as a centre manager or administrator (or pass
``username`` to sign in first)."""

from __future__ import annotations

import datetime as dt

from onething.accounts.demo import DEMO_PASSWORD


def sign_in_manager(
    page, base_url: str, username: str = "demo-manager", password: str = DEMO_PASSWORD
) -> None:
    page.goto(f"{base_url}/workbench/login/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/workbench/**")


def accept_tidal_plan(
    page, base_url: str, hall_id: int, *, day: dt.date | None = None, username: str | None = None
) -> list[str]:
    """Open the hall's plan screen (from the halls list), choose ``day`` (default: the
    screen's own, tomorrow), accept the plan, and return the accepted window switches as
    the screen lists them, e.g. ``["2号窗口 09:00–12:00：G 教育入学"]`` (Chinese
    interface). An empty list: the plan needed no switch."""
    if username is not None:
        sign_in_manager(page, base_url, username)
    page.goto(f"{base_url}/workbench/halls/{hall_id}/")
    page.locator(f"a[href='/workbench/halls/{hall_id}/tidal/']").first.click()
    page.wait_for_url(f"**/workbench/halls/{hall_id}/tidal/**")
    if day is not None:
        page.locator(f"nav.tidal-days a[href='?day={day.isoformat()}']").click()
        page.wait_for_url(f"**?day={day.isoformat()}")
    page.locator("form[action$='/tidal/accept/'] button[type=submit]").click()
    page.locator("#tidal-status").wait_for()
    page.wait_for_load_state("load")
    assert page.locator("form[action$='/withdraw/']").count() == 1, "the plan was not accepted"
    items = page.locator("#tidal-assignments li")
    return [" ".join(items.nth(i).inner_text().split()) for i in range(items.count())]
