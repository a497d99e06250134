"""The console commands: catalog check/load, plan, setup."""

import json
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import CATALOG_DIR, REPO

MINIMAL = REPO / "tests" / "fixtures" / "minimal"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_catalog_check_passes_on_the_shipped_catalogue():
    assert "catalogue OK" in run("catalog", "check")


def test_catalog_check_prints_every_problem_and_exits_non_zero(tmp_path: Path):
    broken = tmp_path / "catalog"
    shutil.copytree(MINIMAL, broken)
    path = broken / "catalog.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    .replace("department: fire\n", "department: police\n")
                    .replace("statutory_limit: 3\n", "statutory_limit: 0\n")
                    .replace("promised_limit: 1\n", "promised_limit: -1\n"),
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "onething", "catalog", "check", str(broken)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.startswith("catalog/catalog.yaml:")]
    assert len(lines) >= 2
    assert any("unknown department 'police'" in line for line in lines)


@pytest.mark.django_db
def test_plan_json_for_restaurant(loaded_catalog):
    data = json.loads(run("plan", "restaurant", "--json", "--start", "2025-09-30"))
    codes = [m["code"] for m in data["matters"]]
    assert codes.index("business-registration") < codes.index("food-business-licence")
    assert any(c.startswith("fire-safety-check") for c in codes)
    food = next(m for m in data["matters"] if m["code"] == "food-business-licence")
    assert food["depends_on"] == ["business-registration"]
    required = {"code", "name", "department", "promised_days", "depends_on", "start", "due"}
    assert required <= set(food)
    assert data["material_count_merged"] < data["material_count_separate"]
    assert len(data["materials"]) == data["material_count_merged"]
    assert all({"name", "needed_by"} <= set(m) for m in data["materials"])
    assert data["parallel_days"] < data["serial_days"]
    assert data["due"] >= food["due"]
    assert data["fields"]


@pytest.mark.django_db
def test_plan_text_and_answers(loaded_catalog):
    text = run("plan", "restaurant", "--answer", "has_business_licence=yes")
    assert "开办餐饮店" in text
    assert "经营主体设立登记" not in text
    assert "营业执照（用于" in text


@pytest.mark.django_db
def test_plan_prints_the_reform_outcome_and_the_baseline(loaded_catalog):
    text = run("plan", "restaurant")
    assert "电子证照复用后材料 12 份（分别办理 18 份，合并去重 14 份）" in text
    assert "改革前：材料35份、48个工作日（四川省，2024，尚未经官方确认）" in text
    data = json.loads(run("plan", "restaurant", "--json"))
    assert data["outcome"]["materials"]["after_reuse"] == 12
    assert data["outcome"]["working_days"] == {"serial": 14, "parallel": 6}
    assert data["outcome"]["baseline"]["published_by"] == "四川省"
    assert "改革前" not in run("plan", "newborn")


@pytest.mark.django_db
@pytest.mark.parametrize("args", [
    ("plan", "no-such-bundle"),
    ("plan", "restaurant", "--answer", "menu=pizza"),
    ("plan", "restaurant", "--answer", "menu"),
    ("plan", "restaurant", "--start", "2025-13-01"),
])
def test_plan_rejects_bad_input_clearly(loaded_catalog, args):
    with pytest.raises(CommandError) as info:
        run(*args)
    assert str(info.value).strip()


@pytest.mark.django_db
def test_plan_before_setup_says_what_to_do():
    from onething.catalog.models import Bundle, Scenario

    Scenario.objects.all().delete()
    Bundle.objects.all().delete()
    with pytest.raises(CommandError, match="onething setup"):
        run("plan", "restaurant")


def test_setup_then_plan_from_a_fresh_data_directory(tmp_path: Path):
    env = {"ONETHING_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}
    setup = subprocess.run([sys.executable, "-m", "onething", "setup"], capture_output=True,
                           text=True, cwd=REPO, env=env, timeout=300)
    assert setup.returncode == 0, setup.stderr
    assert (tmp_path / "var" / "onething.sqlite3").exists()
    again = subprocess.run([sys.executable, "-m", "onething", "catalog", "load"],
                           capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert "0 change(s)" in again.stdout
    plan = subprocess.run([sys.executable, "-m", "onething", "plan", "restaurant", "--json"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["bundle"] == "restaurant"
    assert str(CATALOG_DIR)  # the default catalogue directory was used


@pytest.mark.django_db
def test_plan_across_the_year_end_is_provisional_where_2027_is_involved(loaded_catalog):
    data = json.loads(run("plan", "restaurant", "--json", "--start", "2026-12-28"))
    dates = {m["code"]: (m["start"], m["start_provisional"], m["due"], m["due_provisional"])
             for m in data["matters"]}
    assert dates == {
        "business-registration": ("2026-12-28", False, "2026-12-29", False),
        "food-worker-health-certificate": ("2026-12-28", False, "2027-01-05", True),
        "food-business-licence": ("2026-12-29", False, "2027-01-06", True),
        "fire-safety-check-commitment": ("2026-12-29", False, "2026-12-29", False),
        "outdoor-signboard": ("2026-12-29", False, "2027-01-04", True),
    }
    assert (data["start"], data["due"], data["provisional"]) == ("2026-12-28", "2027-01-06",
                                                                 True)


@pytest.mark.django_db
def test_plan_text_marks_each_provisional_date(loaded_catalog):
    text = run("plan", "restaurant", "--start", "2026-12-28")
    lines = text.splitlines()
    signboard = next(line for line in lines if "[outdoor-signboard]" in line)
    assert signboard.endswith("2026-12-29 起，2027-01-04（暂定） 前办结")
    registration = next(line for line in lines if "[business-registration]" in line)
    assert registration.endswith("2026-12-28 起，2026-12-29 前办结 *")
    assert "自 2026-12-28 起，预计 2027-01-06（暂定） 前全部办结" in lines
    assert any(line.startswith("暂定 (provisional)：") for line in lines)
    inside = run("plan", "restaurant", "--start", "2026-12-01")
    assert "暂定" not in inside


@pytest.mark.django_db
def test_plan_strict_refuses_the_unpublished_year(loaded_catalog):
    with pytest.raises(CommandError, match="2027年的节假日安排尚未录入"):
        run("plan", "restaurant", "--start", "2026-12-28", "--strict")
