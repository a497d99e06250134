"""Demo registers for a fresh install (`onething setup --demo`).

Made-up people only. The resident and enterprise registers hold the demo people
and the demo company, so their accounts verify (L2). The demo applicant (张小明) has
no criminal record, so
the 无犯罪记录证明 is decided in seconds; they have three years of employee
contributions (until last December) and next year's resident medical
insurance due to pay at the kiosk.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from onething.accounts.demo import DEMO_APPLICANTS, _id
from onething.accounts.identity import verify_in_person, verify_online
from onething.accounts.models import User
from onething.registers.services import load_register

# Fictional people with a record (valid-looking numbers, not real persons).
_CONVICTED = [
    (_id("37140219700315201"), "甲某", "盗窃罪", "2012-06-18", "（2012）德刑初字第118号"),
    (_id("37140219820722301"), "乙某", "危险驾驶罪", "2019-09-03", "（2019）鲁1402刑初256号"),
    (_id("37140219950101401"), "丙某", "诈骗罪", "2021-04-27", "（2021）鲁1402刑初87号"),
]


def _months(end: dt.date, count: int) -> list[str]:
    year, month = end.year, end.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(out)


def demo_csvs(today: dt.date | None = None) -> dict[str, str]:
    today = today or dt.date.today()
    person = DEMO_APPLICANTS[0]
    criminal = ["id_number,name,offence,judgment_date,court,judgment_number"]
    criminal += [f"{i},{n},{o},{d},德州市德城区人民法院,{j}" for i, n, o, d, j in _CONVICTED]
    # Employed until December last year; from next year a resident-insurance due.
    last = dt.date(today.year - 1, 12, 1)
    contributions = ["id_number,name,insurance,month,amount_fen,employer"]
    for month in _months(last, 36):
        for insurance, amount in (("pension", 62400), ("medical", 15600),
                                  ("unemployment", 1950)):
            contributions.append(f"{person['id_number']},{person['real_name']},{insurance},"
                                 f"{month},{amount},德州市德城区甜心烘焙有限公司")
    dues = ["id_number,name,item,year,amount_fen",
            f"{person['id_number']},{person['real_name']},resident-medical,{today.year + 1},40000"]
    company = DEMO_APPLICANTS[1]
    residents = ["id_number,name"]
    residents += [f"{i},{n}" for i, n, *_ in _CONVICTED]
    residents += [f"{person['id_number']},{person['real_name']}",
                  f"{company['representative_id_number']},{company['representative_name']}"]
    enterprises = ["uscc,company_name,representative_name,representative_id_number,status",
                   f"{company['uscc']},{company['company_name']},{company['representative_name']},"
                   f"{company['representative_id_number']},active"]
    return {"residents": "\n".join(residents) + "\n",
            "enterprises": "\n".join(enterprises) + "\n",
            "criminal-records": "\n".join(criminal) + "\n",
            "contributions": "\n".join(contributions) + "\n",
            "contribution-dues": "\n".join(dues) + "\n"}


IDENTITY_REGISTERS = ("residents", "enterprises")


def load_demo_registers(only: tuple[str, ...] | None = None) -> list[str]:
    lines = []
    for register, text in demo_csvs().items():
        if only is not None and register not in only:
            continue
        result = load_register(register, text.encode(), actor=None, filename="demo.csv")
        if not result.ok:  # pragma: no cover - the demo data is generated valid
            raise RuntimeError("; ".join(str(p) for p in result.problems))
        lines.append(f"演示数据：{result.load}")
    return lines


@transaction.atomic
def verify_demo_identities() -> list[str]:
    """The demo people are in the demo resident register and the company in the
    enterprise register, so both accounts verify online (L2); the demo clerk has also
    seen 张小明's ID card at the window (L3), so the kiosk issues his certificates
    without a card reader. Run after ``accounts.demo.create_demo_accounts``."""
    lines = load_demo_registers(only=IDENTITY_REGISTERS)
    clerk = User.objects.get(username="demo-clerk")
    person = User.objects.get(username=DEMO_APPLICANTS[0]["username"])
    company = User.objects.get(username=DEMO_APPLICANTS[1]["username"])
    verify_online(person)
    verify_online(company)
    verify_in_person(person, actor=clerk, evidence="window-original")
    for user in (person, company):
        user.refresh_from_db()
        lines.append(f"{user.display_name}：实名认证 L{user.assurance_level}"
                     f"（{user.assurance_label}）")
    return lines
