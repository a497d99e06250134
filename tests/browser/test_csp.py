"""The Content-Security-Policy in a real browser: an injected inline script is refused,
and the pages that bring their own scripts (the API documentation, the admin) still work
with the policy enforced (the new_page fixture fails a test on any violation)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inline_script_is_refused(live_server, loaded_catalog, browser):
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        refused = []
        page.on("console", lambda m: refused.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.goto(live_server.url + "/")
        from playwright.sync_api import Error

        with pytest.raises(Error) as refusal:
            page.add_script_tag(content="window.injected = 1;")
        assert "violates the following Content Security Policy directive 'script-src 'self''" \
            in refusal.value.message
        assert page.evaluate("typeof window.injected") == "undefined"
        assert refused and "script-src 'self'" in refused[0]
    finally:
        context.close()


def test_api_documentation_and_admin_work_under_the_policy(live_server, loaded_catalog,
                                                           new_page):
    page = new_page()
    page.goto(live_server.url + "/api/v1/docs")
    page.get_by_text("/api/v1/uploads").first.wait_for()  # rendered by swagger-ui's script
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").wait_for()
