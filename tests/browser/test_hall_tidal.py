"""A manager opens the tidal-window plan, accepts it, and a window switches category."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.hall_tidal_steps import accept_tidal_plan

pytestmark = pytest.mark.django_db(transaction=True)


def next_weekday(today: dt.date) -> dt.date:
    """The first Monday–Friday after today (the screen offers the next eight days)."""
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def test_the_manager_accepts_the_plan_and_a_window_switches_category(live_server, halls, new_page):
    from onething.hall import tidal_selectors
    from onething.hall.demo import load_demo_history
    from onething.hall.models import TidalPlan

    county = halls.county
    load_demo_history()
    day = next_weekday(timezone.localdate())
    page = new_page()
    switches = accept_tidal_plan(page, live_server.url, county.pk, day=day, username="demo-manager")
    plan = TidalPlan.objects.get(hall=county, day=day, withdrawn_at__isnull=True)
    assignments = tidal_selectors.assignments_of(plan)
    assert switches and len(switches) == len(assignments)
    first = assignments[0]
    letters = {c.pk: c.letter for c in county.categories.all()}
    own = sorted(first.window.categories.values_list("letter", flat=True))
    during = [letters[pk] for pk in tidal_selectors.category_ids_at(first.window, first.starts)]
    after = [
        letters[pk]
        for pk in tidal_selectors.category_ids_at(first.window, first.starts + dt.timedelta(days=1))
    ]
    assert switches[0] == (
        f"{first.window.number}号窗口 "
        f"{timezone.localtime(first.starts):%H:%M}–"
        f"{timezone.localtime(first.ends):%H:%M}：{during[0]} "
        f"{county.categories.get(letter=during[0]).name}"
    )
    assert during != own and after == own
    # Withdrawing from the screen puts the window back on its own categories.
    page.locator("form[action$='/withdraw/'] button[type=submit]").click()
    page.get_by_text("尚未采纳：窗口按各自设置的取号类别叫号。").wait_for()
    assert [
        letters[pk] for pk in tidal_selectors.category_ids_at(first.window, first.starts)
    ] == own
