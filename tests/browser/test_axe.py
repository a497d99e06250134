"""Accessibility audit (WCAG 2.1 AA): axe-core on every main page, and reflow at 320 px.

axe-core is pinned in tests/browser/axe/package.json and installed by
scripts/ensure-axe.sh (``make test`` runs it); the test injects ``axe.min.js``
from node_modules into each page, so nothing is fetched while testing. A page
fails on any *serious* or *critical* violation of the WCAG 2.0/2.1 A and AA
rules, or when the whole page scrolls sideways at 320 CSS px (WCAG 1.4.10).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from onething.accounts.demo import DEMO_PASSWORD
from tests.browser.test_kiosk import sign_in as sign_in_at_kiosk
from tests.browser.test_restaurant_journey import sign_in_citizen, sign_in_reviewer

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 900}
NARROW = 320  # WCAG 1.4.10 reflow: 320 CSS px wide without scrolling in two directions

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""


@pytest.fixture
def new_page(new_page):
    """The audit injects axe-core as a script tag, which the site's CSP (script-src 'self',
    no inline script) rightly refuses: these pages alone are opened with bypass_csp. The
    journeys (test_*_journey.py, test_kiosk.py, …) run with the policy enforced."""

    def make(**options):
        return new_page(bypass_csp=True, **options)

    return make


class Audit:
    """Collects problems across pages so one run reports all of them."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.pages = 0

    def check(self, page, label: str, width: int | None = None) -> None:
        """Audit the page as it is now: axe at desktop width (or ``width``, a phone's, where
        the page is then left), then reflow at 320 px."""
        self.pages += 1
        if width:
            page.set_viewport_size({"width": width, "height": 844})
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE))
        for v in page.evaluate(RUN_AXE, TAGS):
            if v["impact"] in FAILING_IMPACTS:
                targets = "\n      ".join(v["targets"][:8])
                more = f" (+{len(v['targets']) - 8} more)" if len(v["targets"]) > 8 else ""
                self.problems.append(
                    f"{label} ({page.url}): {v['id']} [{v['impact']}] {v['help']}{more}\n"
                    f"      {targets}\n      {v['helpUrl']}")
        page.set_viewport_size({"width": NARROW, "height": 640})
        try:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW + 1:
                wide = page.evaluate(WIDEST, NARROW)
                self.problems.append(
                    f"{label} ({page.url}): reflow — the page is {width}px wide at {NARROW}px; "
                    f"wider elements: {', '.join(wide) or '?'}")
        finally:
            page.set_viewport_size({"width": width, "height": 844} if width else DESKTOP)

    def assert_clean(self) -> None:
        assert self.pages, "no page audited"
        assert not self.problems, (
            f"{len(self.problems)} accessibility problem(s) on {self.pages} page(s):\n  "
            + "\n  ".join(self.problems))


# The innermost elements whose right edge passes the viewport, to name in the failure.
# Content inside a scroll container (a wide table in .table-scroll) does not count.
WIDEST = """(limit) => {
  const one = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + [...e.classList].map(c => "." + c).join("");
  const name = e => (e.parentElement ? one(e.parentElement) + " > " : "") + one(e);
  const scrolls = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const over = [...document.body.querySelectorAll("*")].filter(
    e => e.getBoundingClientRect().right > limit + 1 && !scrolls(e));
  return over.filter(e => !over.some(o => o !== e && e.contains(o))).slice(0, 6).map(name);
}"""


@pytest.fixture
def audit():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/ensure-axe.sh (make test does)")
    return Audit()


@pytest.fixture
def application(demo):
    """One submitted restaurant application of demo-applicant, with a case at 市场监管."""
    from onething.applications.services import submit_application
    from tests.conftest import restaurant_submission

    return submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                              applicant=demo.applicant)


