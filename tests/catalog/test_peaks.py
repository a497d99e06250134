"""Known peaks (已知高峰) in the catalogue: read and checked by `catalog check`, loaded into
the database, and used by every hall's tidal plan with the hall's own peaks as overrides
and additions."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from onething.catalog import models
from onething.catalog.services import CatalogInvalid, load_catalog
from onething.domain.catalog import read_catalog
from onething.hall import tidal_selectors
from onething.hall.models import DemandPeak
from tests.conftest import CATALOG_DIR


def test_the_shipped_peaks():
    peaks = read_catalog(CATALOG_DIR).catalog.peaks
    assert [(p.key, p.name, p.factor, p.months, p.categories, p.departments)
            for p in peaks.values()] == [
        ("school-enrolment", "入学", 3.5, (7, 8), ("教育入学",), ()),
        ("school-enrolment-household", "入学", 1.3, (7, 8), ("户政出入境",), ()),
        ("year-end-social-insurance", "年底社保缴费", 1.6, (12,), ("社保医保",), ()),
    ]
    assert peaks["school-enrolment"].origin.file == "catalog/peaks.yaml"


def problems_of(tmp_path: Path, text: str) -> list[str]:
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, copy)
    (copy / "peaks.yaml").write_text(text, encoding="utf-8")
    return [str(p) for p in read_catalog(copy).problems]


@pytest.mark.parametrize(("entry", "message"), [
    ("{key: x, name: 入学, factor: 0, months: [7]}",
     "catalog/peaks.yaml:2: 高峰系数应大于0且不超过20 (peak factor must be above 0 and at most "
     "20)"),
    ("{key: x, name: 入学, factor: 21, months: [7]}",
     "catalog/peaks.yaml:2: 高峰系数应大于0且不超过20 (peak factor must be above 0 and at most "
     "20)"),
    ("{key: x, name: 入学, factor: 2, months: [13]}",
     "catalog/peaks.yaml:2: 月份应为1至12的列表，如 [7, 8] (months: a list of 1 to 12, "
     "e.g. [7, 8])"),
    ("{key: x, name: 入学, factor: 2, months: 7}",
     "catalog/peaks.yaml:2: 月份应为1至12的列表，如 [7, 8] (months: a list of 1 to 12, "
     "e.g. [7, 8])"),
    ("{key: X Y, name: 入学, factor: 2, months: [7]}",
     "catalog/peaks.yaml:2: 高峰标识“X Y”应为小写英文字母、数字和连字符 (peak key 'X Y': "
     "lower-case letters, digits and hyphens)"),
    ("{key: x, name: 入学, factor: 2, months: [7], departments: [dc-nowhere]}",
     "catalog/peaks.yaml:2: 高峰“x”：没有部门 dc-nowhere (peak 'x': unknown department "
     "'dc-nowhere')"),
    ("{key: x, name: 入学, months: [7]}", "catalog/peaks.yaml:2: peak: missing 'factor'"),
    ("{key: x, name: 入学, factor: 2, months: [7], weeks: [1]}",
     "catalog/peaks.yaml:2: peak: unknown key 'weeks' (allowed: categories, departments, "
     "en, factor, key, months, name)"),
])
def test_catalog_check_refuses_a_bad_peak(tmp_path, entry, message):
    assert problems_of(tmp_path, f"peaks:\n  - {entry}\n") == [message]


def test_a_duplicate_peak_key_is_refused(tmp_path):
    problems = problems_of(tmp_path, "peaks:\n  - {key: x, name: 入学, factor: 2, months: [7]}\n"
                                     "  - {key: x, name: 开学, factor: 3, months: [9]}\n")
    assert problems == ["catalog/peaks.yaml:3: duplicate peak key 'x' (first defined at "
                        "catalog/peaks.yaml:2)"]


@pytest.mark.django_db
def test_loaded_updated_and_removed_with_the_files(tmp_path):
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, copy)
    load_catalog(copy)
    assert models.KnownPeak.objects.count() == 3
    row = models.KnownPeak.objects.get(key="school-enrolment")
    assert (row.name, row.factor, row.months, row.categories, row.departments) == (
        "入学", Decimal("3.50"), [7, 8], ["教育入学"], [])
    path = copy / "peaks.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("factor: 3.5", "factor: 4").replace(
        "  - key: year-end-social-insurance", "  - key: year-end-social-insurance-gone"),
        encoding="utf-8")
    report = load_catalog(copy)
    assert dict(report.counts["peaks"]) == {"updated": 1, "created": 1, "deleted": 1,
                                            "unchanged": 1}
    assert models.KnownPeak.objects.get(key="school-enrolment").factor == Decimal("4.00")
    assert sorted(models.KnownPeak.objects.values_list("key", flat=True)) == [
        "school-enrolment", "school-enrolment-household", "year-end-social-insurance-gone"]
    path.write_text("peaks:\n  - {key: x, name: 入学, factor: 0, months: [7]}\n",
                    encoding="utf-8")
    with pytest.raises(CatalogInvalid):
        load_catalog(copy)
    assert models.KnownPeak.objects.count() == 3


def _peaks(hall):
    return [(p.name, p.factor, p.months, p.date_ranges, p.categories)
            for p in tidal_selectors.peaks_of(hall)]


@pytest.mark.django_db
def test_the_tidal_plan_takes_the_catalogue_peaks_and_the_halls_own(halls, demo):
    county, township = halls.county, halls.township
    # No peaks of their own: the catalogue's, on each hall's categories of those names.
    assert DemandPeak.objects.count() == 0
    assert _peaks(county) == [
        ("入学", 3.5, (7, 8), (), ("G",)),
        ("入学", 1.3, (7, 8), (), ("E",)),
        ("年底社保缴费", 1.6, (12,), (), ("B",)),
    ]
    # The township centre has no 教育入学 or 户政出入境: only its 社保医保 peak.
    assert _peaks(township) == [("年底社保缴费", 1.6, (12,), (), ("B",))]
    # An addition of the county centre's own, and an override of 年底社保缴费 (×2 on B, C).
    extra = DemandPeak.objects.create(hall=county, name="秋季补录", factor=Decimal("2.5"),
                                      months="9")
    extra.categories.set(county.categories.filter(letter="G"))
    own = DemandPeak.objects.create(hall=county, name="年底社保缴费", factor=Decimal("2"),
                                    months="12")
    own.categories.set(county.categories.filter(letter__in="BC"))
    assert _peaks(county) == [
        ("入学", 3.5, (7, 8), (), ("G",)),
        ("入学", 1.3, (7, 8), (), ("E",)),
        ("秋季补录", 2.5, (9,), (), ("G",)),
        ("年底社保缴费", 2.0, (12,), (), ("B", "C")),
    ]
    assert _peaks(township) == [("年底社保缴费", 1.6, (12,), (), ("B",))]  # not its override
    replaced = {p.name: p.replaced for p in tidal_selectors.catalogue_peaks(county)}
    assert replaced == {"入学": False, "年底社保缴费": True}
    # Switched off at the county centre: no 年底社保缴费 there at all.
    own.active = False
    own.save()
    assert [p[0] for p in _peaks(county)] == ["入学", "入学", "秋季补录"]
    # A peak for a department's categories, and one for every category.
    models.KnownPeak.objects.create(key="hrss", name="社保年审", factor=Decimal("1.2"),
                                    months=[3], departments=["dc-hrss"])
    models.KnownPeak.objects.create(key="all", name="春节后", factor=Decimal("1.1"),
                                    months=[2])
    assert [(p[0], p[4]) for p in _peaks(township)] == [
        ("年底社保缴费", ("B",)), ("春节后", ()), ("社保年审", ("B",))]


@pytest.mark.django_db
def test_the_plan_screen_lists_the_catalogue_peaks(halls, demo):
    from django.test import Client

    own = DemandPeak.objects.create(hall=halls.county, name="年底社保缴费",
                                    factor=Decimal("2"), months="12")
    assert own.pk
    client = Client()
    client.force_login(demo.manager)
    html = client.get(f"/workbench/halls/{halls.county.pk}/tidal/?day=2026-12-08"
                      ).content.decode()
    assert "目录中的已知高峰" in html
    assert ("<th scope=\"row\">入学</th>\n    <td>×3.5</td>\n    <td>7,8月</td>\n"
            "    <td>G</td>\n    <td>使用中</td>") in html
    assert ("<th scope=\"row\">年底社保缴费</th>\n    <td>×1.6</td>\n    <td>12月</td>\n"
            "    <td>B</td>\n    <td>以本大厅登记的为准</td>") in html
    client.cookies["django_language"] = "en"
    english = client.get(f"/workbench/halls/{halls.county.pk}/tidal/?day=2026-12-08"
                         ).content.decode()
    assert "<th scope=\"row\">School admission</th>\n    <td>×3.5</td>" in english
    assert "<th scope=\"row\">Year-end social insurance payments</th>" in english
