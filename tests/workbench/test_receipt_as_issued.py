"""The window's printed 收件回执 is the receipt stored at submission: a reprint after the
cases moved on says what the first print said (issue 15, "each issued document is
stored as issued")."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from onething.applications.models import IssuedDocument
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action
from tests.conftest import restaurant_submission
from tests.english import english

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10):
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(
        hour=hour, tzinfo=SHANGHAI), tick=False)


def article(html: str) -> str:
    return re.search(r'<article class="receipt".*?</article>', html, re.S).group(0)


def rows(html: str) -> list[tuple[str, str]]:
    return [(matter, status) for matter, _, status in re.findall(
        r'<th scope="row"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', html)]


def test_a_reprint_says_what_the_first_print_said(client, demo, halls):
    with at("2026-03-02"):
        application = submit_application(restaurant_submission(demo.applicant),
                                         actor=demo.clerk, applicant=demo.applicant,
                                         channel="window")
    receipt = IssuedDocument.objects.get(application=application, kind="receipt")
    assert receipt.issued_at == dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    masked = demo.applicant.id_number[:6] + "*" * 8 + demo.applicant.id_number[-4:]
    assert receipt.content["applicant"]["id_number"] == masked
    assert demo.applicant.id_number not in str(receipt.content)  # stored masked
    client.force_login(demo.clerk)
    url = reverse("workbench:receipt", args=[application.pk])
    with at("2026-03-02", 11):
        first = article(client.get(url).content.decode())
    assert rows(first) == [("经营主体设立登记（营业执照）", "待受理"),
                           ("食品从业人员预防性健康检查（健康证明）", "待受理"),
                           ("食品经营许可（新办）", "等待前置事项"),
                           ("公众聚集场所投入使用、营业前消防安全检查（告知承诺）", "等待前置事项"),
                           ("户外招牌设施设置", "等待前置事项")]
    assert "打印日期：2026年3月2日" in first
    registration = application.cases.get(matter__code="business-registration")
    with at("2026-03-05"):
        transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
        transition_case(registration.pk, Action.APPROVE, actor=demo.samr)
        again = article(client.get(url).content.decode())
    assert again == first  # not "已准予", not printed on 3月5日
    # The chrome follows the language; the stored content (names, data) stays as issued.
    english(client)
    with at("2026-03-05"):
        english_copy = article(client.get(url).content.decode())
    assert rows(english_copy)[0] == ("Business establishment registration (business licence)",
                                     "Awaiting acceptance")
    assert "待受理" not in english_copy


def test_a_receipt_stored_before_records_prints_as_stored(client, demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    old = {"kind": "receipt", "title": "收件回执",
           "facts": [["受理编号", application.tracking_number], ["申请人", "张小明"]],
           "sections": [{"heading": "已收取的材料", "items": ["营业执照申请书"],
                         "numbered": True}],
           "notes": ["打印日期：2026年1月5日"]}
    IssuedDocument.objects.filter(application=application).update(content=old)
    client.force_login(demo.clerk)
    html = article(client.get(reverse("workbench:receipt",
                                      args=[application.pk])).content.decode())
    assert "<h1 id=\"receipt-heading\">收件回执</h1>" in html
    assert "<dt>受理编号</dt><dd>" + application.tracking_number in html
    assert "<li>营业执照申请书</li>" in html and "打印日期：2026年1月5日" in html


def test_a_material_of_several_pages_is_one_receipt_line():
    from types import SimpleNamespace

    from onething.accessibility.selectors import _material_lines

    def page(key, name):
        return SimpleNamespace(material_key=key, material_name=name)

    assert _material_lines([page("plan", "消防预案"), page("plan", "消防预案"),
                            page("lease", "租赁合同"), page("plan", "消防预案")]) == [
        "消防预案（3 页）", "租赁合同"]
