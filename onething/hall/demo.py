"""Demo halls for ``onething setup --demo``: the county centre of 德城区 and one township
centre, with ticket categories, windows and the demo clerk's and assistant's windows.

Fictional but plausible (addresses, phone numbers and bus lines are made up); run
again, it brings the same halls back to this state through the services, so every
change is in the audit trail like a manager's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import quote

from django.db import transaction

from onething.accounts.models import User
from onething.catalog.models import Department, Region
from onething.domain.forecast import PeakPeriod
from onething.domain.hall import HallKind, Period, ServiceKind, WindowKind
from onething.domain.tickethistory import DemoCategory, generate_demo_history
from onething.hall.models import Hall, ServiceCategory, Window
from onething.hall.services import (
    HallProfile,
    assign_windows,
    save_category,
    save_hall,
    save_window,
)

REGION = "371402"  # 德城区


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _week(days: range, starts: str, ends: str,
          service: ServiceKind = ServiceKind.REGULAR) -> list[Period]:
    return [Period(day, _t(starts), _t(ends), service) for day in days]


def _map(name: str, longitude: float, latitude: float) -> str:
    return (f"https://uri.amap.com/marker?position={longitude},{latitude}"
            f"&name={quote(name)}")


WEEKDAYS = range(1, 6)
COUNTY = HallProfile(
    name="德城区政务服务中心", slug="decheng-centre", kind=HallKind.COUNTY,
    region=None,  # type: ignore[arg-type]  (set from the database below)
    address="山东省德州市德城区湖滨北大道1号", phone="0534-5550100",
    map_url=_map("德城区政务服务中心", 116.3075, 37.4513),
    bus_lines="1路、3路、12路、K5路 政务服务中心站下车，步行约200米",
    accessible_entrance=("东门设无障碍坡道和自动门，门口有盲道通往服务台；一楼设低位服务台、"
                         "无障碍卫生间和轮椅借用点。听障人士可在综合窗口使用文字沟通服务。"),
    hours_note=("法定节假日休息，调休上班日正常办公，以国务院办公厅通知为准。"
                "工作日午间（12:00–13:30）和周二、周四傍晚（17:30–19:00）延时服务，"
                "办理社保医保、不动产查询和证照领取等高频事项。"
                "周六上午为预约服务，请提前一天在网上办事大厅或拨打咨询电话预约。"),
    is_main=True, order=0,
    periods=(_week(WEEKDAYS, "09:00", "12:00") + _week(WEEKDAYS, "12:00", "13:30",
                                                       ServiceKind.EXTENDED)
             + _week(WEEKDAYS, "13:30", "17:30")
             + _week(range(2, 3), "17:30", "19:00", ServiceKind.EXTENDED)
             + _week(range(4, 5), "17:30", "19:00", ServiceKind.EXTENDED)
             + _week(range(6, 7), "09:00", "12:00", ServiceKind.APPOINTMENT)),
)
TOWNSHIP = HallProfile(
    name="黄河涯镇便民服务中心", slug="huangheya-centre", kind=HallKind.TOWNSHIP,
    region=None,  # type: ignore[arg-type]
    address="山东省德州市德城区黄河涯镇政府西侧便民服务中心一楼", phone="0534-5550200",
    map_url=_map("黄河涯镇便民服务中心", 116.2741, 37.3892),
    bus_lines="8路、K12路 黄河涯镇政府站下车",
    accessible_entrance="正门平地出入，无台阶；设低位服务台，可借用轮椅和老花镜。",
    hours_note="法定节假日休息。周六上午预约服务，可办理社保医保和户籍证明等事项。",
    order=1,
    periods=(_week(WEEKDAYS, "08:30", "12:00") + _week(WEEKDAYS, "14:00", "17:30")
             + _week(range(6, 7), "09:00", "11:30", ServiceKind.APPOINTMENT)),
)

# (letter, name, description, department code or "")
COUNTY_CATEGORIES = [
    ("A", "综合受理", "各类事项“一窗受理”，含一件事集成办理", ""),
    ("B", "社保医保", "社会保险、医疗保险参保、转移和待遇", "dc-hrss"),
    ("C", "不动产登记", "不动产登记、查询和证书领取", "dc-natural-resources"),
    ("D", "企业开办", "营业执照、刻章、税务、社保登记一次办", "dc-samr"),
    ("E", "户政出入境", "户籍、居住证和出入境证件", "dc-police"),
    ("F", "帮办代办", "老年人、残疾人和企业的帮办代办服务", ""),
    ("G", "教育入学", "义务教育入学登记、学籍和入学材料审核", ""),
]
TOWNSHIP_CATEGORIES = [
    ("A", "综合受理", "各类事项就近受理", ""),
    ("B", "社保医保", "城乡居民社保医保缴费和待遇", "dc-hrss"),
]
# (number, name, kind, department code or "", category letters)
COUNTY_WINDOWS = [
    (1, "", WindowKind.ANY_MATTER, "", "A"),
    (2, "", WindowKind.ANY_MATTER, "", "A"),
    (3, "", WindowKind.ANY_MATTER, "", "A"),
    (4, "", WindowKind.ANY_MATTER, "", "AD"),
    (5, "企业开办专区", WindowKind.ANY_MATTER, "", "DG"),
    (6, "社保医保", WindowKind.SPECIALIST, "dc-hrss", "B"),
    (7, "社保医保", WindowKind.SPECIALIST, "dc-hrss", "B"),
    (8, "不动产登记", WindowKind.SPECIALIST, "dc-natural-resources", "C"),
    (9, "户政出入境", WindowKind.SPECIALIST, "dc-police", "E"),
    (10, "帮办代办", WindowKind.ASSISTANCE, "", "F"),
    (11, "24小时自助区", WindowKind.SELF_SERVICE, "", ""),
]
TOWNSHIP_WINDOWS = [
    (1, "", WindowKind.ANY_MATTER, "", "A"),
    (2, "", WindowKind.ANY_MATTER, "", "AB"),
    (3, "帮办代办", WindowKind.ASSISTANCE, "", "A"),
    (4, "自助区", WindowKind.SELF_SERVICE, "", ""),
]
# Demo staff and the windows they work at: (username, hall slug, window numbers)
ASSIGNMENTS = [
    ("demo-clerk", [("decheng-centre", 1), ("decheng-centre", 2),
                    ("huangheya-centre", 1)]),
    ("demo-assistant", [("decheng-centre", 10), ("huangheya-centre", 3)]),
]


def _department(code: str) -> Department | None:
    return Department.objects.filter(code=code).first() if code else None


def _hall(profile: HallProfile, region: Region) -> Hall:
    profile = replace(profile, region=region)
    return save_hall(profile, actor=None, hall=Hall.objects.filter(slug=profile.slug).first())


def _categories(hall: Hall, specs) -> dict[str, ServiceCategory]:
    found = {}
    for order, (letter, name, description, department) in enumerate(specs):
        found[letter] = save_category(
            hall, actor=None, letter=letter, name=name, description=description,
            department=_department(department), order=order,
            category=hall.categories.filter(letter=letter).first())
    return found


def _windows(hall: Hall, specs, categories: dict[str, ServiceCategory]) -> None:
    for number, name, kind, department, letters in specs:
        save_window(hall, actor=None, number=number, name=name, kind=kind,
                    department=_department(department),
                    categories=[categories[letter] for letter in letters],
                    window=hall.windows.filter(number=number).first())


@transaction.atomic
def create_demo_halls() -> list[str]:
    """Create (or reset) the demo halls; return lines saying what there is."""
    region = Region.objects.get(code=REGION)
    lines = []
    for profile, categories, windows in ((COUNTY, COUNTY_CATEGORIES, COUNTY_WINDOWS),
                                         (TOWNSHIP, TOWNSHIP_CATEGORIES, TOWNSHIP_WINDOWS)):
        hall = _hall(profile, region)
        _windows(hall, windows, _categories(hall, categories))
        lines.append(f"办事大厅 {hall.name}：{len(windows)} 个窗口，"
                     f"{len(categories)} 个取号类别 /halls/#{hall.slug}")
    for username, places in ASSIGNMENTS:
        member = User.objects.filter(username=username).first()
        if member is None:
            continue
        windows = [Window.objects.get(hall__slug=slug, number=number) for slug, number in places]
        assign_windows(member, windows, actor=None)
        lines.append(f"{username} 可在 " + "、".join(f"{w.hall.name}{w.number}号窗口"
                                                    for w in windows) + " 上岗")
    return lines


# -- the county centre's known peaks and ticket history (tidal windows) ---------------------

# (name, factor, months, category letters): 入学 on 教育入学 and 户政 in July–August,
# 年底社保缴费 on 社保医保 in December — the catalogue's known peaks (catalog/peaks.yaml)
# at the county centre, which the synthetic history is generated with. The hall has no
# peaks of its own: the tidal plan takes the catalogue's.
COUNTY_PEAKS = [
    ("入学", "3.50", "7,8", "G"),
    ("入学", "1.30", "7,8", "E"),
    ("年底社保缴费", "1.60", "12", "B"),
]
# The county centre's queues as the history generator sees them: an ordinary
# Wednesday's tickets, the mean handling time (seconds), and the windows the generated
# history had open for each (the plan then says where that was too few or too many).
COUNTY_HISTORY = (
    DemoCategory("A", "综合受理", "A", 45, 480, 3),
    DemoCategory("B", "社保医保", "B", 80, 300, 2),
    DemoCategory("C", "不动产登记", "C", 24, 900, 1),
    DemoCategory("D", "企业开办", "D", 14, 1200, 2),
    DemoCategory("E", "户政出入境", "E", 30, 420, 1),
    DemoCategory("F", "帮办代办", "F", 6, 900, 1),
    DemoCategory("G", "教育入学", "G", 10, 480, 1),
)


def county_peaks() -> list[PeakPeriod]:
    return [PeakPeriod(name, float(factor), months=tuple(int(m) for m in months.split(",")),
                       categories=tuple(letters)) for name, factor, months, letters
            in COUNTY_PEAKS]


def load_demo_history(*, weeks: int = 12, end: dt.date | None = None, seed: int = 0) -> int:
    """The county centre's synthetic ticket history of ``weeks`` weeks before ``end``
    (default: today) as its tickets, replacing a history loaded before."""
    from django.utils import timezone

    from onething.hall.tidal_services import load_ticket_history

    hall = Hall.objects.get(slug=COUNTY.slug)
    records = generate_demo_history(end=end or timezone.localdate(), weeks=weeks, seed=seed,
                                    categories=COUNTY_HISTORY, peaks=county_peaks(),
                                    hall=hall.slug)
    return load_ticket_history(hall, records, actor=None)
