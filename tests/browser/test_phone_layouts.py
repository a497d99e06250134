"""Phones and elder mode: the citizen's and the reviewer's main pages at 390 px, and at
320 px in elder mode (125 % type), in Chinese and English.

On every page nothing sticks out sideways — not even inside a scroll box, so no key
information hides behind a horizontal scroll — tables are stacked cards whose every
cell is shown with its column's name, long numbers stay inside their tiles, the header
folds into a 菜单 that works without JavaScript, and 退出 does not wrap.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.browser.test_axe import sign_in_staff
from tests.browser.test_restaurant_journey import sign_in_citizen

pytestmark = pytest.mark.django_db(transaction=True)

LAYOUTS = {
    "zh-390": ({"width": 390, "height": 844}, {}),
    "zh-320-elder": ({"width": 320, "height": 640}, {"onething_elder": "1"}),
    "en-390": ({"width": 390, "height": 844}, {"django_language": "en"}),
    "en-320-elder": (
        {"width": 320, "height": 640},
        {"onething_elder": "1", "django_language": "en"},
    ),
}

# Every element whose right edge passes the viewport, visually hidden ones (clipped to 1 px)
# and the content of a closed menu aside. Unlike the reflow audit, content inside a
# scroll box counts too: what scrolls sideways there is hidden on a phone.
STICKING_OUT = """(limit) => {
  const one = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + [...e.classList].map(c => "." + c).join("");
  const hidden = e => {
    if (e.closest("details:not([open])") && !e.closest("summary")) return true;
    for (let a = e; a; a = a.parentElement) {
      if (a.nodeType === 1 && getComputedStyle(a).clip !== "auto") return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > limit + 1 && !hidden(e);
  }).slice(0, 6).map(e => (e.parentElement ? one(e.parentElement) + " > " : "") + one(e));
}"""

# The cells of stacked tables: each visible, inside the viewport, named by its label.
STACKED_CELLS = """(limit) => [...document.querySelectorAll("main table.stack")].flatMap(t =>
  [...t.querySelectorAll("tbody [data-label]")].map(c => {
    const r = c.getBoundingClientRect();
    const before = getComputedStyle(c, "::before").content;
    return {label: c.dataset.label, shown: r.width > 0 && r.height > 0 && r.right <= limit + 1,
            named: before === JSON.stringify(c.dataset.label)};
  }))"""


def _text(lang: str, msgid: str) -> str:
    with translation.override("en" if lang == "en" else "zh-hans"):
        return translation.gettext(msgid)


@pytest.fixture
def application(demo):
    from onething.applications.services import submit_application
    from tests.conftest import restaurant_submission

    return submit_application(
        restaurant_submission(demo.applicant), actor=demo.applicant, applicant=demo.applicant
    )


@pytest.fixture
def certificate(demo):
    """A 无犯罪记录证明 of the demo applicant, issued in seconds (秒批)."""
    from onething.applications.services import Submission, submit_application
    from onething.certificates.models import Certificate
    from onething.registers.demo import load_demo_registers

    load_demo_registers()
    submit_application(
        Submission(
            bundle="no-criminal-record",
            answers={},
            form_data={"certificate_purpose": "就业"},
            materials={},
            idempotency_key="phone-cert",
        ),
        actor=demo.applicant,
        applicant=demo.applicant,
    )
    return Certificate.objects.get(holder=demo.applicant)


class Phone:
    def __init__(self, page, layout: str) -> None:
        self.page = page
        self.layout = layout
        self.width = LAYOUTS[layout][0]["width"]
        self.lang = layout[:2]
        self.problems: list[str] = []
        self.pages = 0

    def check(self, label: str, labels: tuple[str, ...] = ()) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.pages += 1
        where = f"{self.layout} {label} ({page.url})"
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > self.width + 1:
            self.problems.append(f"{where}: the page is {width}px wide")
        out = page.evaluate(STICKING_OUT, self.width)
        if out:
            self.problems.append(f"{where}: sticking out: {', '.join(out)}")
        cells = page.evaluate(STACKED_CELLS, self.width)
        for cell in cells:
            if not (cell["shown"] and cell["named"]):
                self.problems.append(f"{where}: cell {cell['label']!r} hidden or unnamed")
        shown = {c["label"] for c in cells if c["shown"] and c["named"]}
        for msgid in labels:
            if _text(self.lang, msgid) not in shown:
                self.problems.append(f"{where}: no visible column {_text(self.lang, msgid)!r}")
        header = page.locator(".site-header").bounding_box()["height"]
        if header > (150 if self.width > 320 else 190):
            self.problems.append(f"{where}: the header takes {header:.0f}px")

    def assert_clean(self) -> None:
        assert self.pages
        assert not self.problems, "\n  ".join([f"{len(self.problems)} problem(s):", *self.problems])


def _phone(new_page, base, layout):
    viewport, cookies = LAYOUTS[layout]
    page = new_page(viewport=viewport, is_mobile=True, has_touch=True)
    page.context.add_cookies(
        [{"name": k, "value": v, "url": base} for k, v in cookies.items() if k != "django_language"]
    )
    return page


def _language(page, base, layout):
    if LAYOUTS[layout][1].get("django_language"):
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_citizen_pages_on_a_phone(live_server, demo, application, certificate, new_page, layout):
    base = live_server.url
    page = _phone(new_page, base, layout)
    sign_in_citizen(page, base, demo.applicant.mobile)  # the sign-in form is in Chinese
    _language(page, base, layout)
    phone = Phone(page, layout)
    page.goto(f"{base}/bundles/restaurant/")
    phone.check("plan page", ("事项", "部门", "承诺时限", "预计办结", "需要先办"))
    assert page.locator(".outcome .figures > div").count() == 5  # 改革成效, inside the page
    assert page.locator(".outcome .baseline").is_visible()
    page.goto(f"{base}/scenarios/cake-shop/")
    phone.check("scenario page", ("承诺时限", "预计办结", "需要先办"))
    assert page.locator(".outcome .baseline").is_visible()
    page.goto(f"{base}/applications/")
    phone.check("my applications", ("受理编号", "办理事项", "状态", "提交时间", "预计办结"))
    page.goto(f"{base}/applications/{application.pk}/")
    phone.check("application detail")
    number = page.locator(".figures dd").first
    assert number.inner_text().strip() == application.tracking_number
    assert number.evaluate("e => e.scrollWidth <= e.clientWidth"), "受理编号 overflows"
    assert number.bounding_box()["x"] + number.bounding_box()["width"] <= phone.width
    page.goto(f"{base}/verify/{certificate.number}/")
    phone.check("certificate")
    page.goto(f"{base}/certificates/{certificate.number}/share/")
    phone.check("certificate sharing")
    page.goto(f"{base}/notifications/")
    phone.check("my messages")
    phone.assert_clean()


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_workbench_pages_on_a_phone(live_server, demo, application, new_page, layout):
    from onething.applications.services import transition_case
    from onething.domain.cases import Action

    case = application.cases.get(matter__code="business-registration")
    transition_case(case.pk, Action.ACCEPT, actor=demo.samr)
    base = live_server.url
    page = _phone(new_page, base, layout)
    _language(page, base, layout)
    sign_in_staff(page, base, "reviewer-dc-samr")
    phone = Phone(page, layout)
    phone.check("workbench home")
    page.goto(f"{base}/workbench/queue/")
    phone.check("workbench queue", ("受理编号", "事项", "申请人", "状态", "承诺办结日期"))
    page.goto(f"{base}/workbench/cases/{case.pk}/")
    phone.check("case page", ("时间", "动作", "状态变化", "操作人"))
    phone.assert_clean()


def test_the_header_menu_on_a_phone_works_without_javascript(live_server, demo, new_page):
    """Under 600 px the navigation folds into 菜单 (a <details>): closed it hides the links,
    one tap shows them, 退出 on one line; from 600 px the links show without the button."""
    base = live_server.url
    page = new_page(viewport={"width": 390, "height": 844})
    sign_in_citizen(page, base, demo.applicant.mobile)
    nojs = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    elder = {"name": "onething_elder", "value": "1", "url": base}
    nojs.context.add_cookies([*page.context.cookies(), elder])
    nojs.goto(f"{base}/applications/")
    header = nojs.locator(".site-header")
    menu = header.get_by_text("菜单", exact=True)
    assert menu.is_visible()
    assert not header.get_by_role("link", name="我的申请").is_visible()
    assert header.get_by_role("searchbox").is_visible()  # the search stays on the bar
    menu.click()
    for name in ("全部一件事", "我的申请", "我的消息"):
        assert header.get_by_role("link", name=name).is_visible()
    logout = header.get_by_role("button", name="退出")
    assert logout.is_visible()
    lines = logout.evaluate("""e => {
      const r = document.createRange(); r.selectNodeContents(e);
      return new Set([...r.getClientRects()].map(x => x.top)).size; }""")
    assert lines == 1, "退出 wraps"
    assert header.get_by_role("button", name="长辈模式（大字）").is_visible()
    # Wide: no menu button, the links are there at once.
    nojs.set_viewport_size({"width": 1280, "height": 900})
    assert not menu.is_visible()
    assert header.get_by_role("link", name="我的申请").is_visible()
    nojs.context.clear_cookies()
    nojs.goto(f"{base}/")
    assert header.get_by_role("link", name="登录").is_visible()


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
@pytest.mark.parametrize("width,lang,elder", [
    (1280, "zh", False), (1280, "en", False), (390, "zh", False), (390, "en", False),
    (320, "zh", True), (320, "en", True),
])
def test_the_search_placeholder_is_not_cut_off(live_server, demo, new_page, signed_in, width,
                                               lang, elder):
    base = live_server.url
    page = new_page(viewport={"width": width, "height": 900})
    if signed_in:
        sign_in_citizen(page, base, demo.applicant.mobile)
    if lang == "en":
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    if elder:
        page.context.add_cookies([{"name": "onething_elder", "value": "1", "url": base}])
    page.goto(f"{base}/")
    if elder:
        assert page.locator("html").get_attribute("class") == "elder"
    box = page.locator("#site-search-q")
    fits = box.evaluate("""e => {
      const s = getComputedStyle(e);
      const c = document.createElement("canvas").getContext("2d");
      c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      return [c.measureText(e.placeholder).width, room, e.placeholder];
    }""")
    assert fits[0] <= fits[1], f"placeholder {fits[2]!r} needs {fits[0]:.0f}px, has {fits[1]:.0f}px"
    # The examples where they fit; the short question on a 320 px phone in elder mode.
    expected = {("zh", False): "想办什么事？如 开饭店、shuidian",
                ("en", False): "Search, e.g. shuidian",
                ("zh", True): "想办什么事？", ("en", True): "What to do?"}
    assert fits[2] == expected[lang, elder]
    # The field is named by its label whatever the placeholder.
    label = _text(lang, "搜索一件事、办事场景或事项")
    assert page.get_by_role("searchbox", name=label).count() == 1