def test_portal_pages(live_server, demo, application, new_page, audit):
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    for label, path in [
        ("home", "/"),
        ("bundle", "/bundles/restaurant/"),
        ("scenarios", "/scenarios/"),
        ("scenario", "/scenarios/cake-shop/"),
        ("search results", "/search/?q=餐饮"),
        ("login", "/login/"),
        ("register", "/register/"),
    ]:
        page.goto(base + path)
        audit.check(page, label)

    sign_in_citizen(page, base, demo.applicant.mobile)
    page.goto(f"{base}/applications/")
    audit.check(page, "my applications")
    page.goto(f"{base}/applications/{application.pk}/")
    audit.check(page, "application timeline")
    page.goto(f"{base}/notifications/")
    audit.check(page, "my messages")
    page.goto(f"{base}/account/identity/")
    audit.check(page, "identity verification")
    page.goto(f"{base}/bundles/restaurant/apply/")
    page.get_by_role("button", name="提交申请").click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "apply form with errors")
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["elder-mode", "english"])
def test_portal_display_preferences(live_server, loaded_catalog, new_page, audit, cookies):
    """Elder mode (larger type) and the English interface must not break reflow or contrast."""
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    for label, path in [("home", "/"), ("bundle", "/bundles/restaurant/"),
                        ("scenario", "/scenarios/cake-shop/"),
                        ("bundle, calendar-day baseline", "/bundles/enterprise-opening/"),
                        ("login", "/login/"),
                        ("kiosk start", "/kiosk/"), ("kiosk identify", "/kiosk/identify/")]:
        page.goto(base + path)
        audit.check(page, label)
    audit.assert_clean()


def test_kiosk_pages(live_server, demo, new_page, audit):
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    page.goto(f"{base}/kiosk/")
    audit.check(page, "kiosk start")
    page.goto(f"{base}/kiosk/identify/")
    page.get_by_role("button", name="获取短信验证码").click()
    page.locator("#id_number-error").wait_for()
    audit.check(page, "kiosk identify with an error")
    sign_in_at_kiosk(page, base, demo.applicant)
    audit.check(page, "kiosk menu")
    audit.assert_clean()


def test_workbench_pages(live_server, demo, application, new_page, audit):
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    page.goto(f"{base}/workbench/login/")
    audit.check(page, "workbench login")
    sign_in_reviewer(page, base, "reviewer-dc-samr")
    audit.check(page, "workbench home")
    page.goto(f"{base}/workbench/queue/")
    audit.check(page, "workbench queue")
    page.locator("a[href*='/workbench/cases/']").first.click()
    page.wait_for_url("**/workbench/cases/*/")
    audit.check(page, "workbench case")
    # Accepted and in review: the special-procedure and extension forms; then 暂停计时.
    from onething.applications.services import transition_case
    from onething.domain.cases import Action

    case = application.cases.get(matter__code="business-registration")
    for action in (Action.ACCEPT, Action.START_REVIEW):
        transition_case(case.pk, action, actor=demo.samr)
    page.goto(f"{base}/workbench/cases/{case.pk}/")
    audit.check(page, "workbench case in review (suspend, extend)")
    transition_case(case.pk, Action.SUSPEND, actor=demo.samr, reason="专家评审",
                    kind="expert_review")
    page.goto(f"{base}/workbench/cases/{case.pk}/")
    audit.check(page, "workbench case suspended")
    page.goto(f"{base}/workbench/registers/")
    audit.check(page, "workbench registers")
    audit.assert_clean()


def test_staff_second_factor_and_lockout_pages(live_server, demo, new_page, audit, settings):
    settings.ONETHING_STAFF_TOTP_REQUIRED = True
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    sign_in_reviewer(page, base, "reviewer-dc-samr")
    page.wait_for_url("**/workbench/otp/**")
    page.locator("svg").first.wait_for()
    audit.check(page, "workbench enrol authenticator")
    page.fill("[name=token]", "000000")
    page.get_by_role("button", name="确认").click()
    audit.check(page, "workbench enrol with an error")
    locked = new_page(viewport=DESKTOP)
    for _ in range(5):
        locked.goto(f"{base}/workbench/login/")
        locked.fill("[name=username]", "demo-clerk")
        locked.fill("[name=password]", "wrong")
        locked.get_by_role("button", name="登录").click()
        locked.wait_for_load_state()
    locked.get_by_role("heading", name="登录已暂停").wait_for()
    audit.check(locked, "workbench lockout")
    audit.assert_clean()


