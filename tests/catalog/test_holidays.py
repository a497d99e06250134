"""Entering a year's holiday notice: onething holidays add/list, the catalogue, the admin.

Each way changes the dates computed for that year, marks them no longer provisional and
sends ``calendar_changed`` with the years affected once the change commits.
"""

import datetime as dt
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from onething.catalog import models, selectors
from onething.catalog.services import load_catalog
from onething.catalog.signals import calendar_changed
from onething.domain.calendar import WorkingDayResult
from tests.conftest import CATALOG_DIR

pytestmark = pytest.mark.django_db
D = dt.date

# A made-up notice for 2027 (the real one is not out): Monday 2027-01-04 off too, so
# that the plan across the year end moves by a day.
NOTICE = """\
calendar:
  - year: 2027
    source: 测试通知（国办发明电〔2026〕99号）
    holidays: [2027-01-01, 2027-01-02, 2027-01-03, 2027-01-04,
               2027-02-05, 2027-02-06, 2027-02-07, 2027-02-08, 2027-02-09, 2027-02-10,
               2027-02-11]
    workdays: [2027-02-20]
"""


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def announcements():
    """Every calendar_changed sent, as the set of years it carried."""
    seen: list[frozenset[int]] = []

    def receiver(sender, years, **kwargs):
        seen.append(frozenset(years))

    calendar_changed.connect(receiver, dispatch_uid="test-holidays-receiver")
    yield seen
    calendar_changed.disconnect(dispatch_uid="test-holidays-receiver")


def plan_dates():
    plan = selectors.plan_bundle("restaurant", start=D(2026, 12, 28), provisional=True)
    return ({m.code: (m.due, m.due_provisional) for m in plan.matters},
            (plan.due, plan.provisional))


