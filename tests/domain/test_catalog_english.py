"""English beside the Chinese in the catalogue (``en:``), missing English as warnings,
and Chinese lines folded by YAML without a stray space."""

import shutil
from pathlib import Path

from onething.domain.catalog import missing_english, read_catalog
from onething.domain.yamlsource import load_yaml

MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "minimal"


def edited(tmp_path: Path, *replacements: tuple[str, str]):
    target = tmp_path / "catalog"
    shutil.copytree(MINIMAL, target)
    path = target / "catalog.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return read_catalog(target)


def test_english_is_read_beside_the_chinese(tmp_path):
    result = edited(
        tmp_path,
        (
            "  - {key: shop_name, label: 店名}",
            "  - {key: shop_name, label: 店名, en: {label: Shop name}}\n"
            "  - {key: kind, label: 类型, type: choice, choices: [个人, 企业],\n"
            "     en: {label: Kind, choices: {个人: Person, 企业: Company}}}",
        ),
        (
            "    name: 开店\n",
            "    name: 开店\n    en: {name: Opening a shop, description: Open a shop.}\n",
        ),
        (
            '{key: "yes", label: 是, default: true}',
            '{key: "yes", label: 是, default: true, en: {label: "Yes"}}',
        ),
        (
            "        text: 面积是否较大？\n",
            "        text: 面积是否较大？\n        en:\n          text: Is it large?\n",
        ),
        (
            "{material: plan, optional: true}",
            "{material: plan, optional: true, note: 大店提交, en: {note: For a large shop}}",
        ),
    )
    assert [str(p) for p in result.problems] == []
    catalog = result.catalog
    assert catalog.fields["shop_name"].en == {"label": "Shop name"}
    assert catalog.fields["kind"].en == {
        "label": "Kind",
        "choices": {"个人": "Person", "企业": "Company"},
    }
    bundle = catalog.bundles["shop"]
    assert bundle.en == {"name": "Opening a shop", "description": "Open a shop."}
    assert bundle.questions[0].en == {"text": "Is it large?"}
    assert bundle.questions[0].options[0].en == {"label": "Yes"}
    assert catalog.matters["fire-check"].materials[1].en == {"note": "For a large shop"}
    assert catalog.fields["name"].en == {}  # none given: the Chinese is shown


def test_wrong_english_is_a_problem_with_its_line(tmp_path):
    problems = [
        str(p)
        for p in edited(
            tmp_path,
            (
                "  - {key: shop_name, label: 店名}",
                "  - {key: shop_name, label: 店名, en: {lable: Shop name}}\n"
                "  - {key: kind, label: 类型, type: choice, choices: [个人],\n"
                "     en: {choices: {单位: Company}}}",
            ),
            (
                "    name: 开店\n",
                "    name: 开店\n    en: {name: Opening a shop, help: Nothing to help}\n",
            ),
            ('{key: "no", label: 否}', '{key: "no", label: 否, en: No}'),
            ("    name: 设立登记\n", "    name: 设立登记\n    en: {name: [Registration]}\n"),
        ).problems
    ]
    assert problems == [
        "catalog/catalog.yaml:17: field: 'en' has no text 'lable' to translate "
        "(allowed: label, help, choices)",
        "catalog/catalog.yaml:19: field 'kind': 'en.choices' translates '单位', which is not one "
        "of its choices",
        "catalog/catalog.yaml:23: matter: 'en.name' must be text",
        "catalog/catalog.yaml:42: bundle: 'en' has no text 'help' to translate "
        "(allowed: name, description, lifecycle_stage)",
        "catalog/catalog.yaml:51: option: 'en' must be a mapping of key: value",
    ]


def test_missing_english_is_listed_and_counted_as_warnings(tmp_path):
    result = edited(
        tmp_path,
        (
            "  - {key: shop_name, label: 店名}",
            "  - {key: shop_name, label: 店名, en: {label: Shop name}}",
        ),
    )
    assert result.problems == []
    warnings = [str(w) for w in missing_english(result.catalog)]
    assert "catalog/catalog.yaml:16: no English for field 'name' label" in warnings
    assert not any("field 'shop_name'" in w for w in warnings)
    assert "catalog/catalog.yaml:37: no English for bundle 'shop' name" in warnings
    assert (
        "catalog/catalog.yaml:37: no English for bundle 'shop' question 'big' option 'no' label"
        in warnings
    )
    # regions 3, departments 2, certificate type 1, materials 3, fields 1, matters 2,
    # bundle name + description, question, options 2, scenario title
    assert len(warnings) == 3 + 2 + 1 + 3 + 1 + 2 + 2 + 1 + 2 + 1


def test_the_shipped_catalogue_has_english_for_every_text(shipped):
    assert [str(w) for w in missing_english(shipped.catalog)] == []


def test_folded_chinese_lines_join_without_a_space(tmp_path):
    path = tmp_path / "folded.yaml"
    path.write_text(
        "folded: >-\n  开饭馆、蛋糕店，一次申请同时办理营业执照、\n  食品经营许可。\n"
        "plain: 未发生债权债务的，\n  可以简易注销\n"
        "mixed: >-\n  提交 PDF 或\n  JPG 文件。Apply online\n  in English.\n"
        "typed: 德城区 政务服务中心\n"
        "literal: |\n  第一行\n  第二行\n",
        encoding="utf-8",
    )
    data = load_yaml(path)
    assert data["folded"] == "开饭馆、蛋糕店，一次申请同时办理营业执照、食品经营许可。"
    assert data["plain"] == "未发生债权债务的，可以简易注销"
    assert data["mixed"] == "提交 PDF 或 JPG 文件。Apply online in English."  # beside Latin: kept
    assert data["typed"] == "德城区 政务服务中心"  # a space written on one line stays
    assert data["literal"] == "第一行\n第二行\n"


def test_the_shipped_catalogue_has_no_stray_space_between_chinese(shipped):
    import re

    stray = re.compile(
        r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef] [\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]"
    )
    route = shipped.catalog.bundles["deregistration"].question("route")
    assert route is not None and "全体投资人书面承诺的，可以简易注销" in route.help
    texts = [b.description for b in shipped.catalog.bundles.values()]
    texts += [q.help for b in shipped.catalog.bundles.values() for q in b.questions]
    assert [t for t in texts if stray.search(t)] == []