def test_the_audit_catches_what_it_should(new_page, audit):
    """A page with known faults fails, so a silent axe (not injected, wrong tags) cannot pass."""
    page = new_page(viewport=DESKTOP)
    page.set_content('<html lang="zh-Hans"><head><title>t</title></head><body><main>'
                     '<img src="x.png"><p style="color:#aaa">浅灰色的字</p>'
                     '<div style="width:600px">宽</div></main></body></html>')
    audit.check(page, "faulty page")
    found = "\n".join(audit.problems)
    assert "image-alt [critical]" in found
    assert "color-contrast [serious]" in found
    assert "reflow — the page is" in found and "div" in found


def test_window_registers_verify_and_kiosk_results(live_server, demo, application, new_page,
                                                   audit):
    """The rest: the clerk's window and receipt, a register import page, the public
    verification page, and the kiosk's result and payment screens."""
    from onething.registers.demo import load_demo_registers

    load_demo_registers()
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    sign_in_reviewer(page, base, "demo-clerk")
    page.goto(f"{base}/workbench/window/")
    audit.check(page, "window: choose a bundle")
    page.goto(f"{base}/workbench/window/restaurant/")
    audit.check(page, "window: questions")
    page.goto(f"{base}/workbench/window/restaurant/applicant/")
    audit.check(page, "window: identify the applicant")
    page.goto(f"{base}/workbench/applications/{application.pk}/receipt/")
    audit.check(page, "window: receipt")
    page.goto(f"{base}/workbench/identity/")
    page.get_by_label("手机号码或居民身份证号码").fill(demo.applicant2.mobile)
    page.get_by_role("button", name="查找").click()
    page.locator("h2", has_text=demo.applicant2.display_name).wait_for()
    audit.check(page, "in-person identity check")

    police = new_page(viewport=DESKTOP)
    sign_in_reviewer(police, base, "reviewer-dc-police")
    police.goto(f"{base}/workbench/registers/criminal-records/")
    audit.check(police, "register import")

    kiosk = new_page(viewport=DESKTOP)
    sign_in_at_kiosk(kiosk, base, demo.applicant)
    kiosk.goto(f"{base}/kiosk/pay/")
    audit.check(kiosk, "kiosk pay")
    kiosk.goto(f"{base}/kiosk/certificates/no-criminal-record/")
    audit.check(kiosk, "kiosk certificate form")
    kiosk.get_by_label("就业").check()
    kiosk.get_by_role("button", name="确认并开具").click()
    kiosk.locator(".qr").wait_for()
    audit.check(kiosk, "kiosk certificate issued")
    verify = kiosk.locator(".qr a").get_attribute("href")
    kiosk.goto(verify)
    audit.check(kiosk, "verify page")
    kiosk.get_by_label("分享码").fill("NOTACODE22")
    kiosk.get_by_role("button", name="查看详情").click()
    kiosk.locator("#field-share-error").wait_for()
    audit.check(kiosk, "verify page, wrong share code")

    # The holder: the verification page with the details, and sharing them.
    import datetime as dt

    from django.utils import timezone

    from onething.accounts.models import LoginCode

    LoginCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    holder = new_page(viewport=DESKTOP)
    sign_in_citizen(holder, base, demo.applicant.mobile)
    holder.goto(verify)
    audit.check(holder, "verify page, holder")
    holder.get_by_role("link", name="分享证照详情").click()
    holder.get_by_role("button", name="创建分享码").click()
    holder.locator(".share-codes code").wait_for()
    audit.check(holder, "certificate share codes")
    audit.assert_clean()


