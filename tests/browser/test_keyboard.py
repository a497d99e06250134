"""Keyboard use: the skip link comes first and moves focus to the content; focus is visible."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


# (The staff login page puts focus on the user name field on purpose.)
@pytest.mark.parametrize("path", ["/", "/bundles/restaurant/", "/kiosk/", "/kiosk/identify/"])
def test_skip_link_first_and_focus_visible(live_server, loaded_catalog, new_page, path):
    page = new_page()
    page.goto(live_server.url + path)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes into the content, not back to the header.
    page.keyboard.press("Tab")
    inside = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside
