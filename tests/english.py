"""Helpers for the English-interface tests (tests/*/test_english.py).

The interface's source language is Chinese: each app's msgids are its Chinese
strings and ``locale/en/LC_MESSAGES/django.po`` holds the English. A page in
English may still show Chinese *data* — names from the catalogue, people's
names, form answers — but no Chinese chrome.
"""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.utils.html import escape

ONETHING = Path(__file__).resolve().parent.parent / "onething"
# CJK ideographs, CJK and full-width punctuation (，。：（）); English keeps “” and ’
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def english(client) -> None:
    """What the language switch does: the English cookie (core.preferences)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def catalogue_data(*applications) -> set[str]:
    """Chinese that is data, not interface: the catalogue, people, what was filed."""
    from onething.accounts.models import User
    from onething.catalog.models import (
        Bundle,
        CertificateType,
        Department,
        FieldDefinition,
        Material,
        Matter,
        Option,
        Question,
    )

    data: set[str] = set()
    for model, fields in ((Department, ("name", "short_name")), (Matter, ("name",)),
                          (Bundle, ("name",)), (Material, ("name", "description")),
                          (FieldDefinition, ("label", "help")), (Question, ("text", "help")),
                          (Option, ("label",)), (CertificateType, ("name",))):
        for row in model.objects.values_list(*fields):
            data.update(row)
    for choices in FieldDefinition.objects.values_list("choices", flat=True):
        data.update(str(choice) for choice in choices)
    # 告知承诺: the commitment text is catalogue data, shown paragraph by paragraph.
    for commitment in Matter.objects.exclude(commitment={}).values_list("commitment", flat=True):
        data.update(line.strip() for line in commitment.get("text", "").splitlines())
        data.add(commitment.get("version", ""))
    data.update(user.display_name for user in User.objects.all())
    # The legal basis recorded with a period that does not count is a citation (data).
    from onething.applications.models import CaseSuspension

    data.update(CaseSuspension.objects.values_list("legal_basis", flat=True))
    for application in applications:
        data.update(str(v) for v in application.form_data.values())
        for part in ("fields", "materials", "matters"):
            for item in application.plan.get(part, []):
                data.update(str(v) for v in item.values() if isinstance(v, str))
    return {d for d in data if d and CHINESE.search(d)}


def chinese_left(html: str, data: Iterable[str] = (), *, whole_body: bool = False) -> list[str]:
    """Chinese in the page's own text once ``data`` is taken out: the title and
    ``<main>`` (or the whole ``<body>``); a ``lang="zh-Hans"`` element (the switch
    back to 简体中文) is Chinese on purpose."""
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    part = (re.search(r"<body.*?</body>", html, re.S) if whole_body
            else re.search(r"<main.*?</main>", html, re.S))
    assert title and part, "a page with a <title> and a <main>"
    text = title.group(1) + part.group(0)
    text = re.sub(r'<(\w+)[^>]*\blang="zh-Hans"[^>]*>.*?</\1>', "", text, flags=re.S)
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(escape(item), "").replace(item, "")
    return [text[max(0, m.start() - 60):m.end() + 60].replace("\n", " ")
            for m in CHINESE.finditer(text)]


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr[…], flags."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry: dict = {"flags": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            elif not line.startswith("#"):
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        entry["msgstr"] = [v for k, v in sorted(entry.items()) if k.startswith("msgstr")]
        assert entry["msgstr"], block
        entries.append(entry)
    return entries


def check_catalogue(app: str) -> int:
    """Every entry of ``app``'s English .po is translated and not fuzzy, and the
    compiled .mo beside it loads with the same entries. Returns their number."""
    folder = ONETHING / app / "locale" / "en" / "LC_MESSAGES"
    entries = read_po(folder / "django.po")
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    for e in messages:  # a translation keeps the placeholders it was given
        placeholders = sorted(re.findall(r"%\(\w+\)[sd]", e["msgid"]))
        assert all(sorted(re.findall(r"%\(\w+\)[sd]", s)) == placeholders
                   for s in e["msgstr"]), e["msgid"]
    with (folder / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    keys = {key if isinstance(key, str) else key[0] for key in catalog} - {""}
    expected = {(e["msgctxt"] + "\x04" if "msgctxt" in e else "") + e["msgid"] for e in messages}
    assert keys == expected, "compile the .po again (django-admin compilemessages)"
    return len(messages)


# -- one language per page (tests/core/test_language_crawl.py) -----------------------------

#: Catalogue texts that may stay Chinese on an English page when no English is given:
#: long texts, each counted by the crawl (docs/catalog.md "English").
UNTRANSLATED_ALLOWED = {"matter.description", "material.description", "bundle.description",
                        "scenario.description", "question.help", "field.help",
                        "certificate type.issuer_note", "material requirement.note"}


def untranslated_catalogue() -> dict[str, str]:
    """Chinese catalogue texts without English → what they are ("matter.description")."""
    from onething.catalog import models
    from onething.domain.catalog import TRANSLATABLE

    kinds = {models.Region: "region", models.Department: "department",
             models.CertificateType: "certificate type", models.Material: "material",
             models.FieldDefinition: "field", models.Matter: "matter",
             models.MatterMaterial: "material requirement", models.Bundle: "bundle",
             models.Question: "question", models.Option: "option", models.Scenario: "scenario"}
    found: dict[str, str] = {}
    for model, kind in kinds.items():
        for row in model.objects.all():
            for attr in TRANSLATABLE[kind]:
                value = getattr(row, attr)
                if attr == "choices":
                    english = row.en.get("choices", {})
                    found.update({c: f"{kind}.choices" for c in value
                                  if c not in english and CHINESE.search(c)})
                elif value and attr not in row.en and CHINESE.search(value):
                    found[value.strip()] = f"{kind}.{attr}"
    # Maintainers' notes (maintainer_note) are never on a page: not counted.
    return found


def english_page_data() -> set[str]:
    """Chinese that an English page shows as data: people's and companies' names, what
    applicants filed, what certificates certify, halls (names, addresses, categories),
    citations (legal bases), signed commitment texts, a register's own words."""
    from onething.accounts.models import User
    from onething.applications.models import Application, CaseSuspension
    from onething.audit.models import AuditEntry
    from onething.catalog.models import Matter
    from onething.certificates.models import Certificate
    from onething.domain.tickets import mask_name
    from onething.notifications.models import Notification

    data: set[str] = {"现行盲文"}  # the name of the Chinese Braille system, given in English
    for user in User.objects.all():
        data.add(user.display_name)
        data.add(re.sub(r"(?<=^.).(?=.)", "*", user.display_name))  # 张小明 → 张*明 (verify)
        data.add(mask_name(user.display_name))  # 张小明 → 张** (tickets, appointments)
    # Records kept as written: the audit trail's details, the messages as sent.
    for details in AuditEntry.objects.values_list("details", flat=True):
        data.update(str(v) for v in (details or {}).values() if isinstance(v, str))
    data.update(Notification.objects.values_list("message", flat=True))
    # In-site messages are rendered when read; what is stored as written stays so.
    for parts in Notification.objects.values_list("parts", flat=True):
        for _key, params in parts or []:
            data.update(str(params[k]) for k in ("text", "reason") if k in (params or {}))
    for form in Application.objects.values_list("form_data", flat=True):
        data.update(str(v) for v in (form or {}).values())
    for certified in Certificate.objects.values_list("data", flat=True):
        stack = [certified]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
            elif value is not None:
                data.add(str(value))
    data.update(CaseSuspension.objects.values_list("legal_basis", flat=True))
    data.update(Matter.objects.values_list("legal_basis", flat=True))
    for commitment in Matter.objects.exclude(commitment={}).values_list("commitment", flat=True):
        data.update(line.strip() for line in commitment.get("text", "").splitlines())
        data.add(commitment.get("version", ""))
    from django.apps import apps

    for model in apps.get_app_config("hall").get_models():  # halls, categories, windows
        for field in model._meta.get_fields():
            if getattr(field, "get_internal_type", lambda: "")() in ("CharField", "TextField"):
                data.update(str(v) for v in model.objects.values_list(field.name, flat=True))
    return {d.strip() for d in data if d and CHINESE.search(d)}