def sign_in_staff(page, base, username, password=DEMO_PASSWORD):
    """The workbench sign-in in any interface language."""
    page.goto(f"{base}/workbench/login/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/workbench/**")


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_hall_figures_page(live_server, halls, new_page, audit, cookies):
    """The hall figures (issue 14): by day and by hour with tickets and a window, and the
    form sent back with a reversed range, in Chinese, elder mode and English."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from onething.accounts.models import User
    from onething.hall.services import start_shift
    from onething.hall.ticket_services import call_next, finish, start_serving, take_ticket

    base = live_server.url
    county = halls.county
    clerk = User.objects.get(username="demo-clerk")
    start_shift(halls.window(county, 1), actor=clerk)
    nine = dt.datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    ticket = take_ticket(county.categories.get(letter="A"), channel="kiosk", now=nine)
    take_ticket(county.categories.get(letter="B"), channel="kiosk", now=nine)
    call_next(halls.window(county, 1), actor=clerk, now=nine + dt.timedelta(minutes=3))
    start_serving(ticket, actor=clerk, now=nine + dt.timedelta(minutes=4))
    finish(ticket, actor=clerk, now=nine + dt.timedelta(minutes=12))
    page = new_page(viewport=DESKTOP)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    sign_in_staff(page, base, "demo-manager")
    url = f"{base}/workbench/halls/{county.pk}/figures/"
    for label, query in [("hall figures by day", "?from=2026-12-01&to=2026-12-02"),
                         ("hall figures by hour", "?from=2026-12-02&to=2026-12-02&by=hour"),
                         ("hall figures with errors", "?from=2026-12-05&to=2026-12-01")]:
        page.goto(url + query)
        audit.check(page, label)
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_hall_and_staff_pages(live_server, halls, new_page, audit, cookies):
    """Issue 14's pages: the public 办事大厅 page and hall search; staff management, the
    temporary password and the forced password change; halls, categories, windows and the
    window shift — each with its form errors, in Chinese, elder mode and English."""
    from onething.accounts import staff
    from onething.accounts.models import User
    from onething.hall.services import start_shift

    base = live_server.url
    county = halls.county
    start_shift(halls.window(county, 2), actor=User.objects.get(username="demo-clerk"))
    member, _ = staff.add_staff(actor=None, username="w-axe", real_name="新同事", role="clerk")
    page = new_page(viewport=DESKTOP)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    for label, path in [("service halls", "/halls/"),
                        ("search for a hall", "/search/?q=办事大厅地址")]:
        page.goto(base + path)
        audit.check(page, label)

    sign_in_staff(page, base, "demo-manager")
    window = halls.window(county, 6)
    category = county.categories.get(letter="B")
    for label, path in [
        ("staff list", "/workbench/staff/"),
        ("staff: add", "/workbench/staff/new/"),
        ("staff: edit", f"/workbench/staff/{member.pk}/"),
        ("halls", "/workbench/halls/"),
        ("hall: add", "/workbench/halls/new/"),
        ("hall: edit", f"/workbench/halls/{county.pk}/"),
        ("hall: categories and windows", f"/workbench/halls/{county.pk}/windows/"),
        ("window: edit", f"/workbench/halls/{county.pk}/windows/{window.pk}/"),
        ("category: edit", f"/workbench/halls/{county.pk}/categories/{category.pk}/"),
        ("shift", "/workbench/shift/"),
        ("password", "/workbench/password/"),
    ]:
        page.goto(base + path)
        audit.check(page, label)
    # Forms sent back with errors.
    page.goto(f"{base}/workbench/staff/new/")
    page.locator("form.wb-form button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "staff: add with errors")
    page.goto(f"{base}/workbench/halls/{county.pk}/")
    page.fill("[name=row-0-ends]", "08:00")
    page.locator("form.wb-form button[type=submit]").last.click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "hall: edit with errors")
    page.goto(f"{base}/workbench/halls/{county.pk}/windows/")
    page.locator("details summary").last.click()
    page.fill("[name=window-number]", "1")
    page.locator("form.wb-form").last.locator("button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "window: add with errors")
    # The temporary password, shown once.
    page.goto(f"{base}/workbench/staff/{member.pk}/")
    page.locator("form[action$='/reset-password/'] button").click()
    temporary = page.locator(".wb-secret").inner_text().strip()
    audit.check(page, "staff: temporary password")

    newcomer = new_page(viewport=DESKTOP)
    newcomer.context.add_cookies([{"name": k, "value": v, "url": base}
                                  for k, v in cookies.items()])
    sign_in_staff(newcomer, base, "w-axe", temporary)
    newcomer.wait_for_url("**/workbench/password/**")
    audit.check(newcomer, "forced password change")

    clerk = new_page(viewport=DESKTOP)
    clerk.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    sign_in_staff(clerk, base, "demo-clerk")
    clerk.goto(f"{base}/workbench/shift/")
    audit.check(clerk, "shift: at a window")
    clerk.goto(f"{base}/workbench/window/")
    audit.check(clerk, "window intake with the current window in the header")
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_ticket_pages(live_server, halls, new_page, audit, cookies, request):
    """Issue 14's tickets: taking one at the kiosk and on the phone (with errors), the
    ticket page and the kiosk slip, the call screen with a call, the window desk before
    and after calling, and the door printer."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    from onething.accounts.models import User
    from onething.domain.tickets import Channel
    from onething.hall.services import start_shift
    from onething.hall.ticket_services import call_next, take_ticket

    # Tickets are taken within the hall's hours: the next Wednesday, 10:00 (in the future,
    # so that the browser, on the real clock, keeps the session cookies).
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    wednesday = (now + dt.timedelta(days=(2 - now.weekday()) % 7 or 7)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    traveller = time_machine.travel(wednesday, tick=True)
    traveller.start()
    request.addfinalizer(traveller.stop)

    base = live_server.url
    county = halls.county
    page = new_page(viewport=DESKTOP)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    page.goto(f"{base}/kiosk/ticket/")
    audit.check(page, "kiosk: take a ticket")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/kiosk/ticket/*/")
    audit.check(page, "kiosk: ticket slip")
    page.goto(f"{base}/halls/{county.pk}/ticket/")
    audit.check(page, "phone: take a ticket")
    page.locator("#mobile").evaluate("e => e.removeAttribute('required')")
    page.locator("main form button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "phone: take a ticket with errors")
    page.fill("#mobile", "13900000003")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/tickets/*/")
    audit.check(page, "phone: ticket page")

    clerk_user = User.objects.get(username="demo-clerk")
    start_shift(halls.window(county, 2), actor=clerk_user)
    take_ticket(county.categories.get(letter="A"), channel=Channel.KIOSK, holder_name="张三")
    clerk = new_page(viewport=DESKTOP)
    clerk.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    sign_in_staff(clerk, base, "demo-clerk")
    clerk.goto(f"{base}/workbench/desk/")
    audit.check(clerk, "desk: nobody called")
    call_next(halls.window(county, 2), actor=clerk_user)
    clerk.goto(f"{base}/workbench/desk/")
    audit.check(clerk, "desk: a ticket called")
    clerk.goto(f"{base}/workbench/halls/{county.pk}/door-ticket/")
    audit.check(clerk, "door printer")
    clerk.locator("#door-form button[type=submit]").click()
    clerk.locator(".ticket-slip").wait_for()
    audit.check(clerk, "door printer: printed")

    screen = new_page(viewport=DESKTOP)
    screen.context.add_cookies([{"name": k, "value": v, "url": base}
                                for k, v in cookies.items()])
    screen.goto(f"{base}/halls/{county.pk}/screen/")
    screen.locator("#calls tr").first.wait_for()
    audit.check(screen, "call screen")
    audit.assert_clean()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_error_and_verify_pages(live_server, demo, application, new_page, audit, language):
    """The branded 404, the /verify/ form (blank and with an error) and a business
    licence's verification page, in Chinese and in English."""
    from onething.applications.services import transition_case
    from onething.domain.cases import Action

    case = application.cases.get(matter__code="business-registration")
    transition_case(case.pk, Action.ACCEPT, actor=demo.samr)
    transition_case(case.pk, Action.APPROVE, actor=demo.samr)
    case.refresh_from_db()
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    for label, path in [("404", "/no-such-page/"), ("verify form", "/verify/"),
                        ("verify form with error", "/verify/?number=x"),
                        ("business licence verified", f"/verify/{case.result['number']}/")]:
        page.goto(base + path)
        audit.check(page, f"{label} [{language}]")


@pytest.mark.parametrize("cookies", [{}, {"django_language": "en"}], ids=["chinese", "english"])
def test_progress_lookup_pages(live_server, demo, application, new_page, audit, cookies):
    """The public progress lookup (issue 15): the form, its error and its answer."""
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    page.goto(f"{base}/progress/?number={application.tracking_number}")
    audit.check(page, "progress lookup")
    page.locator("#field-id_number").fill("110101199003074514")
    page.locator("form[action='/progress/'] button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "progress lookup, wrong pair")
    page.locator("#field-id_number").fill(demo.applicant.id_number)
    page.locator("form[action='/progress/'] button[type=submit]").click()
    page.locator(".progress-result").wait_for()
    audit.check(page, "progress lookup, answer")
    assert page.locator(".badge").count() == 0  # not signed in: no message count
    audit.assert_clean()


def test_header_unread_badge(live_server, demo, application, new_page, audit):
    """The header's unread count (issue 15) passes the audit, then goes once read."""
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.goto(f"{base}/applications/")
    assert page.locator("header nav .badge").inner_text() == "1 条未读"
    # On a phone the folded menu's button carries the count (its text for screen readers).
    assert page.locator("header summary .badge").inner_text() == "1"
    assert page.locator("header summary .visually-hidden").inner_text() == "1 条未读"
    audit.check(page, "header with unread badge")
    page.goto(f"{base}/notifications/")
    page.goto(f"{base}/applications/")
    assert page.locator("header .badge").count() == 0
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_appointment_pages(live_server, halls, demo, new_page, audit, cookies):
    """Issue 14's appointments: the phone's steps (hall, category, day, slot; the slot
    with an error), the confirmation, my appointments and the change page; the kiosk's
    check-in (blank and with an error); the window's list, booking for a person and the
    printed check-in ticket."""
    from onething.hall import appointment_selectors
    from onething.hall.models import Appointment

    base = live_server.url
    county = halls.county
    category = county.categories.get(letter="A")
    page = new_page(viewport=DESKTOP)
    sign_in_citizen(page, base, demo.applicant.mobile)  # the sign-in finds Chinese labels
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    page.goto(f"{base}/appointments/new/")
    audit.check(page, "appointments: halls")
    page.goto(f"{base}/halls/{county.pk}/appointments/")
    audit.check(page, "appointments: category")
    page.goto(f"{base}/halls/{county.pk}/appointments/?category={category.pk}")
    audit.check(page, "appointments: day")
    days = appointment_selectors.bookable_days(county)
    day = next(d for d in days[1:] if any(p.left for p in
                                          appointment_selectors.day_places(category, d)))
    page.goto(f"{base}/halls/{county.pk}/appointments/?category={category.pk}"
              f"&day={day.isoformat()}")
    audit.check(page, "appointments: slot")
    page.locator("main form button[type=submit]").click()  # no slot chosen
    page.locator(".error-summary").wait_for()
    audit.check(page, "appointments: slot with errors")
    page.locator("main input[name=slot]:not([disabled])").first.check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/appointments/*/")
    audit.check(page, "appointments: booked")
    booked = Appointment.objects.get(person=demo.applicant)
    page.goto(f"{base}/appointments/")
    audit.check(page, "my appointments")
    page.goto(f"{base}/appointments/{booked.pk}/change/?day={day.isoformat()}")
    audit.check(page, "appointments: change")

    kiosk = new_page(viewport=DESKTOP)
    kiosk.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    kiosk.goto(f"{base}/kiosk/appointment/")
    audit.check(kiosk, "kiosk: appointment check-in")
    kiosk.fill("#code", "ZZZZZZ")
    kiosk.locator("main form button[type=submit]").last.click()
    kiosk.locator(".errors").wait_for()
    audit.check(kiosk, "kiosk: appointment check-in with an error")

    clerk = new_page(viewport=DESKTOP)
    clerk.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    sign_in_staff(clerk, base, "demo-clerk")
    clerk.goto(f"{base}/workbench/halls/{county.pk}/appointments/?day={day.isoformat()}")
    audit.check(clerk, "window: appointments of a day")
    clerk.goto(f"{base}/workbench/halls/{county.pk}/appointments/book/")
    audit.check(clerk, "window: book for a person")
    clerk.fill("#id_number", demo.applicant.id_number)
    clerk.locator(f"#category-{category.pk}").check()
    clerk.locator("#day-2").check()
    clerk.locator("main form button[value=find]").click()
    clerk.wait_for_load_state("load")
    audit.check(clerk, "window: book for a person, slots or errors")
    # Check in the citizen's booking at the window: too early gives the list with a message.
    clerk.goto(f"{base}/workbench/halls/{county.pk}/appointments/")
    clerk.fill("#code", booked.code)
    clerk.locator("form:has(#code) button[type=submit]").click()
    clerk.wait_for_load_state("load")
    audit.check(clerk, "window: check-in refused (too early)")
    # Change and cancel the booking at the window: the screens, an error, the confirm steps.
    listing = f"{base}/workbench/halls/{county.pk}/appointments/?day={booked.day.isoformat()}"
    clerk.goto(listing)
    clerk.locator(f"form[action$='/{booked.pk}/change/'] button").click()
    clerk.locator("#reason").wait_for()
    audit.check(clerk, "window: change an appointment")
    clerk.locator("main input[name=slot]:not([disabled]):not(:checked)").first.check()
    clerk.fill("#reason", " ")
    clerk.locator("main form button[value=review]").click()
    clerk.locator(".error-summary").wait_for()
    audit.check(clerk, "window: change an appointment, with errors")
    clerk.locator("main input[name=slot]:not([disabled])").first.check()
    clerk.fill("#reason", "办事人临时有事")
    clerk.locator("main form button[value=review]").click()
    clerk.locator("main form button[value=confirm]").wait_for()
    audit.check(clerk, "window: confirm the change")
    clerk.goto(listing)
    clerk.locator(f"form[action$='/{booked.pk}/cancel/'] button").click()
    clerk.locator("#reason").wait_for()
    audit.check(clerk, "window: cancel an appointment")
    clerk.fill("#reason", "办事人来电取消")
    clerk.locator("main form button[value=review]").click()
    clerk.locator("main form button[value=confirm]").wait_for()
    audit.check(clerk, "window: confirm the cancellation")
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_draft_and_page_forms(live_server, demo, new_page, audit, cookies, tmp_path):
    """Issue 15's pages: the apply form with pages attached (each with 移除) and an error,
    the resumed draft, 我的申请 with a draft, and the window's form with scanned pages —
    in Chinese, elder mode and English."""
    scans = []
    for i in (1, 2):
        path = tmp_path / f"page-{i}.pdf"
        path.write_bytes(b"%PDF-1.4 page " + str(i).encode() + b"\n%%EOF\n")
        scans.append(str(path))
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    page.goto(f"{base}/bundles/restaurant/apply/")
    page.locator("input[type=file]").first.set_input_files(scans)
    page.locator("button[name=action][value=submit]:not([aria-hidden])").click()
    page.locator(".error-summary").wait_for()
    assert page.locator("button[name=remove]").count() == 2
    audit.check(page, "apply form: pages attached, errors")
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url("**/apply/?draft=*")
    audit.check(page, "apply form: a resumed draft")
    page.goto(f"{base}/applications/")
    audit.check(page, "my applications with a draft")

    clerk = new_page(viewport=DESKTOP)
    sign_in_reviewer(clerk, base, "demo-clerk")
    clerk.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    clerk.goto(f"{base}/workbench/window/restaurant/form/?applicant={demo.applicant.pk}")
    clerk.locator("input[type=file]").first.set_input_files(scans)
    clerk.locator("form.wb-form > button.button[type=submit]").click()
    clerk.locator(".error-summary").wait_for()
    assert clerk.locator("button[name=remove]").count() == 2
    audit.check(clerk, "window form: pages scanned, errors")
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_kept_correction_files_and_single_matter_questions(live_server, demo, application,
                                                           new_page, audit, cookies, tmp_path):
    """Issue 15's remaining pages: the correction form after an error, its files kept with
    移除; a single matter's page asking the question that decides its materials (居住证:
    renting), and the window's questions step for it — in Chinese, elder mode and English."""
    from onething.applications.services import transition_case
    from onething.domain.cases import Action

    case = application.cases.get(matter__code="business-registration")
    transition_case(case.pk, Action.REQUEST_CORRECTION, actor=demo.samr, reason="材料不全",
                    items=[{"material": "premises-proof", "note": "租赁合同缺页"},
                           {"material": "registration-application", "note": "未签字"}])
    scans = []
    for i in (1, 2):
        path = tmp_path / f"page-{i}.pdf"
        path.write_bytes(b"%PDF-1.4 page " + str(i).encode() + b"\n%%EOF\n")
        scans.append(str(path))
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    page.goto(f"{base}/applications/{application.pk}/")
    page.locator(f"#case-{case.pk}-material-premises-proof").set_input_files(scans)
    page.locator(f"form[action$='/cases/{case.pk}/resubmit/'] button.button:not([name])").click()
    page.locator(".error-summary").wait_for()
    assert page.locator("button[name=remove]").count() == 2
    audit.check(page, "correction form: files kept, errors")
    page.goto(f"{base}/applications/{application.pk}/")
    assert page.locator("button[name=remove]").count() == 2
    audit.check(page, "application page: correction files kept")
    page.goto(f"{base}/matters/residence-permit-application/?housing=rent")
    assert page.locator("input[name=housing]").count() == 2
    audit.check(page, "single matter page with its question")

    clerk = new_page(viewport=DESKTOP)
    sign_in_reviewer(clerk, base, "demo-clerk")
    clerk.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    clerk.goto(f"{base}/workbench/window/?matter=residence-permit-application")
    assert clerk.locator("input[name=a_housing]").count() == 2
    audit.check(clerk, "window questions of a single matter")
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_phone_pages(live_server, demo, application, new_page, audit, cookies):
    """The phone layouts (390 px): stacked tables, the folded header with its 菜单 closed
    and open, the workbench menu; and the kiosk's payment check screen."""
    from onething.applications.services import transition_case
    from onething.domain.cases import Action
    from onething.registers.demo import load_demo_registers

    load_demo_registers()
    base = live_server.url
    phone = 390
    page = new_page(viewport={"width": phone, "height": 844})
    sign_in_citizen(page, base, demo.applicant.mobile)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    for label, path in [("plan page", "/bundles/restaurant/"),
                        ("my applications", "/applications/"),
                        ("application detail", f"/applications/{application.pk}/"),
                        ("my messages", "/notifications/")]:
        page.goto(base + path)
        audit.check(page, f"phone {label}", phone)
    page.locator(".site-menu > summary").click()
    audit.check(page, "phone header menu open", phone)

    case = application.cases.get(matter__code="business-registration")
    transition_case(case.pk, Action.ACCEPT, actor=demo.samr)
    staff = new_page(viewport={"width": phone, "height": 844})
    staff.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    sign_in_staff(staff, base, "reviewer-dc-samr")
    staff.goto(f"{base}/workbench/queue/")
    audit.check(staff, "phone workbench queue", phone)
    staff.locator(".wb-menu > summary").click()
    audit.check(staff, "phone workbench menu open", phone)
    staff.goto(f"{base}/workbench/cases/{case.pk}/")
    audit.check(staff, "phone case page", phone)

    kiosk = new_page(viewport={"width": phone, "height": 844})
    sign_in_at_kiosk(kiosk, base, demo.applicant)
    kiosk.context.add_cookies([{"name": k, "value": v, "url": base}
                               for k, v in cookies.items()])
    kiosk.goto(f"{base}/kiosk/pay/")
    audit.check(kiosk, "kiosk pay with the sandbox label", phone)
    kiosk.locator("form button.big-button").first.click()
    kiosk.locator("input[name=confirm]").wait_for(state="attached")
    audit.check(kiosk, "kiosk payment check screen", phone)
    kiosk.locator("button.big-button[type=submit]").first.click()
    kiosk.locator(".certificate").wait_for()
    audit.check(kiosk, "kiosk payment receipt", phone)
    audit.assert_clean()


@pytest.mark.parametrize("cookies", [{}, {"onething_elder": "1"}, {"django_language": "en"}],
                         ids=["chinese", "elder-mode", "english"])
def test_tidal_window_plan_page(live_server, halls, new_page, audit, cookies):
    """The tidal-window plan (潮汐窗口计划) before and after it is accepted, in Chinese,
    elder mode and English."""
    from onething.hall.demo import load_demo_history

    load_demo_history()
    base = live_server.url
    page = new_page(viewport=DESKTOP)
    page.context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    sign_in_staff(page, base, "demo-manager")
    page.goto(f"{base}/workbench/halls/{halls.county.pk}/tidal/")
    audit.check(page, "tidal plan")
    page.locator("form[action$='/tidal/accept/'] button[type=submit]").click()
    page.locator("form[action$='/withdraw/']").wait_for()
    audit.check(page, "tidal plan accepted")
    page.locator("details summary").last.click()
    page.locator("form[action$='/peaks/'] button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "known peak: add with errors")
    audit.assert_clean()
