"""The A4 poster: figures from the plan and a QR code of the scenario page's absolute URL.

No QR decoder is installed (zbar / pyzbar), so the QR is checked by reading the
SVG back into a module matrix and comparing it with segno's matrix for the
expected URL — the same symbol, module for module — and by the URL printed
under it.
"""

import html as htmllib
import re

import pytest
import segno

from onething.catalog.selectors import plan_bundle, scenarios
from onething.portal.scenario_views import QR_BORDER, QR_ERROR

pytestmark = pytest.mark.django_db


def svg_of(html: str) -> str:
    match = re.search(r'<svg[^>]*class="poster-qr"[^>]*>.*?</svg>', html, re.S)
    assert match, "no inline QR SVG on the poster"
    return match.group(0)


def svg_matrix(svg: str) -> tuple[tuple[bool, ...], ...]:
    """Read segno's path back into dark modules: ``M x y`` / ``m dx dy`` moves, ``h n`` runs."""
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    path = re.search(r' d="([^"]+)"', svg).group(1)
    grid = [[False] * width for _ in range(height)]
    x = y = 0.0
    for command, a, b in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:  # h: a horizontal run of dark modules along row y - 0.5
            run = int(float(a))
            for column in range(int(x), int(x) + run):
                grid[int(y)][column] = True
            x += run
    return tuple(tuple(row) for row in grid)


def expected_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    code = segno.make(url, error=QR_ERROR)
    size = code.symbol_size(scale=1, border=QR_BORDER)[0]
    grid = [[False] * size for _ in range(size)]
    for r, row in enumerate(code.matrix):
        for c, value in enumerate(row):
            grid[r + QR_BORDER][c + QR_BORDER] = bool(value)
    return tuple(tuple(row) for row in grid)


def test_poster_qr_encodes_the_absolute_url_of_the_scenario_page(client, loaded_catalog):
    for scenario in scenarios():
        response = client.get(f"/scenarios/{scenario.slug}/poster/")
        assert response.status_code == 200
        html = response.content.decode()
        url = f"http://testserver/scenarios/{scenario.slug}/"
        svg = svg_of(html)
        assert svg_matrix(svg) == expected_matrix(url), scenario.slug
        assert svg_matrix(svg) != expected_matrix(url.replace("http:", "https:"))
        # The address is printed under the code for those who cannot scan.
        assert f'<span class="poster-url">{url}</span>' in html
        assert "<title>" in svg  # a text alternative for the image


def test_poster_qr_has_a_quiet_zone_and_a_mid_or_high_error_level(client, loaded_catalog):
    assert QR_BORDER >= 4
    assert QR_ERROR in {"m", "q", "h"}
    url = "http://testserver/scenarios/cake-shop/"
    assert segno.make(url, error=QR_ERROR).error in {"M", "Q", "H"}
    matrix = svg_matrix(svg_of(client.get("/scenarios/cake-shop/poster/").content.decode()))
    for i in range(QR_BORDER):
        assert not any(matrix[i]) and not any(matrix[-1 - i])
        assert not any(row[i] or row[-1 - i] for row in matrix)


def test_public_url_setting_overrides_the_request_host(client, loaded_catalog, settings):
    settings.ONETHING_PUBLIC_URL = "https://zwfw.example.gov.cn/"
    html = client.get("/scenarios/temple-fair/poster/").content.decode()
    url = "https://zwfw.example.gov.cn/scenarios/temple-fair/"
    assert svg_matrix(svg_of(html)) == expected_matrix(url)
    assert url in html


def test_poster_host_follows_the_request(client, loaded_catalog, settings):
    settings.ALLOWED_HOSTS = ["zwfw.dezhou.example"]
    html = client.get("/scenarios/cake-shop/poster/", HTTP_HOST="zwfw.dezhou.example",
                      secure=True).content.decode()
    url = "https://zwfw.dezhou.example/scenarios/cake-shop/"
    assert svg_matrix(svg_of(html)) == expected_matrix(url)


def test_poster_figures_come_from_the_plan(client, loaded_catalog):
    html = client.get("/scenarios/cake-shop/poster/").content.decode()
    plan = plan_bundle("restaurant", {"menu": "pastry"})
    text = re.sub(r"<[^>]+>", "", html)
    text = re.sub(r"\s+", " ", text)
    assert '<h1 id="poster-heading" class="poster-title">我要开蛋糕店</h1>' in html
    assert (f"提交一次，{len(plan.departments)} 个部门并联办理，"
            f"最快 {plan.parallel_days} 个工作日全部办结") in text
    for matter in plan.matters:
        assert htmllib.escape(matter.name) in html
        assert matter.department_name in html


def test_single_department_poster_says_so(client, loaded_catalog):
    plan = plan_bundle("performance", {"attendance": "under-1000", "temporary_stage": "no"})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", client.get(
        "/scenarios/cafe-night-show/poster/").content.decode()))
    assert f"提交一次，{len(plan.departments)} 个部门办理" in text


def test_poster_is_laid_out_for_a4_and_hides_the_site_chrome_in_print(client, loaded_catalog):
    from django.contrib.staticfiles import finders

    html = client.get("/scenarios/cake-shop/poster/").content.decode()
    assert "onething/poster.css" in html
    css = open(finders.find("onething/poster.css"), encoding="utf-8").read()
    assert re.search(r"@page\s*{\s*size:\s*A4 portrait", css)
    printed = css[css.index("@media print"):]
    for selector in (".site-header", ".site-footer", "nav"):
        assert selector in printed.split("{")[1]
    assert re.search(r"\.poster-qr\s*{[^}]*width:\s*60mm", css)
