"""Receipts name the hall: where a window application was taken in (the hall of the
clerk's shift), else the main hall; on the printed receipt and on its large-print and
Braille versions."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from onething.applications.services import submit_application
from onething.hall.services import end_shift, start_shift
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db

TOWNSHIP_LINE = ('<p class="receipt-hall">黄河涯镇便民服务中心 · 地址：'
                 '山东省德州市德城区黄河涯镇政府西侧便民服务中心一楼 · 咨询电话：0534-5550200</p>')
COUNTY_LINE = ('<p class="receipt-hall">德城区政务服务中心 · 地址：'
               '山东省德州市德城区湖滨北大道1号'
               ' · 咨询电话：0534-5550100</p>')


def at_window(demo):
    return submit_application(restaurant_submission(demo.clerk, applicant=demo.applicant),
                              actor=demo.clerk, applicant=demo.applicant, channel="window")


def receipt_page(user, application) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/workbench/applications/{application.pk}/receipt/")
    assert response.status_code == 200
    return response.content.decode()


def notice_lines(client, application) -> list[str]:
    text = client.get(f"/applications/{application.pk}/notices/receipt.large.pdf").content
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(text)).pages)
    return [line.strip() for line in pdf.splitlines()]


def test_a_window_receipt_names_the_hall_of_the_clerks_shift(halls, demo):
    shift = start_shift(halls.window(halls.township, 1), actor=demo.clerk)
    application = at_window(demo)
    end_shift(shift, actor=demo.clerk)  # later on, the receipt is printed again
    assert TOWNSHIP_LINE in receipt_page(demo.clerk, application)
    assert TOWNSHIP_LINE in receipt_page(demo.manager, application)

    from onething.accessibility import selectors

    notice = selectors.application_notice(demo.applicant, application.pk, "receipt",
                                          absolute=lambda path: "https://x" + path,
                                          verify_url=lambda number: number)
    assert ("办事大厅", "黄河涯镇便民服务中心") in notice.facts
    assert ("地址", "山东省德州市德城区黄河涯镇政府西侧便民服务中心一楼") in notice.facts
    assert ("咨询电话", "0534-5550200") in notice.facts
    assert "办事大厅：黄河涯镇便民服务中心" in notice.lines()


def test_the_large_print_receipt_says_the_hall(halls, demo):
    start_shift(halls.window(halls.township, 1), actor=demo.clerk)
    application = at_window(demo)
    client = Client()
    client.force_login(demo.applicant)
    text = "".join(notice_lines(client, application))
    assert "黄河涯镇便民服务中心" in text and "0534-5550200" in text


def test_online_and_shiftless_receipts_name_the_main_hall(halls, demo):
    online = submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                                applicant=demo.applicant)
    assert COUNTY_LINE in receipt_page(demo.manager, online)
    no_shift = at_window(demo)
    assert COUNTY_LINE in receipt_page(demo.clerk, no_shift)


def test_a_shift_that_ended_before_the_submission_does_not_count(halls, demo):
    shift = start_shift(halls.window(halls.township, 1), actor=demo.clerk)
    end_shift(shift, actor=demo.clerk)
    application = at_window(demo)
    assert COUNTY_LINE in receipt_page(demo.clerk, application)


def test_without_halls_the_receipt_has_no_hall_line(demo):
    application = at_window(demo)
    assert "receipt-hall" not in receipt_page(demo.clerk, application)
