"""The public 办事大厅 page and the footer's main hall."""

from __future__ import annotations

import re

import pytest

from onething.hall.models import Hall

pytestmark = pytest.mark.django_db


def test_the_page_lists_each_active_hall_with_its_profile(client, halls):
    html = client.get("/halls/").content.decode()
    assert "<h1>办事大厅</h1>" in html
    county = re.search(r'<section class="hall-profile" id="decheng-centre".*?</section>', html,
                       re.S).group(0)
    assert '<h2 id="hall-decheng-centre-heading">德城区政务服务中心</h2>' in county
    assert '<span class="tag">主办事大厅</span>' in county
    assert "山东省德州市德城区湖滨北大道1号" in county
    assert '<a href="tel:0534-5550100">0534-5550100</a>' in county
    assert ("<li>周一至周五：09:00–12:00、13:30–17:30</li>"
            "<li>周一至周五：12:00–13:30（延时服务）</li>"
            "<li>周二、周四：17:30–19:00（延时服务）</li>"
            "<li>周六：09:00–12:00（预约服务）</li>") in county
    assert "法定节假日休息，调休上班日正常办公" in county
    assert ("<dt>公交线路</dt><dd>1路、3路、12路、K5路 政务服务中心站下车，步行约200米</dd>"
            in county)
    assert "<dt>无障碍通道</dt><dd>东门设无障碍坡道和自动门" in county
    assert 'href="https://uri.amap.com/marker?position=116.3075,37.4513&amp;name=' in county
    # The main hall first, then the township centre; an inactive hall is not shown.
    assert html.index('id="decheng-centre"') < html.index('id="huangheya-centre"')
    Hall.objects.filter(slug="huangheya-centre").update(active=False)
    assert 'id="huangheya-centre"' not in client.get("/halls/").content.decode()


def test_without_halls_the_page_says_where_to_ask(client, loaded_catalog):
    html = client.get("/halls/").content.decode()
    assert "办事大厅信息尚未发布，请拨打当地政务服务热线 12345 咨询。" in html
    assert "footer-hall" not in html


def footer(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1]


@pytest.mark.parametrize("path", ["/", "/search/?q=水电", "/login/", "/workbench/login/"])
def test_every_page_shows_the_main_hall_in_the_footer(client, halls, path):
    bottom = footer(client.get(path).content.decode())
    assert '<h2 id="footer-hall-heading">德城区政务服务中心</h2>' in bottom
    assert "<p>地址：山东省德州市德城区湖滨北大道1号</p>" in bottom
    assert '<p>咨询电话：<a href="tel:0534-5550100">0534-5550100</a></p>' in bottom
    assert ("<p>办公时间：周一至周五 09:00–12:00、13:30–17:30；周一至周五 12:00–13:30（延时服务）；"
            "周二、周四 17:30–19:00（延时服务）；周六 09:00–12:00（预约服务）</p>") in bottom
    assert '<a href="/halls/">全部办事大厅的地址、办公时间和交通</a>' in bottom
    assert "黄河涯镇" not in bottom


def test_the_page_in_english_keeps_the_data_and_translates_the_rest(client, halls):
    from tests.english import chinese_left, english

    english(client)
    html = client.get("/halls/").content.decode()
    assert "<h1>Service halls</h1>" in html
    assert "<li>Mon to Fri: 09:00–12:00, 13:30–17:30</li>" in html
    assert "<li>Mon to Fri: 12:00–13:30 (extended hours)</li>" in html
    assert "<li>Tue, Thu: 17:30–19:00 (extended hours)</li>" in html
    assert "<li>Sat: 09:00–12:00 (by appointment)</li>" in html
    assert "Opening hours: Mon to Fri 09:00–12:00, 13:30–17:30; " in html  # the footer
    data = set()
    for hall in Hall.objects.all():
        data.update([hall.name, hall.address, hall.bus_lines, hall.accessible_entrance,
                     hall.hours_note])
    assert chinese_left(html, data, whole_body=True) == []
