"""Branded error pages: 404, 403, 400 and 500 in the page's language, with the site header
and a way home; JSON under /api/."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path

from onething import urls as site_urls
from tests.english import english

pytestmark = pytest.mark.django_db


def _forbidden(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("bad")


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-forbidden/", _forbidden),
    path("test-suspicious/", _suspicious),
    path("test-broken/", _broken),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500


def test_404_is_branded_in_chinese_with_a_way_home(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-Hans"' in html and "<title>页面不存在 · onething</title>" in html
    assert 'class="site-header"' in html and 'class="brand" href="/"' in html
    assert "<h1>页面不存在</h1>" in html and '<a href="/">返回首页</a>' in html
    assert "错误代码：404" in html and "Not Found" not in html


def test_404_is_branded_in_english(client):
    english(client)
    html = client.get("/no-such-page/").content.decode()
    assert '<html lang="en"' in html and "<h1>Page not found</h1>" in html
    assert '<a href="/">Back to the home page</a>' in html and "Error code: 404" in html
    assert "页面不存在" not in html and "返回首页" not in html


@pytest.mark.urls(__name__)
def test_403_and_400_are_branded(client):
    forbidden = client.get("/test-forbidden/")
    assert forbidden.status_code == 403
    assert "<h1>没有访问权限</h1>" in forbidden.content.decode()
    assert '<a href="/">返回首页</a>' in forbidden.content.decode()
    bad = client.get("/test-suspicious/")
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "<h1>请求无法处理</h1>" in html and 'class="brand" href="/"' in html
    english(client)
    assert "<h1>Access denied</h1>" in client.get("/test-forbidden/").content.decode()
    assert "<h1>The request could not be handled</h1>" in client.get(
        "/test-suspicious/").content.decode()


@pytest.mark.urls(__name__)
def test_500_is_branded_in_both_languages():
    client = Client(raise_request_exception=False)
    response = client.get("/test-broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>系统出错了</h1>" in html and '<a href="/">返回首页</a>' in html
    assert 'class="site-header"' in html and "Server Error" not in html
    english(client)
    html = client.get("/test-broken/").content.decode()
    assert '<html lang="en"' in html and "<h1>Something went wrong</h1>" in html


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
