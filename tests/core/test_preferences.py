"""Language and elder-mode switches: on every page, remembered per device and user."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_chinese_by_default_whatever_the_browser_says(client, loaded_catalog):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in response.content.decode()


def test_switch_to_english_and_back(client, loaded_catalog):
    page = client.get("/").content.decode()
    assert 'name="language" value="en"' in page and ">English</button>" in page
    response = client.post("/preferences/language/", {"language": "en", "next": "/search/?q=x"})
    assert response.status_code == 302 and response.url == "/search/?q=x"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert '<html lang="en"' in page.content.decode()
    assert 'name="language" value="zh-hans"' in page.content.decode()
    client.post("/preferences/language/", {"language": "zh-hans"})
    assert client.get("/")["Content-Language"] == "zh-hans"


def test_unknown_language_and_foreign_next_are_ignored(client, loaded_catalog):
    response = client.post("/preferences/language/",
                           {"language": "xx", "next": "https://evil.example/"})
    assert response.url == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get("/preferences/language/").status_code == 405


def test_elder_mode_is_remembered_for_the_device(client, loaded_catalog):
    assert 'class="elder"' not in client.get("/").content.decode()
    client.post("/preferences/elder/", {"elder": "1"})
    page = client.get("/").content.decode()
    assert '<html lang="zh-Hans" class="elder">' in page
    assert 'aria-pressed="true"' in page
    client.post("/preferences/elder/", {"elder": "0"})
    assert 'class="elder"' not in client.get("/").content.decode()


def test_choices_follow_the_signed_in_user_to_another_device(client, demo):
    client.force_login(demo.applicant)
    client.post("/preferences/elder/", {"elder": "1"})
    client.post("/preferences/language/", {"language": "en"})
    demo.applicant.refresh_from_db()
    assert demo.applicant.elder_mode and demo.applicant.language == "en"
    from django.test import Client

    other_device = Client()
    other_device.force_login(demo.applicant)
    page = other_device.get("/")
    assert page["Content-Language"] == "en" and 'class="elder"' in page.content.decode()


def test_switches_are_on_workbench_and_kiosk_pages(client, demo):
    for url in ("/workbench/login/", "/kiosk/", "/kiosk/identify/", "/login/"):
        page = client.get(url).content.decode()
        assert 'action="/preferences/elder/"' in page, url
        assert 'action="/preferences/language/"' in page, url


def test_kiosk_forgets_the_choices_for_the_next_resident(client, demo):
    client.post("/preferences/elder/", {"elder": "1"})
    client.post("/preferences/language/", {"language": "en"})
    response = client.get("/kiosk/?done=1")
    assert response.cookies["onething_elder"].value == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
