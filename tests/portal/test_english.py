"""The portal in English (the language switch): the page chrome is English,
catalogue data stays Chinese, and the English catalogues are complete and compiled.

The UI's source language is Chinese: msgids are the Chinese strings, English is
the translation (onething/<app>/locale/en/LC_MESSAGES/django.po).
"""

from __future__ import annotations

import gettext
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.text import Truncator

from onething.applications.models import DELIVERY_ACTION_LABELS, DeliveryMethod
from onething.applications.services import submit_application
from onething.certificates.selectors import STATUS_LABELS as CERTIFICATE_STATUS_LABELS
from onething.domain.cases import ACTION_LABELS, APPLICATION_STATUS_LABELS, STATUS_LABELS
from onething.domain.catalog import BUNDLE_CATEGORIES, MATTER_KINDS
from onething.portal import labels
from tests.conftest import restaurant_submission
from tests.english import CHINESE, catalogue_data, check_catalogue, english, read_po

ONETHING = Path(__file__).resolve().parents[2] / "onething"
# The catalogues and templates this part of the interface owns.
APPS = ("core", "portal", "certificates")
CATALOGUES = [ONETHING / app / "locale" / "en" / "LC_MESSAGES" / "django.po" for app in APPS]
TEMPLATE_DIRS = [ONETHING / app / "templates" for app in APPS]


