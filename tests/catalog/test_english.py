"""The catalogue's English in the database and the one accessor that shows it."""

from io import StringIO

from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from onething.catalog import models
from onething.catalog.translation import localized, localized_choice
from onething.domain.catalog import missing_english, read_catalog
from tests.conftest import CATALOG_DIR, REPO

MINIMAL = REPO / "tests" / "fixtures" / "minimal"


def test_the_english_is_loaded_beside_the_chinese(loaded_catalog):
    bundle = models.Bundle.objects.get(slug="restaurant")
    assert bundle.en["name"] == "Opening a restaurant"
    question = bundle.questions.get(key="has_business_licence")
    assert question.en == {"text": "Do you already have a business licence?"}
    assert question.options.get(key="no").en == {"label": "Not yet, apply for it too"}
    note = models.MatterMaterial.objects.get(
        matter__code="business-registration", material__key="articles-of-association"
    )
    assert note.en == {"note": "When setting up a company"}
    entity = models.FieldDefinition.objects.get(key="entity_type")
    assert entity.en["choices"]["个体工商户"] == "Individual business"


def test_english_mode_shows_the_english_and_falls_back_to_the_chinese(loaded_catalog):
    bundle = models.Bundle.objects.get(slug="restaurant")
    matter = models.Matter.objects.get(code="food-business-licence")
    entity = models.FieldDefinition.objects.get(key="entity_type")
    with translation.override("en"):
        assert localized("开办餐饮店") == "Opening a restaurant"
        assert bundle.localized("name") == "Opening a restaurant"
        assert localized(matter, "name") == "Food business licence (new)"
        assert localized(matter.department, "short_name") == "Market Regulation"
        # No English given for the matter's description: the Chinese.
        matter.en = {"name": "Food business licence (new)"}
        matter.save()  # as an admin removing it would: the dictionary is rebuilt
        single = models.Bundle.objects.get(single_matter=matter)  # 单独申请 repeats the texts
        single.en = {"name": "Food business licence (new)"}
        single.save()
        assert localized(matter, "description") == matter.description
        assert localized(matter.description) == matter.description
        assert localized("张小明") == "张小明"  # not catalogue text: as it is
        assert localized_choice(entity, "个体工商户") == "Individual business"
        page = Template(
            '{% load catalog_text %}{{ b.name|localized }}|{{ b|localized:"name" }}'
            '|{{ "是否同时销售卷烟？"|localized }}'
        ).render(Context({"b": bundle}))
        assert page == "Opening a restaurant|Opening a restaurant|Will you also sell cigarettes?"
    with translation.override("zh-hans"):
        assert localized("开办餐饮店") == "开办餐饮店"
        assert bundle.localized("name") == "开办餐饮店"
        assert localized_choice(entity, "个体工商户") == "个体工商户"


def test_an_edit_in_the_admin_shows_at_once(loaded_catalog):
    bundle = models.Bundle.objects.get(slug="restaurant")
    with translation.override("en"):
        assert localized("开办餐饮店") == "Opening a restaurant"
        bundle.en = {**bundle.en, "name": "Open a restaurant"}
        bundle.save()  # post_save marks the catalogue changed: a new dictionary
        assert localized("开办餐饮店") == "Open a restaurant"


def test_catalog_check_warns_about_missing_english_and_counts_it(tmp_path):
    import shutil

    catalogue = tmp_path / "catalog"
    shutil.copytree(MINIMAL, catalogue)  # a catalogue without any English
    out, err = StringIO(), StringIO()
    call_command("catalog", "check", str(catalogue), stdout=out, stderr=err)
    assert "catalogue OK" in out.getvalue()  # warnings, not problems
    missing = missing_english(read_catalog(catalogue).catalog)
    assert len(missing) == 19
    warnings = [line for line in err.getvalue().splitlines() if line.startswith("warning: ")]
    assert warnings == [f"warning: {m}" for m in missing]
    assert warnings[0] == "warning: catalog/catalog.yaml:3: no English for region '370000' name"
    assert err.getvalue().splitlines()[-1] == (
        "提示：19 处目录文字没有英文，英文界面显示中文 (warning: 19 "
        "catalogue text(s) without English; the English interface shows the Chinese)"
    )


def test_the_shipped_catalogue_has_english_for_every_text():
    out, err = StringIO(), StringIO()
    call_command("catalog", "check", stdout=out, stderr=err)
    assert "catalogue OK" in out.getvalue()
    assert err.getvalue() == ""
    assert missing_english(read_catalog(CATALOG_DIR).catalog) == []
