"""What a notice says (plain Python, shared by large print and Braille)."""

from __future__ import annotations

import datetime as dt

from onething.accessibility import notices
from onething.accessibility.notices import Applicant

ID_NUMBER = "11010519491231002X"  # GB 11643's example
TODAY = dt.date(2025, 9, 30)


def test_receipt_says_what_was_received_and_masks_the_id_number():
    notice = notices.receipt_notice(
        tracking_number="202509300000001", applicant=Applicant("张小明", id_number=ID_NUMBER),
        bundle_name="开办餐饮店", submitted_at=dt.datetime(2025, 9, 30, 14, 5),
        channel="综合窗口", submitted_by="王窗口", expected=dt.date(2025, 10, 20),
        provisional=True,
        cases=[notices.ReceiptCase("营业执照", "德城区市场监督管理局", "待受理",
                                   dt.date(2025, 10, 9), False)],
        materials=["身份证明"], reused=[("营业执照", "BL-1")],
        tracking_url="https://zwfw.example.gov.cn/progress/?number=202509300000001",
        today=TODAY)
    text = "\n".join(notice.lines())
    assert notice.lines()[0] == "收件回执"
    assert "受理编号：202509300000001" in text
    assert "张小明（身份证 110105********002X）" in text
    assert ID_NUMBER not in text
    assert "收件渠道：综合窗口（经办人：王窗口）" in text
    assert "预计全部办结：2025年10月20日（暂定）" in text
    assert "1. 营业执照：德城区市场监督管理局，待受理，预计2025年10月9日办结" in text
    assert "1. 营业执照（证照编号 BL-1）" in text
    assert "查询办理进度：https://zwfw.example.gov.cn/progress/?number=202509300000001" in text


def test_receipt_marks_each_provisional_due_date():
    notice = notices.receipt_notice(
        tracking_number="202612280000001", applicant=Applicant("张小明", id_number=ID_NUMBER),
        bundle_name="开办餐饮店", submitted_at=dt.datetime(2026, 12, 28, 9, 0),
        channel="网上办事大厅", expected=dt.date(2027, 1, 6), provisional=True,
        cases=[notices.ReceiptCase("营业执照", "德城区市场监督管理局", "已受理",
                                   dt.date(2026, 12, 29), True),
               notices.ReceiptCase("健康证明", "德城区卫生健康局", "已受理",
                                   dt.date(2027, 1, 5), True, due_provisional=True),
               notices.ReceiptCase("食品经营许可", "德城区市场监督管理局", "等待前置事项",
                                   dt.date(2027, 1, 6), False, due_provisional=True)],
        today=dt.date(2026, 12, 28))
    text = "\n".join(notice.lines())
    assert "1. 营业执照：德城区市场监督管理局，已受理，承诺2026年12月29日办结" in text
    assert "2. 健康证明：德城区卫生健康局，已受理，承诺2027年1月5日（暂定）办结" in text
    assert ("3. 食品经营许可：德城区市场监督管理局，等待前置事项，预计2027年1月6日（暂定）办结"
            in text)
    assert "预计全部办结：2027年1月6日（暂定）" in text


def test_a_single_matter_receipt_names_the_matter():
    """单独申请: the receipt names the matter as it is, not as a 一件事."""
    notice = notices.receipt_notice(
        tracking_number="202603020000001", applicant=Applicant("张小明", id_number=ID_NUMBER),
        bundle_name="居住证办理", single_matter=True,
        submitted_at=dt.datetime(2026, 3, 2, 10, 0), channel="综合窗口",
        expected=dt.date(2026, 3, 11),
        cases=[notices.ReceiptCase("居住证办理", "德州市公安局德城分局", "待受理",
                                   dt.date(2026, 3, 11), False)],
        today=dt.date(2026, 3, 2))
    text = "\n".join(notice.lines())
    assert "办理事项：居住证办理\n" in text + "\n" and "一件事" not in text
    assert "1. 居住证办理：德州市公安局德城分局，待受理，预计2026年3月11日办结" in text


def test_any_id_number_in_free_text_is_masked():
    notice = notices.correction_notice(
        tracking_number="1", applicant=Applicant("某公司", uscc="91371402MA0000001X"),
        matter="食品经营许可", department="市场监管局", requested_at=dt.datetime(2025, 9, 30),
        reason=f"身份证 {ID_NUMBER} 与照片不符", items=[("身份证明", f"号码{ID_NUMBER}看不清")],
        today=TODAY)
    text = "\n".join(notice.lines())
    assert ID_NUMBER not in text
    assert text.count("110105********002X") == 2
    assert "91371402MA0000001X" in text  # a company's credit code is public
    assert "请一次补齐以下 1 项材料" in text and "待补正" in text


def test_decisions_give_reason_and_remedies_when_not_granted():
    common = dict(tracking_number="1", applicant=Applicant("张小明"), matter="户外招牌设置",
                  department="城管局", decided_at=dt.datetime(2025, 10, 8), today=TODAY)
    denied = "\n".join(notices.decision_notice(action="deny", reason="位置不符合规划",
                                               **common).lines())
    assert denied.startswith("不予许可决定通知")
    assert "理由\n位置不符合规划" in denied and notices.REMEDY in denied
    refused = "\n".join(notices.decision_notice(action="refuse", reason="不属于本部门",
                                                **common).lines())
    assert "不予受理通知" in refused and notices.REMEDY in refused
    approved = "\n".join(notices.decision_notice(
        action="approve", certificate=("营业执照", "BL-20251008-ABCD"),
        result=[("审批意见", "同意")], **common).lines())
    assert "决定：准予" in approved and "营业执照：证照编号 BL-20251008-ABCD" in approved
    assert "审批意见：同意" in approved and notices.REMEDY not in approved


def test_guide_lists_matters_materials_and_days():
    guide = notices.Guide(
        bundle_name="开办餐饮店",
        matters=(notices.GuideMatter("营业执照", "市场监管局", "3个工作日", "15个工作日", 0),
                 notices.GuideMatter("食品经营许可", "市场监管局", "10个工作日", "20个工作日", 1,
                                     ("营业执照",))),
        materials=(notices.GuideMaterial("身份证明", "", 1, 1, ("营业执照", "食品经营许可")),),
        departments=1, material_count_separate=2, parallel_days=13, serial_days=13,
        fields=("企业名称", "经营地址"))
    lines = notices.guide_notice(guide, today=TODAY).lines()
    assert lines[0] == "开办餐饮店一件事 办事指南"
    text = "\n".join(lines)
    assert "办理事项：2 项" in text and "办理时间：13 个工作日" in text
    assert "2. 食品经营许可：市场监管局，承诺时限10个工作日，法定时限20个工作日，第 2 步；" \
           "需要先办：营业执照" in text
    assert "1. 身份证明；原件 1 份，复印件 1 份；用于：营业执照、食品经营许可" in text
    assert "企业名称、经营地址" in text