def in_english(client):
    english(client)
    return client


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visible_text(page: str) -> str:
    """What a reader sees or hears: text, and the labels carried by attributes."""
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    spoken = re.findall(r'\s(?:aria-label|placeholder|title|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return _squeeze(html.unescape(" ".join([text, *spoken])))


def catalogue_texts() -> list[str]:
    """Every text of the loaded catalogue (names, descriptions, synonyms …): data,
    which stays Chinese; longest first, with the card-length cut the lists show."""
    found: set[str] = set()
    for model in apps.get_app_config("catalog").get_models():
        for row in model.objects.values():
            stack = list(row.values())
            while stack:
                value = stack.pop()
                if isinstance(value, str):
                    found.add(_squeeze(value))
                    for language, _name in settings.LANGUAGES:  # "…" or "..."
                        with translation.override(language):
                            found.add(_squeeze(Truncator(value).chars(90)))
                elif isinstance(value, dict):
                    stack.extend(value.values())
                elif isinstance(value, list | tuple):
                    stack.extend(value)
    return sorted((t for t in found if CHINESE.search(t)), key=len, reverse=True)


def chrome_left_in_chinese(page: str, *data: str) -> list[str]:
    """Bits of Chinese left once catalogue data and the given data are taken out."""
    text = visible_text(page)
    for known in [*catalogue_texts(), *data]:
        text = text.replace(known, " ")
    return [text[max(m.start() - 30, 0):m.end() + 30] for m in CHINESE.finditer(text)]


# -- pages ---------------------------------------------------------------------

# "简体中文" is the language switch, written in its own language on purpose.
SWITCH = "简体中文"


@pytest.mark.parametrize("url", ["/", "/login/", "/register/", "/register/?kind=company",
                                 "/search/", "/scenarios/", "/bundles/restaurant/",
                                 "/scenarios/cake-shop/", "/scenarios/cake-shop/poster/"])
def test_public_pages_have_no_chinese_chrome(client, loaded_catalog, url):
    response = in_english(client).get(url)
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert chrome_left_in_chinese(response.content.decode(), SWITCH) == []


@pytest.mark.parametrize("url", ["/applications/", "/notifications/",
                                 "/bundles/restaurant/apply/"])
def test_signed_in_pages_have_no_chinese_chrome(client, demo, url):
    client.force_login(demo.applicant)
    page = in_english(client).get(url).content.decode()
    assert chrome_left_in_chinese(page, SWITCH, demo.applicant.display_name) == []


def test_application_pages_have_no_chinese_chrome(client, demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    client.force_login(demo.applicant)
    in_english(client)
    # What the applicant filed is data; so is the name of the Chinese Braille
    # system the accessibility block gives in English ("Chinese Braille (现行盲文)").
    data = [*catalogue_data(application), "现行盲文"]
    for url in ("/applications/", f"/applications/{application.pk}/"):
        page = client.get(url).content.decode()
        assert chrome_left_in_chinese(page, SWITCH, *data) == [], url


def test_header_navigation_and_footer(client, loaded_catalog):
    page = in_english(client).get("/").content.decode()
    assert '<html lang="en">' in page
    assert ">Skip to main content</a>" in page
    assert '<nav aria-label="Main navigation">' in page
    assert ">All bundles</a>" in page and ">Sign in</a>" in page and ">Register</a>" in page
    # The short placeholder; search.js shows the examples where the field has room.
    assert 'placeholder="What to do?"' in page and ">Search</button>" in page
    assert 'data-placeholder-long="Search, e.g. shuidian"' in page
    assert "Elder-friendly mode (large text)</button>" in page
    assert "open-source government service platform" in page
    assert "<h1>Get things done efficiently</h1>" in page
    assert "For individuals" in page and "For businesses" in page
    assert "I want to…</h2>" in page


def test_signed_in_navigation(client, demo):
    client.force_login(demo.applicant)
    page = in_english(client).get("/applications/").content.decode()
    assert ">My applications</a>" in page and ">My messages</a>" in page
    assert ">Sign out</button>" in page and "Signed in as: </span>" in page
    assert "<h1>My applications</h1>" in page
    assert "You have not submitted any application yet." in page
    notifications = client.get("/notifications/").content.decode()
    assert "<h1>My messages</h1>" in notifications and "No messages yet." in notifications


def test_login_labels_and_errors(client, demo):
    in_english(client)
    page = client.get("/login/").content.decode()
    assert "<h1>Sign in</h1>" in page
    assert '<label for="field-mobile">Mobile number</label>' in page
    assert "An 11-digit mainland China mobile number." in page
    assert ">Send me a code</button>" in page
    empty = client.post("/login/", {"step": "mobile", "mobile": ""}).content.decode()
    assert "<title>Error: Sign in · onething</title>" in empty
    assert "There is 1 problem to fix" in empty and "Enter your mobile number" in empty
    assert "(1 problem)" not in empty  # the Chinese page's English aside is not repeated
    code = client.post("/login/", {"step": "mobile", "mobile": "13800000001"}).content.decode()
    assert '<label for="field-code">Code from the text message</label>' in code
    assert "6 digits, valid for 5 minutes." in code
    assert "A sign-in code was sent if the number is registered." not in code


def test_register_labels_and_errors(client, loaded_catalog):
    in_english(client)
    person = client.get("/register/").content.decode()
    for label in ("Name", "Resident ID number",
                  "Mobile number (for signing in and progress updates)"):
        assert f">{label}</label>" in person
    company = client.get("/register/?kind=company").content.decode()
    assert ">Company name</label>" in company and ">Unified social credit code</label>" in company
    assert 'aria-current="page">Register as a company</a>' in company
    errors = client.post("/register/", {"kind": "person"}).content.decode()
    assert "There are 3 problems to fix" in errors
    assert "Name is required" in errors and "Mobile number is required" in errors


def test_search_page(client, loaded_catalog):
    page = in_english(client).get("/search/").content.decode()
    assert "<h1>Search the bundles</h1>" in page
    assert "Bundles people often apply for" in page
    found = client.get("/search/", {"q": "shuidian"}).content.decode()
    assert "Search results for “shuidian”" in found and 'class="tag kind-' in found


def test_bundle_page_in_english_shows_the_catalogues_english(client, loaded_catalog):
    page = in_english(client).get("/bundles/restaurant/").content.decode()
    assert "Opening a restaurant (one-stop service bundle)</h1>" in page
    assert "Do you already have a business licence?" in page  # the question's English
    assert "Not yet, apply for it too" in page and "是否已经领取营业执照？" not in page
    assert "Food business licence (new)" in page  # a matter
    assert "Decheng District Administration for Market Regulation" in page  # its department
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = settings.LANGUAGE_CODE
    chinese = client.get("/bundles/restaurant/").content.decode()
    assert "是否已经领取营业执照？" in chinese and "Do you already have" not in chinese
    for text in ("Your situation", "Your plan", "Who handles what, and how long it takes",
                 "Promised time limit", "Expected conclusion", "Needs first", "Statutory: ",
                 "working days", "Administrative licence", "Apply online"):
        assert text in page, text
    with translation.override("en"):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")  # e.g. "Nov. 26, 2026"
    assert f"Submit today ({today})" in page
    assert not re.search(r"\d+月\d+日", page)  # every date in the English format


def test_scenario_pages(client, loaded_catalog):
    in_english(client)
    page = client.get("/scenarios/cake-shop/").content.decode()
    assert "Prepared for this situation" in page and "Print the poster" in page
    poster = client.get("/scenarios/cake-shop/poster/").content.decode()
    assert "Submit <strong>once</strong>" in poster and "Scan to open" in poster
    missing = client.get("/scenarios/no-such-scenario/")
    assert missing.status_code == 404 and "Service scenario not found" in missing.content.decode()


def test_application_page_statuses_and_history(client, demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    client.force_login(demo.applicant)
    page = in_english(client).get(f"/applications/{application.pk}/").content.decode()
    for text in ("Tracking number", "In progress", "Progress at each department",
                 "Awaiting acceptance", "Waiting for prerequisites", "Application submitted",
                 "Collect at a window", "Withdraw the application", "Materials submitted"):
        assert text in page, text
    with translation.override("en"):
        submitted = formats.date_format(application.submitted_at.astimezone(), "DATE_FORMAT")
    assert submitted in page
    mine = client.get("/applications/").content.decode()
    assert "Opening a restaurant (one-stop service bundle)" in mine


def test_verify_page(client, loaded_catalog):
    page = in_english(client).get("/verify/BL-20260101-NOSUCHNO/").content.decode()
    assert "Verify an electronic certificate" in page and "Cannot be verified" in page
    assert "No electronic certificate numbered “BL-20260101-NOSUCHNO” was found." in page


def test_chinese_stays_the_default(client, loaded_catalog):
    page = client.get("/").content.decode()
    assert "<h1>高效办成一件事</h1>" in page and ">全部一件事</a>" in page
    assert "个人办事" in page and "Get things done" not in page


# -- labels the domain keeps in Chinese ------------------------------------------


def _msgids(promises) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {key: str(value) for key, value in promises.items()}


def test_translated_labels_cover_the_domain_labels():
    assert _msgids(labels.LABELS["case_status"]) == {s.value: t for s, t in STATUS_LABELS.items()}
    assert _msgids(labels.LABELS["application_status"]) == {
        s.value: t for s, t in APPLICATION_STATUS_LABELS.items()}
    events = {a.value: t for a, t in ACTION_LABELS.items()}
    assert DELIVERY_ACTION_LABELS.items() <= events.items()
    assert _msgids(labels.LABELS["case_event"]) == events
    assert _msgids(labels.LABELS["delivery_method"]) == {m.value: m.label for m in DeliveryMethod}
    assert _msgids(labels.LABELS["certificate_status"]) == CERTIFICATE_STATUS_LABELS
    assert _msgids(labels.MATTER_KIND_LABELS) == MATTER_KINDS
    assert _msgids(labels.CATEGORY_HEADINGS) == {key: f"{label}办事"
                                                 for key, label in BUNDLE_CATEGORIES.items()}
    with translation.override("zh-hans"):
        assert labels.time_limit("5个工作日") == "5个工作日"
    with translation.override("en"):
        assert labels.time_limit("1个工作日") == "1 working day"
        assert labels.time_limit("30个自然日") == "30 calendar days"
        assert labels.time_limit("即办") == "On the spot"


# -- the catalogues ------------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
def test_every_entry_is_translated_and_none_is_fuzzy(app):
    """Translated, not fuzzy, placeholders kept, and the .mo has the same entries."""
    assert check_catalogue(app) > 0
    po = ONETHING / app / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in read_po(po)[0]["msgstr"][0]
    for entry in read_po(po)[1:]:
        assert not CHINESE.search("".join(entry["msgstr"])), entry["msgid"]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_compiled_catalogue_says_what_the_po_says(po, tmp_path):
    """The committed .mo gives each entry's translation (the app needs no gettext
    at run time), and msgfmt, where installed, accepts the .po as compilemessages does."""
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in read_po(po)[1:]:
        context, msgid = entry.get("msgctxt"), entry["msgid"]
        if "msgid_plural" in entry:
            plural = entry["msgid_plural"]
            for n, index in ((1, 0), (2, 1)):
                got = (compiled.npgettext(context, msgid, plural, n) if context
                       else compiled.ngettext(msgid, plural, n))
                assert got == entry["msgstr"][index], msgid
        else:
            got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
            assert got == entry["msgstr"][0], msgid
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        subprocess.run([msgfmt, "--check-format", "--check-header", "-o",
                        str(tmp_path / "django.mo"), str(po)], check=True)


def test_one_english_for_one_msgid_across_the_apps():
    """Django merges every app's catalogue into one: a msgid (with its context)
    translated differently in two apps would show one app's English in the other."""
    seen: dict[tuple[str | None, str], dict[str, tuple[str, ...]]] = {}
    for po in sorted(ONETHING.glob("*/locale/en/LC_MESSAGES/django.po")):
        for entry in read_po(po)[1:]:
            key = (entry.get("msgctxt"), entry["msgid"])
            english = tuple(entry["msgstr"])
            seen.setdefault(key, {})[po.parts[-5]] = english
    differing = {key: apps_ for key, apps_ in seen.items() if len(set(apps_.values())) > 1}
    assert differing == {}


def _source_strings(template: str) -> str:
    """A template without what is translated: translate/blocktranslate and comments."""
    template = re.sub(r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}", " ", template,
                      flags=re.S)
    template = re.sub(r"{%\s*translate\s.*?%}", " ", template)
    template = re.sub(r"{#.*?#}", " ", template)
    return template


@pytest.mark.parametrize("directory", TEMPLATE_DIRS, ids=lambda p: p.parent.name)
def test_templates_carry_no_untranslated_chinese(directory):
    left = {}
    for path in sorted(directory.rglob("*.html")):
        found = CHINESE.findall(_source_strings(path.read_text(encoding="utf-8")))
        if found:
            left[str(path.relative_to(ONETHING))] = "".join(found)
    assert left == {}


@pytest.mark.parametrize("directory", TEMPLATE_DIRS, ids=lambda p: p.parent.name)
def test_template_msgids_are_in_the_catalogue(directory):
    """A {% translate %} added without running makemessages is caught here."""
    known = {entry["msgid"] for po in CATALOGUES for entry in read_po(po)}
    for path in sorted(directory.rglob("*.html")):
        for literal in re.findall(r"""{%\s*translate\s+("[^"]*"|'[^']*')""",
                                  path.read_text(encoding="utf-8")):
            assert literal[1:-1] in known, (path.name, literal)
