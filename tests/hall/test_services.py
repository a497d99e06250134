"""Halls, categories, windows, window assignments and shifts: the services' rules, the
database's constraints, the audit trail, and racing shift starts on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from onething.accounts import staff
from onething.accounts.demo import DEMO_PASSWORD
from onething.accounts.models import Role, User
from onething.accounts.services import create_staff
from onething.audit.models import AuditEntry
from onething.catalog.models import Department, Region
from onething.domain.hall import Period, ServiceKind, WindowKind
from onething.hall import selectors
from onething.hall.demo import COUNTY
from onething.hall.models import Hall, OpeningPeriod, ServiceCategory, Window, WindowShift
from onething.hall.services import (
    ALREADY_WORKING,
    WINDOW_TAKEN,
    HallDenied,
    HallError,
    HallProfile,
    assign_windows,
    end_shift,
    save_category,
    save_hall,
    save_window,
    start_shift,
)
from tests.pg_race import ON_POSTGRESQL, race

pytestmark = pytest.mark.django_db


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def kinds() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("kind", flat=True))


def profile(**changes) -> HallProfile:
    base = HallProfile(name="二屯镇便民服务中心", slug="ertun-centre", kind="township",
                       region=Region.objects.get(code="371402"),
                       address="德州市德城区二屯镇政府院内", phone="0534-5550300",
                       periods=[Period(1, t("09:00"), t("12:00"))])
    return replace(base, **changes)


# -- halls ----------------------------------------------------------------------------------


def test_a_hall_is_created_with_its_schedule_and_recorded(demo):
    hall = save_hall(profile(), actor=demo.manager)
    assert list(hall.opening_periods.values_list("weekday", "starts", "ends", "service")) == [
        (1, t("09:00"), t("12:00"), "regular")]
    entry = AuditEntry.objects.get(kind="hall.created")
    assert (entry.actor_id, entry.details) == (
        demo.manager.pk, {"hall": "二屯镇便民服务中心", "slug": "ertun-centre",
                          "is_main": False})


def test_changes_are_recorded_with_old_and_new_values_and_nothing_when_nothing_changed(demo):
    hall = save_hall(profile(), actor=demo.manager)
    save_hall(profile(phone="0534-5550301",
                      periods=[Period(1, t("09:00"), t("12:00")),
                               Period(6, t("09:00"), t("11:00"), ServiceKind.APPOINTMENT)]),
              actor=demo.manager, hall=hall)
    entry = AuditEntry.objects.get(kind="hall.updated")
    assert entry.details == {"hall": "二屯镇便民服务中心", "changes": {
        "phone": ["0534-5550300", "0534-5550301"],
        "periods": [[[1, "09:00", "12:00", "regular"]],
                    [[1, "09:00", "12:00", "regular"], [6, "09:00", "11:00", "appointment"]]]}}
    save_hall(profile(phone="0534-5550301",
                      periods=[Period(6, t("09:00"), t("11:00"), ServiceKind.APPOINTMENT),
                               Period(1, t("09:00"), t("12:00"))]),
              actor=demo.manager, hall=hall)
    assert kinds() == ["hall.created", "hall.updated"]


def test_one_main_hall_at_a_time(halls, demo):
    save_hall(profile(is_main=True), actor=demo.manager)
    assert list(Hall.objects.filter(is_main=True).values_list("slug", flat=True)) == [
        "ertun-centre"]
    assert kinds() == ["hall.updated", "hall.created"]  # the county centre steps down first
    assert AuditEntry.objects.get(kind="hall.updated").details == {
        "hall": "德城区政务服务中心", "changes": {"is_main": [True, False]}}
    assert selectors.main_hall().slug == "ertun-centre"
    with pytest.raises(IntegrityError), transaction.atomic():
        Hall.objects.filter(slug="decheng-centre").update(is_main=True)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"slug": "Ertun Centre"}, "slug", "标识为1至50个小写英文字母、数字或连字符"),
    ({"map_url": "javascript:alert(1)"}, "map_url", "地图链接应以 https:// 开头"),
    ({"name": " "}, "name", "请填写名称"),
    ({"kind": "palace"}, "kind", "请选择办事大厅类型"),
    ({"is_main": True, "active": False}, "active", "主办事大厅必须启用"),
    ({"periods": [Period(2, t("09:00"), t("12:00")), Period(2, t("11:30"), t("13:00"))]},
     "periods", "周二 09:00–12:00 与 11:30–13:00 时间重叠"),
])
def test_a_profile_that_cannot_be_kept_is_refused(demo, changes, field, message):
    with pytest.raises(HallError) as refused:
        save_hall(profile(**changes), actor=demo.manager)
    assert message in refused.value.errors[field]
    assert not Hall.objects.filter(slug__in=["ertun-centre", "Ertun Centre"]).exists()


def test_names_and_slugs_are_unique(halls, demo):
    with pytest.raises(HallError) as refused:
        save_hall(profile(name="德城区政务服务中心", slug="decheng-centre"), actor=demo.manager)
    assert set(refused.value.errors) == {"name", "slug"}


def test_the_database_keeps_periods_sane(halls):
    for bad in ({"weekday": 8, "starts": t("09:00"), "ends": t("10:00")},
                {"weekday": 1, "starts": t("10:00"), "ends": t("09:00")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            OpeningPeriod.objects.create(hall=halls.township, **bad)


@pytest.mark.parametrize("who", ["clerk", "samr", "applicant"])
def test_only_managers_and_administrators_change_halls(halls, demo, who):
    actor = getattr(demo, who)
    hall = halls.county
    for change in (lambda: save_hall(profile(), actor=actor),
                   lambda: save_category(hall, actor=actor, letter="G", name="新类别"),
                   lambda: save_window(hall, actor=actor, number=20, kind="any_matter"),
                   lambda: assign_windows(demo.clerk, [], actor=actor)):
        with pytest.raises(HallDenied):
            change()
    assert kinds() == []


# -- categories and windows --------------------------------------------------------------------


def test_category_letters_are_per_hall_and_folded(halls, demo):
    category = save_category(halls.township, actor=demo.manager, letter="ｃ", name="不动产")
    assert category.letter == "C"
    with pytest.raises(HallError) as refused:
        save_category(halls.township, actor=demo.manager, letter="c", name="另一个")
    assert refused.value.errors == {
        "letter": "本大厅已有取号字母 C (letter C is taken in this hall)"}
    with pytest.raises(HallError) as refused:
        save_category(halls.township, actor=demo.manager, letter="AB", name="两个字母")
    assert "A–Z" in refused.value.errors["letter"]
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceCategory.objects.create(hall=halls.township, letter="z", name="小写")
    assert [(e.kind, e.details["letter"]) for e in AuditEntry.objects.all()] == [
        ("category.created", "C")]


def test_a_specialist_window_belongs_to_a_department_and_only_it(halls, demo):
    hall = halls.township
    with pytest.raises(HallError) as refused:
        save_window(hall, actor=demo.manager, number=9, kind=WindowKind.SPECIALIST)
    assert refused.value.errors == {
        "department": "专业窗口须选择所属部门 (a specialist window needs its department)"}
    tax = Department.objects.get(code="dc-tax")
    window = save_window(hall, actor=demo.manager, number=9, kind=WindowKind.ANY_MATTER,
                         department=tax)
    assert window.department is None  # an any-matter window serves every department
    with pytest.raises(IntegrityError), transaction.atomic():
        Window.objects.create(hall=hall, number=10, kind=WindowKind.SPECIALIST)
    with pytest.raises(IntegrityError), transaction.atomic():
        Window.objects.create(hall=hall, number=11, kind=WindowKind.ANY_MATTER, department=tax)


def test_a_window_serves_only_its_own_halls_categories(halls, demo):
    county_a = halls.county.categories.get(letter="A")
    with pytest.raises(HallError) as refused:
        save_window(halls.township, actor=demo.manager, number=9, kind="any_matter",
                    categories=[county_a])
    assert "只能选择本大厅的取号类别" in refused.value.errors["categories"]
    with pytest.raises(HallError) as refused:
        save_window(halls.township, actor=demo.manager, number=1, kind="any_matter")
    assert refused.value.errors == {"number": "本大厅已有1号窗口 (window 1 exists in this hall)"}


def test_changing_a_window_records_what_changed(halls, demo):
    window = halls.window(halls.township, 2)
    b = halls.township.categories.get(letter="B")
    save_window(halls.township, actor=demo.manager, window=window, number=2, kind="any_matter",
                name="社保缴费", categories=[b])
    entry = AuditEntry.objects.get(kind="window.updated")
    assert entry.details == {"hall": "黄河涯镇便民服务中心", "number": 2, "changes": {
        "name": ["", "社保缴费"], "categories": [["A", "B"], ["B"]]}}


# -- assignments --------------------------------------------------------------------------------


def test_windows_are_assigned_to_window_staff_only(halls, demo):
    windows = [halls.window(halls.county, 3)]
    assign_windows(demo.clerk, windows, actor=demo.manager)
    assert list(demo.clerk.assigned_windows.all()) == windows
    assert AuditEntry.objects.get(kind="window.assigned").details == {
        "username": "demo-clerk", "changes": {"windows": [
            ["德城区政务服务中心 1", "德城区政务服务中心 2", "黄河涯镇便民服务中心 1"],
            ["德城区政务服务中心 3"]]}}
    with pytest.raises(HallError, match="只有窗口工作人员、帮办代办员和中心管理人员可以安排窗口"):
        assign_windows(demo.samr, windows, actor=demo.manager)
    admin = User.objects.get(username="demo-admin")
    with pytest.raises(staff.StaffDenied):
        assign_windows(admin, [], actor=demo.manager)


# -- shifts ------------------------------------------------------------------------------------


def test_a_clerk_works_at_assigned_windows_only_and_moves_between_them(halls, demo):
    first = start_shift(halls.window(halls.county, 1), actor=demo.clerk)
    assert start_shift(halls.window(halls.county, 1), actor=demo.clerk) == first  # again: same
    with pytest.raises(HallDenied):
        start_shift(halls.window(halls.county, 3), actor=demo.clerk)  # not assigned
    moved = start_shift(halls.window(halls.township, 1), actor=demo.clerk)
    first.refresh_from_db()
    assert (first.end_reason, first.ended_by_id) == ("moved", demo.clerk.pk)
    assert first.ended_at is not None and moved.ended_at is None
    assert selectors.current_shift(demo.clerk) == moved
    assert kinds() == ["shift.started", "shift.ended", "shift.started"]
    assert AuditEntry.objects.filter(kind="shift.started").last().details == {
        "hall": "黄河涯镇便民服务中心", "window": 1, "username": "demo-clerk"}


def test_who_may_work_where(halls, demo):
    newcomer = create_staff(username="w-new", password="x", role=Role.CLERK)
    self_service = halls.window(halls.county, 11)
    assert start_shift(halls.window(halls.county, 5), actor=newcomer)  # none assigned: any
    with pytest.raises(HallDenied):
        start_shift(self_service, actor=demo.manager)  # nobody works a shift there
    assert start_shift(halls.window(halls.county, 8), actor=demo.manager)  # managers: any
    for outsider in (demo.samr, demo.applicant, User.objects.get(username="demo-admin")):
        with pytest.raises(HallDenied):
            start_shift(halls.window(halls.county, 3), actor=outsider)
    save_window(halls.county, actor=demo.manager, window=halls.window(halls.county, 4),
                number=4, kind="any_matter", active=False)
    with pytest.raises(HallDenied):
        start_shift(halls.window(halls.county, 4), actor=newcomer)


def test_one_person_per_window(halls, demo):
    start_shift(halls.window(halls.county, 1), actor=demo.clerk)
    colleague = create_staff(username="w-li", password="x", role=Role.CLERK)
    with pytest.raises(HallError) as refused:
        start_shift(halls.window(halls.county, 1), actor=colleague)
    assert refused.value.errors == {"window": WINDOW_TAKEN}
    assert not WindowShift.objects.filter(user=colleague).exists()


def test_the_database_allows_one_open_shift_per_window_and_per_person(halls, demo):
    now = timezone.now()
    one, two = halls.window(halls.county, 1), halls.window(halls.county, 2)
    WindowShift.objects.create(window=one, user=demo.clerk, started_at=now)
    other = create_staff(username="w-db", password="x", role=Role.CLERK)
    with pytest.raises(IntegrityError), transaction.atomic():
        WindowShift.objects.create(window=one, user=other, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        WindowShift.objects.create(window=two, user=demo.clerk, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        WindowShift.objects.create(window=two, user=other, started_at=now,
                                   ended_at=now - dt.timedelta(minutes=1))
    # Ended shifts do not count: the same window and person again, after one ended.
    WindowShift.objects.filter(window=one).update(ended_at=now)
    WindowShift.objects.create(window=one, user=demo.clerk, started_at=now)


def test_a_shift_ends_at_sign_out_and_when_the_account_is_disabled(halls, demo):
    browser = Client()
    browser.post("/workbench/login/", {"username": "demo-clerk", "password": DEMO_PASSWORD})
    browser.post("/workbench/shift/start/", {"window": halls.window(halls.county, 2).pk})
    shift = selectors.current_shift(demo.clerk)
    assert shift.window.number == 2
    browser.post("/workbench/logout/")
    shift.refresh_from_db()
    assert (shift.end_reason, shift.ended_by_id) == ("signed_out", demo.clerk.pk)

    held = start_shift(halls.window(halls.county, 1), actor=demo.clerk)
    staff.disable_staff(demo.clerk, actor=demo.manager)
    held.refresh_from_db()
    assert (held.end_reason, held.ended_by_id) == ("disabled", demo.manager.pk)


def test_only_its_holder_or_a_manager_ends_a_shift(halls, demo):
    held = start_shift(halls.window(halls.county, 1), actor=demo.clerk)
    colleague = create_staff(username="w-zhao", password="x", role=Role.CLERK)
    with pytest.raises(HallDenied):
        end_shift(held, actor=colleague)
    assert end_shift(held, actor=demo.manager, reason="ended_by_manager") is True
    assert end_shift(held, actor=demo.manager) is False
    held.refresh_from_db()
    assert (held.end_reason, held.ended_by_id) == ("ended_by_manager", demo.manager.pk)


def test_taking_a_window_out_of_use_ends_its_shift(halls, demo):
    held = start_shift(halls.window(halls.county, 2), actor=demo.clerk)
    save_window(halls.county, actor=demo.manager, window=held.window, number=2,
                kind="self_service")
    held.refresh_from_db()
    assert held.end_reason == "window_closed" and held.ended_by_id == demo.manager.pk


# -- racing starts on PostgreSQL ----------------------------------------------------------------


@pytest.mark.skipif(not ON_POSTGRESQL, reason="real concurrent connections (test-postgres.sh)")
@pytest.mark.django_db(transaction=True)
def test_two_clerks_pressing_start_at_one_window_at_once_get_one_shift(halls, demo):
    window = halls.window(halls.county, 3)
    clerks = [create_staff(username=f"w-race-{i}", password="x", role=Role.CLERK)
              for i in range(4)]
    outcomes = race(*[lambda c=c: start_shift(window, actor=c) for c in clerks])
    shifts = [o for o in outcomes if isinstance(o, WindowShift)]
    refused = [o for o in outcomes if isinstance(o, HallError)]
    assert len(shifts) == 1 and len(refused) == 3, outcomes
    assert all(r.errors == {"window": WINDOW_TAKEN} for r in refused)
    assert WindowShift.objects.filter(window=window, ended_at__isnull=True).count() == 1
    assert AuditEntry.objects.filter(kind="shift.started").count() == 1


@pytest.mark.skipif(not ON_POSTGRESQL, reason="real concurrent connections (test-postgres.sh)")
@pytest.mark.django_db(transaction=True)
def test_one_clerk_starting_at_two_windows_at_once_gets_one_shift(halls, demo):
    """Overlapping starts: one wins, the other is told the clerk is working elsewhere.
    Starts that happen one after the other are a move (the first shift ends). Either
    way the clerk has one open shift."""
    clerk = create_staff(username="w-twice", password="x", role=Role.CLERK)
    windows = [halls.window(halls.county, n) for n in (3, 4)]
    for _ in range(5):
        outcomes = race(*[lambda w=w: start_shift(w, actor=clerk) for w in windows])
        assert all(isinstance(o, WindowShift) or (isinstance(o, HallError) and o.errors == {
            "window": ALREADY_WORKING}) for o in outcomes), outcomes
        assert any(isinstance(o, WindowShift) for o in outcomes)
        assert WindowShift.objects.filter(user=clerk, ended_at__isnull=True).count() == 1
        ends = set(WindowShift.objects.filter(user=clerk, ended_at__isnull=False)
                   .values_list("end_reason", flat=True))
        assert ends <= {"moved"}
        WindowShift.objects.filter(user=clerk).delete()  # the next round starts afresh


def test_the_demo_county_centre_is_the_main_hall_with_its_week(halls):
    assert selectors.main_hall() == halls.county
    assert sorted(selectors.periods_of(halls.county)) == sorted(COUNTY.periods)
    assert [(w.number, w.kind, w.department.code if w.department else "",
             "".join(w.categories.order_by("letter").values_list("letter", flat=True)))
            for w in halls.county.windows.order_by("number")][:7] == [
        (1, "any_matter", "", "A"), (2, "any_matter", "", "A"), (3, "any_matter", "", "A"),
        (4, "any_matter", "", "AD"), (5, "any_matter", "", "DG"),
        (6, "specialist", "dc-hrss", "B"), (7, "specialist", "dc-hrss", "B")]


def test_the_demo_set_up_runs_again_without_changing_anything(halls):
    from onething.hall.demo import create_demo_halls

    lines = create_demo_halls()
    assert lines[:2] == [
        "办事大厅 德城区政务服务中心：11 个窗口，7 个取号类别 /halls/#decheng-centre",
        "办事大厅 黄河涯镇便民服务中心：4 个窗口，2 个取号类别 /halls/#huangheya-centre"]
    assert kinds() == []  # nothing changed, nothing recorded
    assert (Hall.objects.count(), Window.objects.count(), ServiceCategory.objects.count()) == (
        2, 15, 9)


def test_admin_edits_are_audited_too(halls, demo):
    admin = User.objects.get(username="demo-admin")
    browser = Client()
    browser.force_login(admin)
    response = browser.post("/admin/hall/servicecategory/add/", {
        "hall": halls.township.pk, "letter": "D", "name": "农业农村", "description": "",
        "department": "", "active": "on", "order": "3", "handling_minutes": "15",
        "bookable": "on"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(kind="category.created")
    assert (entry.actor_id, entry.details["via"], entry.details["name"]) == (
        admin.pk, "admin", "D 农业农村")


def test_taking_a_hall_out_of_use_ends_its_shifts(halls, demo):
    from onething.hall.selectors import periods_of

    held = start_shift(halls.window(halls.township, 1), actor=demo.clerk)
    township = halls.township
    profile = HallProfile(**{name: getattr(township, name) for name in (
        "name", "slug", "kind", "region", "address", "phone", "map_url", "bus_lines",
        "accessible_entrance", "hours_note", "is_main", "order")}, active=False,
        periods=periods_of(township))
    save_hall(profile, actor=demo.manager, hall=township)
    held.refresh_from_db()
    assert (held.end_reason, held.ended_by_id) == ("hall_closed", demo.manager.pk)
    assert selectors.default_region() == "371402"
