"""The evaluation set: realistic queries and the bundle each must find in the top 3.

A query counts as found when one of the first three hits is the bundle itself or a
scenario (导办场景) leading to it. The hit rate is printed and must stay ≥ 95%.
"""

from __future__ import annotations

EVALUATION: list[tuple[str, str]] = [
    # newborn — colloquial, pinyin of colloquial, traditional
    ("生孩子", "newborn"),
    ("生小孩", "newborn"),
    ("宝宝出生上户口", "newborn"),
    ("shenghaizi", "newborn"),
    ("shengxiaohai", "newborn"),
    ("新生儿", "newborn"),
    ("出生证明", "newborn"),
    ("寶寶出生", "newborn"),
    ("给宝宝报户口", "newborn"),
    # restaurant
    ("开蛋糕店", "restaurant"),
    ("我想开个蛋糕店怎么办", "restaurant"),
    ("開餐廳", "restaurant"),
    ("开饭馆", "restaurant"),
    ("开奶茶店", "restaurant"),
    ("餐饮", "restaurant"),
    ("kaifandian", "restaurant"),
    ("食品经营许可", "restaurant"),
    # utilities
    ("水电", "utilities-connection"),
    ("shuidian", "utilities-connection"),
    ("shui dian", "utilities-connection"),
    ("sdqw", "utilities-connection"),
    ("通水通电", "utilities-connection"),
    ("水 电 报装", "utilities-connection"),
    ("装宽带", "utilities-connection"),
    ("用电报装", "utilities-connection"),
    # retirement
    ("办退休", "retirement"),
    ("退休", "retirement"),
    ("tuixiu", "retirement"),
    ("领养老金", "retirement"),
    # after-death
    ("老人去世", "after-death"),
    ("丧葬", "after-death"),
    ("家里老人过世了", "after-death"),
    ("丧葬费", "after-death"),
    # disability
    ("残疾证", "disability-services"),
    ("残疾人补贴", "disability-services"),
    ("cjz", "disability-services"),
    # enterprise opening / change / closing
    ("开公司", "enterprise-opening"),
    ("注册公司", "enterprise-opening"),
    ("办营业执照", "enterprise-opening"),
    ("註冊公司", "enterprise-opening"),
    ("kaigongsi", "enterprise-opening"),
    ("注销公司", "deregistration"),
    ("公司注销", "deregistration"),
    ("关公司", "deregistration"),
    ("改名字 公司", "enterprise-change"),
    ("公司改名", "enterprise-change"),
    ("变更法人", "enterprise-change"),
    # transport
    ("货运公司", "transport-company"),
    ("开物流公司", "transport-company"),
    ("道路运输", "transport-company"),
    # events and performances
    ("庙会", "large-event"),
    ("办展会", "large-event"),
    ("miaohui", "large-event"),
    ("演出", "performance"),
    ("酒吧演出", "performance"),
    ("驻唱", "performance"),
    # credit, bankruptcy
    ("信用修复", "credit-repair"),
    ("经营异常", "credit-repair"),
    ("xinyongxiufu", "credit-repair"),
    ("破产", "bankruptcy-check"),
    ("破产查询", "bankruptcy-check"),
    # social security card
    ("社保卡", "social-security-card"),
    ("社保卡丢了", "social-security-card"),
    ("sbk", "social-security-card"),
    ("社保卡补办", "social-security-card"),
    # school
    ("上学", "school-enrollment"),
    ("入学报名", "school-enrollment"),
    ("孩子上小学", "school-enrollment"),
    ("小升初", "school-enrollment"),
    # hukou
    ("户口迁移", "hukou-migration"),
    ("投靠子女", "hukou-migration"),
    ("戶口遷移", "hukou-migration"),
    ("迁户口", "hukou-migration"),
    ("hukouqianyi", "hukou-migration"),
    # no criminal record
    ("无犯罪", "no-criminal-record"),
    ("良民证", "no-criminal-record"),
    ("无犯罪记录证明", "no-criminal-record"),
    ("wufanzui", "no-criminal-record"),
    ("無犯罪證明", "no-criminal-record"),
]


def found(index, query: str, slug: str) -> bool:
    hits = index.search(query, 3)
    return any(h.bundle == slug and h.kind in ("bundle", "scenario") for h in hits)


def test_evaluation_set_hit_rate(index):
    assert len(EVALUATION) >= 60
    misses = [(q, slug, [(h.kind, h.key) for h in index.search(q, 3)])
              for q, slug in EVALUATION if not found(index, q, slug)]
    rate = 1 - len(misses) / len(EVALUATION)
    report = f"search hit rate (top 3): {rate:.1%} of {len(EVALUATION)} queries; misses: {misses}"
    print(report)
    assert rate >= 0.95, report
