"""Loading the YAML catalogue into the database: complete, idempotent, precise."""

import shutil
from pathlib import Path

import pytest

from onething.catalog import models, selectors
from onething.catalog.services import CatalogInvalid, load_catalog
from onething.domain.planner import make_plan
from tests.conftest import CATALOG_DIR

pytestmark = pytest.mark.django_db


def empty_catalogue() -> None:
    for model in (models.Scenario, models.Bundle, models.Matter, models.FieldDefinition,
                  models.Material, models.CertificateType):
        model.objects.all().delete()


def test_load_creates_everything_the_files_define(shipped):
    empty_catalogue()
    report = load_catalog(CATALOG_DIR)
    catalog = shipped.catalog
    assert models.Bundle.objects.filter(single_matter=None).count() == len(catalog.bundles) == 19
    assert models.Matter.objects.count() == len(catalog.matters) == 97
    # 单独申请: one implicit bundle per matter with its own materials or fields (all 97).
    singles = models.Bundle.objects.exclude(single_matter=None)
    assert singles.count() == report.counts["single_matter_bundles"]["created"] == 97
    single = singles.get(single_matter__code="residence-permit-application")
    assert (single.slug, single.name, single.category) == (
        "matter-residence-permit-application", "居住证办理", "personal")
    assert single.lead_department.code == "dc-police"
    assert list(single.members.values_list("matter__code", "optional")) == [
        ("residence-permit-application", False)]
    assert models.Department.objects.count() == len(catalog.departments)
    assert models.Scenario.objects.count() == len(catalog.scenarios)
    assert report.counts["bundles"]["created"] == len(catalog.bundles)


def test_loading_twice_changes_nothing(loaded_catalog):
    load_catalog(CATALOG_DIR)
    before = {m.code: m.updated_at for m in models.Matter.objects.all()}
    report = load_catalog(CATALOG_DIR)
    assert report.changed == 0
    assert {m.code: m.updated_at for m in models.Matter.objects.all()} == before


def test_editing_one_file_updates_exactly_that_entry(tmp_path: Path):
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, copy)
    load_catalog(copy)
    path = copy / "matters" / "market-regulation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    promised_limit: 5\n", "    promised_limit: 4\n", 1),
                    encoding="utf-8")
    report = load_catalog(copy)
    assert report.changed == 1
    assert report.counts["matters"]["updated"] == 1
    assert models.Matter.objects.get(code="food-business-licence").promised_days == 4
    # Child rows survive the update.
    assert models.Matter.objects.get(code="food-business-licence").material_requirements.count()


def test_an_entry_removed_from_the_files_is_removed(tmp_path: Path):
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, copy)
    load_catalog(copy)
    extra = copy / "extra.yaml"
    extra.write_text("certificate_types:\n  - {key: temp-permit, name: 临时许可, holder: person,"
                     " validity: long-term}\n", encoding="utf-8")
    assert load_catalog(copy).counts["certificate_types"]["created"] == 1
    extra.unlink()
    report = load_catalog(copy)
    assert report.counts["certificate_types"]["deleted"] == 1
    assert not models.CertificateType.objects.filter(key="temp-permit").exists()


def test_a_broken_catalogue_loads_nothing(tmp_path: Path):
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, copy)
    (copy / "broken.yaml").write_text("matters:\n  - code: x\n", encoding="utf-8")
    empty_catalogue()
    with pytest.raises(CatalogInvalid) as info:
        load_catalog(copy)
    assert any("broken.yaml:2" in str(p) for p in info.value.problems)
    assert not models.Bundle.objects.exists()


def test_database_catalogue_plans_like_the_files(loaded_catalog, shipped):
    for slug in shipped.catalog.bundles:
        from_files = make_plan(shipped.catalog, slug)
        from_db = selectors.plan_bundle(slug)
        assert from_db == from_files, slug


def test_admin_edit_takes_effect_in_the_plan(loaded_catalog):
    matter = models.Matter.objects.get(code="food-business-licence")
    matter.promised_days = 2
    matter.save()
    plan = selectors.plan_bundle("restaurant")
    assert plan.matter("food-business-licence").promised_days == 2


def test_calendar_years_from_the_catalogue_and_admin_reach_the_calendar(tmp_path: Path):
    import datetime as dt

    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, copy)
    (copy / "calendar-2031.yaml").write_text(
        "calendar:\n  - year: 2031\n    source: 测试通知\n    holidays: [2031-03-04]\n",
        encoding="utf-8")
    load_catalog(copy)
    calendar = selectors.working_day_calendar()
    assert calendar.knows(dt.date(2031, 3, 4))
    assert not calendar.is_working_day(dt.date(2031, 3, 4))
    models.CalendarDay.objects.create(date=dt.date(2031, 3, 5), is_working_day=False)
    assert not selectors.working_day_calendar().is_working_day(dt.date(2031, 3, 5))
