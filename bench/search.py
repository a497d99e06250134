"""Search latency: p50/p99 of ``SearchIndex.search`` on one core.

    python bench/search.py [--matters 10000] [--rounds 5] [--cpu N]

Two catalogues, each measured in the same run with the same query mix: the
shipped one (read from catalog/, ~100 matters) and a generated one with N
matters (default 10,000) whose names combine real department names, actions
and objects (城市道路挖掘许可, 社会保险参保证明查询打印 …), grouped into bundles
of 25 with colloquial synonyms, plus the shipped catalogue itself. No
database: the index is built from specs in memory. The query mix is the
evaluation set (colloquial, pinyin, initials, traditional, with spaces), a
share of matter names and their prefixes from the generated catalogue, and
nonsense. Prints one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import os
import platform
import random
import statistics
import time

REPO = Path(__file__).resolve().parents[1]

DEPARTMENTS = ["市场监管", "公安", "人力资源社会保障", "医疗保障", "住房公积金", "税务",
               "交通运输", "住房城乡建设", "自然资源", "生态环境", "卫生健康", "教育", "民政",
               "文化旅游", "应急管理", "城市管理", "农业农村", "水利", "林业", "商务", "残联",
               "消防救援", "烟草专卖", "供电", "供水", "燃气", "通信管理", "海关",
               "退役军人事务", "统计"]
OBJECTS = ["营业执照", "食品经营许可", "道路运输证", "户口", "居民身份证", "社会保险",
           "养老保险", "医疗保险", "公积金", "不动产", "建设工程规划", "施工许可", "排污许可",
           "卫生许可", "执业证书", "从业资格", "危险化学品经营", "户外广告", "占道经营",
           "林木采伐", "取水许可", "渔业捕捞", "出版物经营", "演出场所", "娱乐场所", "网吧",
           "旅行社", "民办学校", "医疗机构", "药品经营", "餐饮服务", "特种设备", "燃气经营",
           "供热", "宽带", "电表", "水表", "车辆", "驾驶证", "船舶", "农药经营", "种子生产",
           "动物防疫", "档案", "婚姻登记", "收养登记", "殡葬", "低保", "临时救助", "残疾人证",
           "退役军人优待证", "老年人优待证", "居住证", "学籍"]
ACTIONS = ["核发", "新办", "变更", "注销", "延续", "补领", "换领", "备案", "查询", "审批",
           "登记", "年检", "撤销", "迁移", "信息修改", "证明开具", "申领", "挂失", "恢复",
           "告知承诺办理"]
SUFFIXES = ["", "", "", "（个人）", "（企业）", "（跨省通办）", "（告知承诺）", "（即办）"]
COLLOQUIAL = ["办", "开", "换", "补", "查", "改", "申请", "领", "注销", "迁"]


def generated_catalog(matters: int, seed: int = 7):
    from onething.domain import catalog as spec

    rng = random.Random(seed)
    shipped = spec.read_catalog(REPO / "catalog").catalog
    catalog = spec.Catalog(matters=dict(shipped.matters), bundles=dict(shipped.bundles),
                           scenarios=dict(shipped.scenarios))
    limit = spec.TimeLimit("working_days", 5)
    codes: list[str] = []
    for i in range(matters):
        department, obj, action = rng.choice(DEPARTMENTS), rng.choice(OBJECTS), rng.choice(ACTIONS)
        name = f"{obj}{action}{rng.choice(SUFFIXES)}"
        if rng.random() < 0.3:
            name = f"{department}{name}"
        code = f"gen-{i:05d}"
        catalog.matters[code] = spec.Matter(code, name, "licence", "gen", limit, limit)
        codes.append(code)
    for b in range(0, matters, 25):
        members = codes[b:b + 25]
        obj = rng.choice(OBJECTS)
        slug = f"gen-bundle-{b // 25:04d}"
        synonyms = tuple({f"{rng.choice(COLLOQUIAL)}{obj}" for _ in range(6)})
        catalog.bundles[slug] = spec.Bundle(
            slug, f"{rng.choice(DEPARTMENTS)}{obj}一件事", "enterprise", "",
            tuple(spec.BundleMember(c) for c in members), synonyms=synonyms)
    return catalog


def query_mix(catalog, rng: random.Random) -> list[str]:
    from tests.search.test_evaluation import EVALUATION

    queries = [q for q, _ in EVALUATION]
    names = [m.name for m in catalog.matters.values()]
    for name in rng.sample(names, min(40, len(names))):
        queries.append(name)  # a whole name
        queries.append(name[: max(2, len(name) // 2)])  # its first half, as if still typing
    queries += ["asdfgh", "天气预报", "我想问一下", "x", "营业", "许可", "登记", "证明",
                "yingyezhizhao", "yyzz", "shebao", "gongjijin", "办理 营业执照 变更"]
    return queries


def measure(index, queries: list[str], rounds: int) -> dict[str, float]:
    for query in queries:  # warm caches (OpenCC, pinyin)
        index.search(query, 10)
    times: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            index.search(query, 10)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
        "max_ms": round(times[-1], 3),
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matters", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core (default: last)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})

    from onething.domain.catalog import read_catalog
    from onething.domain.search import SearchIndex, _base_tokenizer

    rng = random.Random(11)
    start = time.perf_counter()
    _base_tokenizer()
    jieba_load = time.perf_counter() - start

    shipped = read_catalog(REPO / "catalog").catalog
    start = time.perf_counter()
    shipped_index = SearchIndex.from_catalog(shipped)
    shipped_build = time.perf_counter() - start

    big = generated_catalog(args.matters)
    start = time.perf_counter()
    big_index = SearchIndex.from_catalog(big)
    big_build = time.perf_counter() - start

    result = {
        "benchmark": "search",
        "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(),
                    "python": platform.python_version(), "pinned_cores": 1},
        "jieba_dictionary_load_s": round(jieba_load, 2),
        "shipped": {"matters": len(shipped.matters), "bundles": len(shipped.bundles),
                    "scenarios": len(shipped.scenarios), "build_s": round(shipped_build, 2),
                    **measure(shipped_index, query_mix(shipped, rng), args.rounds)},
        "generated": {"matters": len(big.matters), "bundles": len(big.bundles),
                      "fields": len(big_index.fields), "build_s": round(big_build, 2),
                      **measure(big_index, query_mix(big, rng), args.rounds)},
        "goal": {"p99_ms_at_10000_matters": 10},
    }
    result["goal_met"] = result["generated"]["p99_ms"] < 10
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
