"""``onething hall erlang|demo-history|plan`` (no database involved)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("hall", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_erlang_json_is_exact_for_the_worked_example():
    out, _ = run("erlang", "--arrivals-per-hour", "720", "--aht-seconds", "240",
                 "--agents", "55", "--target-seconds", "15", "--json")
    assert json.loads(out) == {
        "model": "erlang_c",
        "arrivals_per_hour": 720.0,
        "aht_seconds": 240.0,
        "agents": 55,
        "target_seconds": 15.0,
        "offered_load": 48.0,
        "wait_probability": 0.238701,
        "service_level": 0.845883,
        "asa_seconds": 8.184032,
        "occupancy": 0.872727,
    }
    assert out.startswith('{\n  "model": "erlang_c",\n')


def test_erlang_with_a_target_level_prints_the_windows_needed():
    out, _ = run("erlang", "--arrivals-per-hour", "200", "--aht-seconds", "180",
                 "--target-level", "0.8", "--target-seconds", "20", "--shrinkage", "0.3",
                 "--max-occupancy", "0.85", "--json")
    data = json.loads(out)
    assert (data["agents"], data["scheduled"], data["binding"]) == (14, 20, "service_level")
    assert (data["service_level"], data["wait_probability"], data["occupancy"]) == (
        0.88835, 0.174132, 0.714286)


def test_erlang_text_output_names_each_figure():
    # 10 Erlangs on 11 windows; the figures computed exactly with fractions (C = 0.682118…).
    out, _ = run("erlang", "--arrivals-per-hour", "60", "--aht-seconds", "600",
                 "--agents", "11")
    assert out.splitlines()[-4:] == [
        "wait_probability: 0.682118  # 需要等候的概率",
        "service_level: 0.847799  # 目标时长内叫号的比例",
        "asa_seconds: 409.270923  # 平均等候秒数",
        "occupancy: 0.909091  # 窗口占用率",
    ]


def test_erlang_a_with_patience():
    out, _ = run("erlang", "--arrivals-per-hour", "200", "--aht-seconds", "180",
                 "--agents", "13", "--target-seconds", "20", "--patience-seconds", "300",
                 "--json")
    data = json.loads(out)
    assert data["model"] == "erlang_a"
    assert data["abandonment"] == pytest.approx(0.025, abs=5e-4)


def test_erlang_refuses_an_infeasible_staffing_and_needs_agents_or_a_target():
    with pytest.raises(CommandError, match="排队会无限增长"):
        run("erlang", "--arrivals-per-hour", "60", "--aht-seconds", "600", "--agents", "10")
    with pytest.raises(CommandError):
        run("erlang", "--arrivals-per-hour", "60", "--aht-seconds", "600")


def test_demo_history_then_plan(tmp_path: Path):
    history = tmp_path / "history.csv"
    _, err = run("demo-history", "--weeks", "3", "--seed", "4", "--end", "2025-07-14",
                 "--out", str(history))
    assert "已写入" in err and str(history) in err
    lines = history.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "hall,category,number,taken_at,called_at,left_at,served_seconds,outcome"
    assert len(lines) > 3000
    out, _ = run("plan", "--history", str(history), "--date", "2025-07-15", "--json",
                 "--replications", "3")
    data = json.loads(out)
    assert data["date"] == "2025-07-15" and data["weekday"] == "周二"
    assert data["policy"]["target_seconds"] == 900 and data["policy"]["replications"] == 3
    assert {row["category"] for row in data["hours"]} >= {"social_insurance", "enrolment"}
    assert any(reason.startswith("入学 周二") for reason in data["reasons"])
    text, _ = run("plan", "--history", str(history), "--date", "2025-07-15",
                  "--replications", "3")
    assert text.splitlines()[0] == "county-centre 2025-07-15（周二）窗口计划"


def test_demo_history_to_standard_output_is_seeded():
    first, _ = run("demo-history", "--weeks", "1", "--seed", "9", "--end", "2025-06-16")
    again, _ = run("demo-history", "--weeks", "1", "--seed", "9", "--end", "2025-06-16")
    assert first == again and first.count("\n") > 500


def test_plan_reports_bad_lines_and_bad_dates(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("hall,category,number,taken_at,called_at,left_at,served_seconds,outcome\n"
                   "h,x,A001,yesterday,,,,served\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("hall", "plan", "--history", str(bad), "--date", "2025-07-15",
                     stdout=out, stderr=err)
    assert err.getvalue().startswith(f"{bad}:2: taken_at 应为 ISO 8601 时间")
    with pytest.raises(CommandError, match="--date 应为 YYYY-MM-DD"):
        run("plan", "--history", str(bad), "--date", "15/07/2025")
    with pytest.raises(CommandError, match="无法读取"):
        run("plan", "--history", str(tmp_path / "missing.csv"), "--date", "2025-07-15")
