"""Steps of the service-hall journey (tests/browser/test_hall_journey.py), one function a
step, each driving the pages as a person would and asserting what the page answers.

The appointment and tidal-plan steps live beside these (``hall_appointment_steps``,
``hall_tidal_steps``) and slot into the journey between the ones here. Waits are
Playwright's own (``expect`` with a timeout, ``wait_for_url``), never sleeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

TEMPORARY_PASSWORD = re.compile(
    r"^[A-HJ-NP-Za-km-z2-9]{4}-[A-HJ-NP-Za-km-z2-9]{4}-"
    r"[A-HJ-NP-Za-km-z2-9]{4}$"
)  # no 0/O/1/l/I
SCREEN_WAIT_MS = 5_000  # how long a failing screen assertion waits before it says so


# -- the manager --------------------------------------------------------------------------


def sign_in_staff(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/workbench/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/workbench/(?!login/).*"))


def add_clerk(page: Page, base_url: str, *, username: str, real_name: str) -> str:
    """工作人员管理 → 新增工作人员: a window clerk; returns the temporary password, which
    the answer shows once (and the staff member's page never again)."""
    page.goto(f"{base_url}/workbench/")
    page.get_by_role("link", name="工作人员管理").click()
    page.get_by_role("link", name="新增工作人员").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("姓名").fill(real_name)
    page.get_by_label("角色").select_option(label="窗口工作人员")
    page.get_by_role("button", name="新增并生成临时密码").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"已新增工作人员：{real_name}")
    password = page.locator(".wb-secret").inner_text().strip()
    assert TEMPORARY_PASSWORD.match(password), password
    # Shown once: the member's own page does not show it again.
    page.get_by_role("link", name="完成").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(real_name)
    assert password not in page.content()
    expect(page.locator(".wb-facts")).to_contain_text("临时密码，下次登录须修改")
    return password


def add_window(
    page: Page, base_url: str, *, hall_name: str, number: int, name: str, categories: list[str]
) -> str:
    """办事大厅管理 → the hall → 取号类别和窗口 → 新增窗口 (综合窗口, serving ``categories``,
    given as shown: "A 综合受理"). Returns the window's label as pages show it."""
    page.goto(f"{base_url}/workbench/")
    page.get_by_role("link", name="办事大厅管理").click()
    page.get_by_role("link", name=hall_name, exact=True).click()
    page.get_by_role("link", name="取号类别和窗口").click()
    page.locator("summary").filter(has_text="新增窗口").click()  # opens the form
    form = page.locator("form").filter(has=page.locator("input[name=form][value=window]"))
    form.get_by_label("窗口号").fill(str(number))
    form.get_by_label("名称").fill(name)
    form.get_by_label("窗口类型").select_option(label="综合窗口")
    for category in categories:
        form.get_by_label(category, exact=True).check()
    form.get_by_role("button", name="新增窗口").click()
    expect(page.get_by_text(f"已新增{number}号窗口。")).to_be_visible()
    expect(_window_cells(page, number).nth(1)).to_have_text("、".join(categories))
    return f"{hall_name} {number}号窗口 {name}（综合窗口）"


def _window_cells(page: Page, number: int):
    """The cells of a window's row on 取号类别和窗口: kind, categories, assigned staff, on
    shift now, status (the number is the row's header)."""
    row = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{number}号窗口"))
    )
    return row.get_by_role("cell")


def expect_window(
    page: Page,
    base_url: str,
    *,
    hall_id: int,
    number: int,
    categories: list[str],
    on_shift: str | None = None,
) -> None:
    """The hall's 取号类别和窗口 page as a manager sees it: the categories the window
    serves now ("A 综合受理", …) and, given ``on_shift``, who works a shift there. The
    tidal-plan step can check a window's switch of category with it."""
    page.goto(f"{base_url}/workbench/halls/{hall_id}/windows/")
    cells = _window_cells(page, number)
    expect(cells.nth(1)).to_have_text("、".join(categories))
    if on_shift is not None:
        expect(cells.nth(3)).to_have_text(
            re.compile(
                rf"^{re.escape(on_shift)}（\d{{2}}:\d{{2}} 起）\s*结束值班（{number}号窗口）\s*$"
            )
        )


def assign_window(page: Page, base_url: str, *, real_name: str, window: str) -> None:
    """The staff member's page: the window they are to work at (安排的窗口)."""
    page.goto(f"{base_url}/workbench/staff/")
    page.get_by_role("link", name=real_name, exact=True).click()
    page.get_by_label(window, exact=True).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"已保存“{real_name}”的信息。")).to_be_visible()
    expect(page.get_by_label(window, exact=True)).to_be_checked()


# -- the clerk ----------------------------------------------------------------------------