def test_holidays_add_from_a_file_changes_2027_and_announces_it(
        loaded_catalog, tmp_path: Path, announcements, django_capture_on_commit_callbacks):
    before, overall = plan_dates()
    assert overall == (D(2027, 1, 6), True)
    assert before["outdoor-signboard"] == (D(2027, 1, 4), True)
    notice = tmp_path / "2027.yaml"
    notice.write_text(NOTICE, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        out = run("holidays", "add", "2027", "--file", str(notice))
    # After commit: the announcement, and the applications app queueing the recompute.
    assert len(callbacks) == 2
    assert announcements == [frozenset({2027})]
    assert out.startswith("已录入2027年节假日安排：放假 11 天，调休上班 1 天。")
    after, overall = plan_dates()
    assert after == {
        "business-registration": (D(2026, 12, 29), False),
        "food-worker-health-certificate": (D(2027, 1, 6), False),
        "food-business-licence": (D(2027, 1, 7), False),
        "fire-safety-check-commitment": (D(2026, 12, 29), False),
        "outdoor-signboard": (D(2027, 1, 5), False),
    }
    assert overall == (D(2027, 1, 7), False)
    year = models.HolidayYear.objects.get(year=2027)
    assert (year.source, year.entered_via) == ("测试通知（国办发明电〔2026〕99号）", "command")
    saturday = models.CalendarDay.objects.get(date=D(2027, 2, 20))
    assert (saturday.is_working_day, saturday.name, saturday.entered_via) == (True, "春节",
                                                                              "command")
    assert models.CalendarDay.objects.get(date=D(2027, 1, 4)).name == "元旦"


def test_holidays_add_with_flags_replaces_what_was_entered_before(
        loaded_catalog, announcements, django_capture_on_commit_callbacks):
    models.CalendarDay.objects.create(date=D(2027, 3, 1), is_working_day=False, name="旧")
    with django_capture_on_commit_callbacks(execute=True):
        out = run("holidays", "add", "2027", "--source", "国办发明电〔2026〕99号",
                  "--holidays", "2027-01-01..2027-01-03, 2027-02-05..2027-02-11",
                  "--workdays", "2027-02-20")
    assert "替换原有 1 条" in out
    assert announcements == [frozenset({2027})]
    days = dict(models.CalendarDay.objects.filter(date__year=2027)
                .values_list("date", "is_working_day"))
    assert len(days) == 11 and days[D(2027, 2, 20)] is True and D(2027, 3, 1) not in days
    calendar = selectors.working_day_calendar(provisional=True)
    # Thursday 2/4 + 3: 2/5–2/11 off, then 2/12 (Fri), 2/15, 2/16; no longer provisional.
    assert calendar.add_working_days(D(2027, 2, 4), 3) == WorkingDayResult(D(2027, 2, 16))


@pytest.mark.parametrize(("args", "message"), [
    (("--source", "通知", "--holidays", "2027-01-01,2028-01-01"),
     "日期不在 2027 年内：2028-01-01 (dates not in 2027: 2028-01-01)"),
    (("--source", "通知", "--holidays", "2027-02-06", "--workdays", "2027-02-06"),
     "日期既是放假日又是调休上班日：2027-02-06 (dates both holiday and working day: "
     "2027-02-06)"),
    (("--source", "通知", "--holidays", "2027-01-01", "--workdays", "2027-02-09"),
     "调休上班日应为星期六或星期日，这些日期本来就是工作日：2027-02-09"),
    (("--holidays", "2027-01-01"), "请写明依据：通知名称和文号 (source required"),
    (("--source", "通知", "--holidays", "2027-13-01"),
     "“2027-13-01”不是日期 YYYY-MM-DD 或日期范围"),
    (("--source", "通知", "--holidays", "2027-02-11..2027-02-05"),
     "日期范围 2027-02-11..2027-02-05 的结束早于开始 (range 2027-02-11..2027-02-05 ends "
     "before it starts)"),
    (("--source", "通知"), "请用 --file 或 --holidays（及 --source）给出通知内容"),
    (("--file", "/no/such/notice.yaml"),
     "找不到文件 /no/such/notice.yaml (no such file: /no/such/notice.yaml)"),
    (("--file", "/dev/null", "--source", "x"),
     "--file 不能与 --source 同时使用 (--file cannot be combined with --source)"),
])
def test_holidays_add_refuses_bad_input_clearly_and_changes_nothing(
        loaded_catalog, announcements, django_capture_on_commit_callbacks, args, message):
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(CommandError) as info:
        run("holidays", "add", "2027", *args)
    assert message in str(info.value)
    assert not models.HolidayYear.objects.exists()
    assert not models.CalendarDay.objects.exists()
    assert announcements == []


def test_holidays_add_reports_file_problems_with_their_line(loaded_catalog, tmp_path: Path):
    notice = tmp_path / "notice.yaml"
    notice.write_text(NOTICE.replace("2027-02-11]", "2028-02-11]"), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run("holidays", "add", "2027", "--file", str(notice))
    assert "notice.yaml:6: 2028-02-11 不在 2027 年内 (2028-02-11 is not in 2027)" \
        in str(info.value)
    other = tmp_path / "other.yaml"
    other.write_text(NOTICE.replace("year: 2027", "year: 2028")
                     .replace("2027-", "2028-").replace("2028-02-20", "2028-02-19"),
                     encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run("holidays", "add", "2027", "--file", str(other))
    assert str(info.value) == (f"文件 {other} 中没有 2027 年的 calendar 条目（有：2028） "
                               "(the file has no calendar entry for 2027; it has: 2028)")


@time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_holidays_list_shows_this_and_next_year_with_their_sources(loaded_catalog):
    data = json.loads(run("holidays", "list", "--json"))
    assert [(y["year"], y["source"], y["provisional"]) for y in data] == [
        (2026, "package", False), (2027, "provisional", True)]
    spring = [d for d in data[1]["days"] if d["name"].startswith("春节")]
    assert [(d["date"], d["name"], d["provisional"]) for d in spring] == [
        ("2027-02-05", "春节", True), ("2027-02-06", "春节", True),
        ("2027-02-07", "春节", True), ("2027-02-08", "春节", True),
        ("2027-02-09", "春节（补休）", True), ("2027-02-10", "春节（补休）", True)]
    assert {"date": "2026-02-14", "working": True, "name": "春节", "source": "package",
            "provisional": False} in data[0]["days"]
    text = run("holidays", "list", "2027")
    assert text.splitlines()[0] == "2027年：暂定，按法定规则推算 (provisional)"
    assert "  2027-10-05 星期二  放假 (day off)  国庆节（补休）  暂定 (provisional)" \
        in text.splitlines()


def test_holidays_list_marks_a_correction_inside_a_package_year(loaded_catalog):
    models.CalendarDay.objects.create(date=D(2026, 10, 9), is_working_day=False,
                                      name="本地补充放假")
    text = run("holidays", "list", "2026")
    assert ("  2026-10-09 星期五  放假 (day off)  本地补充放假  [管理后台 (admin)]"
            in text.splitlines())


# --------------------------------------------------------------------------
# The catalogue


def test_catalogue_load_announces_added_changed_and_removed_years(
        tmp_path: Path, announcements, django_capture_on_commit_callbacks):
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, copy)
    (copy / "calendar").mkdir()
    notice = copy / "calendar" / "2027.yaml"
    notice.write_text(NOTICE, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        load_catalog(copy)
    assert announcements == [frozenset({2027})]
    assert models.CalendarDay.objects.get(date=D(2027, 1, 4)).entered_via == "catalog"
    with django_capture_on_commit_callbacks(execute=True):
        load_catalog(copy)  # nothing changed: nothing announced
    assert announcements == [frozenset({2027})]
    notice.unlink()
    with django_capture_on_commit_callbacks(execute=True):
        load_catalog(copy)
    assert announcements == [frozenset({2027}), frozenset({2027})]
    assert not models.CalendarDay.objects.filter(date__year=2027).exists()
    assert selectors.calendar_in_force(2027).provisional


def test_catalogue_load_keeps_a_year_entered_with_the_command(loaded_catalog, tmp_path: Path):
    run("holidays", "add", "2027", "--source", "国办发明电〔2026〕99号", "--holidays",
        "2027-01-01")
    load_catalog(CATALOG_DIR)
    assert models.HolidayYear.objects.filter(year=2027, entered_via="command").exists()
    assert selectors.calendar_in_force(2027).days[0].day == D(2027, 1, 1)
    assert not selectors.calendar_in_force(2027).provisional


# --------------------------------------------------------------------------
# The admin


def test_admin_enters_a_notice_and_announces_it(
        admin_client, loaded_catalog, announcements, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/catalog/holidayyear/add/", {
            "year": "2027", "source": "国办发明电〔2026〕99号",
            "holidays": "2027-01-01..2027-01-04\n2027-02-05..2027-02-11",
            "workdays": "2027-02-20"})
    assert response.status_code == 302, response.content.decode()
    assert announcements == [frozenset({2027})]
    assert models.CalendarDay.objects.filter(date__year=2027, entered_via="admin").count() == 12
    change = admin_client.get("/admin/catalog/holidayyear/2027/change/").content.decode()
    assert "2027-01-01, 2027-01-02, 2027-01-03, 2027-01-04, 2027-02-05" in change
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/catalog/holidayyear/2027/delete/", {"post": "yes"})
    assert announcements == [frozenset({2027})] * 2
    assert not models.CalendarDay.objects.filter(date__year=2027).exists()


def test_admin_refuses_a_bad_notice(admin_client, loaded_catalog):
    response = admin_client.post("/admin/catalog/holidayyear/add/", {
        "year": "2027", "source": "通知", "holidays": "2027-02-06, 2028-01-01",
        "workdays": "2027-02-06"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "日期不在 2027 年内：2028-01-01" in html
    assert "日期既是放假日又是调休上班日：2027-02-06" in html
    assert not models.HolidayYear.objects.exists()


def test_admin_single_day_correction_announces_its_year(
        admin_client, loaded_catalog, announcements, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/catalog/calendarday/add/", {
            "date": "2026-10-09", "is_working_day": "", "name": "本地补充放假"})
    assert response.status_code == 302, response.content.decode()
    assert announcements == [frozenset({2026})]
    assert models.CalendarDay.objects.get(date=D(2026, 10, 9)).entered_via == "admin"


@time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_admin_lists_the_national_holidays_in_force(admin_client, loaded_catalog):
    listing = admin_client.get("/admin/catalog/holidayyear/").content.decode()
    assert "/admin/catalog/holidayyear/in-force/" in listing
    page = admin_client.get("/admin/catalog/holidayyear/in-force/").content.decode()
    assert "2026年节假日安排（现行）" in page
    assert "chinese-calendar 数据包 (package)" in page
    assert "<td>2026-02-14</td><td>星期六</td>" in page
    provisional = admin_client.get("/admin/catalog/holidayyear/in-force/?year=2027")
    html = provisional.content.decode()
    assert "2027年的国务院办公厅通知尚未录入" in html
    assert "<td>2027-02-09</td><td>星期二</td>" in html
    assert "春节（补休）" in html and "<strong>暂定</strong>" in html
