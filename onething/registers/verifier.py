"""The default real-name source: the resident and enterprise registers (户籍人口库, 企业登记信息).

Name and ID number must both match a row of the resident register the police loaded; a
company must be in the enterprise register as existing (存续) under that name, with the
applicant as its legal representative. An unloaded register verifies nobody.
"""

from __future__ import annotations

from onething.accounts.verifiers import IdentityVerifier
from onething.domain.identity import Verdict, names_match
from onething.domain.registers import ENTERPRISE_REGISTER, RESIDENT_REGISTER
from onething.registers.models import EnterpriseRecord, RegisterLoad, ResidentRecord


def _loaded(register: str) -> bool:
    return RegisterLoad.objects.filter(register=register).exists()


class RegisterIdentityVerifier(IdentityVerifier):
    label = "户籍人口库 / 企业登记信息"

    def verify_person(self, *, name: str, id_number: str, mobile: str = "") -> Verdict:
        if not _loaded(RESIDENT_REGISTER):
            return Verdict(False, "户籍人口库尚未导入，暂时无法在线核验 (resident register not "
                                  "loaded)", "unavailable")
        record = ResidentRecord.objects.filter(id_number=id_number).first()
        if record is None or not names_match(record.name, name):
            # One answer for both: the register does not tell which half was wrong.
            return Verdict(False, "姓名与身份证号码未能通过户籍人口库核验 (name and ID number "
                                  "do not match the resident register)", "no_match")
        return Verdict(True, "姓名与身份证号码与户籍人口库一致", "matched",
                       reference=f"{RESIDENT_REGISTER}:{record.load_id}")

    def verify_company(self, *, uscc: str, company_name: str, representative_name: str,
                       representative_id_number: str) -> Verdict:
        if not _loaded(ENTERPRISE_REGISTER):
            return Verdict(False, "企业登记信息尚未导入，暂时无法在线核验 (enterprise register "
                                  "not loaded)", "unavailable")
        record = EnterpriseRecord.objects.filter(uscc=uscc).first()
        if record is None or not names_match(record.company_name, company_name):
            return Verdict(False, "企业名称与统一社会信用代码未能通过企业登记信息核验 "
                                  "(company name and code do not match the enterprise register)",
                           "no_match")
        if record.status not in {"", "active"}:
            return Verdict(False, f"该企业登记状态为“{record.get_status_display()}”，不能办理 "
                                  "(the company is not active)", "inactive")
        if not names_match(record.representative_name, representative_name) or (
                record.representative_id_number
                and record.representative_id_number != representative_id_number):
            return Verdict(False, "经办人不是该企业登记的法定代表人；授权他人代办的功能即将提供，"
                                  "目前请由法定代表人本人办理 (only the registered legal "
                                  "representative may act for the company)", "not_representative")
        person = self.verify_person(name=representative_name, id_number=representative_id_number)
        if not person.matched:
            return person
        return Verdict(True, "企业登记信息一致，经办人为法定代表人，身份已核验", "matched",
                       reference=f"{ENTERPRISE_REGISTER}:{record.load_id}")