def first_sign_in(
    page: Page, base_url: str, *, username: str, temporary: str, new_password: str
) -> None:
    """Signing in with the temporary password leads to the password page and nowhere
    else until the clerk has set their own."""
    sign_in_staff(page, base_url, username, temporary)
    expect(page).to_have_url(re.compile(r".*/workbench/password/"))
    expect(page.get_by_role("status")).to_have_text(
        "您正在使用临时密码登录。请先设置自己的新密码，之后才能使用工作台。"
    )
    page.goto(f"{base_url}/workbench/shift/")  # anything else: back to the password page
    expect(page).to_have_url(re.compile(r".*/workbench/password/"))
    page.get_by_label("当前密码").fill(temporary)
    page.get_by_label("新密码", exact=True).fill(new_password)
    page.get_by_label("再次输入新密码").fill(new_password)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_text("密码已修改。")).to_be_visible()


def start_shift(page: Page, base_url: str, *, window: str) -> None:
    """窗口上岗: the clerk's assigned window is the only one offered."""
    page.goto(f"{base_url}/workbench/")
    page.get_by_role("link", name="窗口上岗").click()
    choices = page.get_by_role("radio")
    expect(choices).to_have_count(1)
    page.get_by_label(window, exact=True).check()
    page.get_by_role("button", name="上岗").click()
    expect(page.locator(".wb-current-window")).to_have_text(f"当前窗口：{window}")
    page.get_by_role("link", name="叫号", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("叫号")
    expect(page.locator("#current-heading ~ p").first).to_have_text("窗口当前没有号。")


# -- at the hall --------------------------------------------------------------------------


def take_ticket_at_kiosk(
    page: Page, base_url: str, *, category: str, priority: str = "普通"
) -> str:
    """The kiosk's 取号 (/kiosk/ticket/, the main hall): returns the slip's code."""
    page.goto(f"{base_url}/kiosk/ticket/")
    page.get_by_label(category, exact=True).check()
    page.get_by_label(priority, exact=True).check()
    page.get_by_role("button", name="取号").click()
    page.wait_for_url(re.compile(r".*/kiosk/ticket/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("请取走您的号票")
    return page.locator("#slip-code").inner_text().strip()


def open_call_screen(page: Page, base_url: str, hall_id: int) -> None:
    page.goto(f"{base_url}/halls/{hall_id}/screen/")
    expect(page.locator("#latest")).to_have_text("请留意叫号")
    expect(page.locator("#calls tr")).to_have_count(0)


def screen_rows(screen: Page) -> list[list[str]]:
    """The call screen's list as shown: [code, window, name] per row."""
    return screen.locator("#calls tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent))"
    )


def press_at_desk(desk: Page, button: str) -> None:
    desk.locator("#current-heading").locator("..").get_by_role(
        "button", name=button, exact=True
    ).click()


WATCH_SCREEN = """(text) => {
  // Marks the rows shown now (a redraw replaces them) and notes the wall-clock time at
  // which the screen first shows ``text`` over redrawn rows.
  document.querySelectorAll("#calls tr").forEach(r => { r.dataset.before = "1"; });
  window.__shownAt = null;
  if (window.__watching) { window.__watching.disconnect(); }
  const shown = () => document.getElementById("latest").textContent === text
    && document.querySelectorAll("#calls tr").length > 0
    && document.querySelectorAll("#calls tr[data-before]").length === 0;
  window.__watching = new MutationObserver(() => {
    if (window.__shownAt === null && shown()) { window.__shownAt = Date.now(); }
  });
  window.__watching.observe(document.getElementById("main"),
                   {childList: true, subtree: true, characterData: true});
}"""


# The desk notes the moment of the press itself (its form's submit event), in session
# storage, which outlives the navigation the press starts.
WATCH_PRESS = """() => {
  sessionStorage.removeItem("pressedAt");
  document.addEventListener(
    "submit", () => sessionStorage.setItem("pressedAt", String(Date.now())), {capture: true});
}"""
DESK_TIMES = """() => [Number(sessionStorage.getItem("pressedAt")),
                       performance.timing.redirectEnd || performance.timing.responseEnd]"""


@dataclass(frozen=True)
class CallTiming:
    """Milliseconds from the clerk's press: until the desk's answer to it had come back
    (the call is committed before that answer), and until the call screen showed it."""

    desk: float
    screen: float


def call_and_time_screen(
    desk: Page, screen: Page, *, button: str, code: str, window: int
) -> CallTiming:
    """Press ``button`` (叫下一号 or 重呼) at the desk and time the call screen, open on
    another device, until it announces ``code`` at ``window``. The desk notes the moment
    of the press and the screen the moment of its redraw, both on the browser's wall
    clock: neither the test's driving nor its waiting adds to the times. A recall (same
    text, new time) is seen by the redraw of the rows."""
    announcement = f"请{code}号到{window}号窗口"
    screen.evaluate(WATCH_SCREEN, announcement)
    desk.evaluate(WATCH_PRESS)
    with desk.expect_navigation():
        press_at_desk(desk, button)
    pressed, answered = desk.evaluate(DESK_TIMES)
    assert pressed > 0, "the press was not noted"
    screen.wait_for_function("() => window.__shownAt !== null", timeout=SCREEN_WAIT_MS)
    shown = screen.evaluate("() => window.__shownAt")
    expect(screen.locator("#latest")).to_have_text(announcement)
    expect(desk.locator("#current-ticket strong")).to_have_text(code)
    return CallTiming(desk=answered - pressed, screen=shown - pressed)
