"""The Braille / large-print download blocks in English (the notices stay Chinese Braille)."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_guide_downloads_speak_english(client, loaded_catalog):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/bundles/restaurant/").content.decode()
    assert "Service guide in Braille and large print" in page
    assert "Braille (BRF, for embossers)" in page
    assert "盲文版（BRF" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "盲文版（BRF，供点字机）" in client.get("/bundles/restaurant/").content.decode()


def test_catalogue_is_complete_and_compiled():
    from tests.english import check_catalogue

    assert check_catalogue("accessibility") >= 18
