"""Identity assurance (实名认证): levels, the real-name source, one verified account per
ID number, 秒批 deciding on the level, the kiosk's card reader, the clerk's check."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from onething.accounts.identity import (
    correct_identity,
    verify_in_person,
    verify_online,
)
from onething.accounts.models import IdentityCheck, User
from onething.accounts.services import AccountError, register_company, register_person
from onething.accounts.verifiers import IdentityVerifier
from onething.applications.models import CaseStatus
from onething.applications.services import Submission, SubmissionError, submit_application
from onething.certificates.models import Certificate
from onething.domain.identity import Verdict
from onething.domain.validators import id_check_character, uscc_check_character
from onething.notifications.backends import MemorySmsBackend
from onething.registers.demo import demo_csvs, load_demo_registers
from onething.registers.services import load_register
from tests.conftest import upload_pdf
from tests.pg_race import failures, race

pytestmark = pytest.mark.django_db


def ident(first17: str) -> str:
    return first17 + id_check_character(first17)


VICTIM = ident("37140219800202123")  # a resident who has no account yet
STRANGER_MOBILE = "13900000009"


def residents(*rows: tuple[str, str]) -> None:
    text = "id_number,name\n" + "".join(f"{i},{n}\n" for i, n in rows)
    assert load_register("residents", text.encode(), actor=None).ok


def contributions_for(id_number: str, name: str) -> None:
    text = ("id_number,name,insurance,month,amount_fen,employer\n"
            f"{id_number},{name},pension,2025-01,62400,德城区某公司\n"
            f"{id_number},{name},pension,2025-02,62400,德城区某公司\n")
    assert load_register("contributions", text.encode(), actor=None).ok


def social_insurance(user: User):
    uploads = {"id-card": upload_pdf(user).pk} if user.assurance_level < 3 else {}
    return submit_application(
        Submission(bundle="social-insurance-record", answers={}, form_data={},
                   materials=uploads), actor=user, applicant=user)


# -- registration -------------------------------------------------------------------------


def test_an_id_verified_on_another_account_cannot_be_registered_again(demo):
    assert demo.applicant.assurance_level == 3
    with pytest.raises(AccountError) as error:
        register_person(real_name="张小明", id_number=demo.applicant.id_number,
                        mobile=STRANGER_MOBILE)
    assert error.value.code == "id_taken"
    assert "综合窗口" in str(error.value) and "original ID card" in str(error.value)
    assert not User.objects.filter(mobile=STRANGER_MOBILE).exists()


def test_the_registration_page_refuses_it_with_the_way_forward(client, demo):
    response = client.post(reverse("portal:register"), {
        "kind": "person", "real_name": "张小明", "id_number": demo.applicant.id_number,
        "mobile": STRANGER_MOBILE})
    assert response.status_code == 200  # the form again, with the error
    page = response.content.decode()
    assert "该身份证号码已由另一个账户完成实名认证" in page and "身份证原件" in page
    assert not User.objects.filter(mobile=STRANGER_MOBILE).exists()


def test_registration_verifies_against_the_resident_register(demo):
    residents((VICTIM, "王大力"))
    matched = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    assert (matched.assurance_level, matched.assurance_evidence) == (2, "identity-source")
    assert matched.assurance_at is not None
    check = matched.identity_checks.get()
    assert (check.level_before, check.level_after, check.outcome) == (1, 2, "raised")
    assert check.data == {"id_number": "371402********1234"[:6] + "********" + VICTIM[-4:]}


def test_a_wrong_name_or_an_invented_number_stays_self_declared(demo):
    residents((VICTIM, "王大力"))
    wrong_name = register_person(real_name="王小力", id_number=VICTIM, mobile="13900000011")
    invented = register_person(real_name="王大力", id_number=ident("11010119990101999"),
                               mobile="13900000012")
    for user in (wrong_name, invented):
        assert (user.assurance_level, user.assurance_evidence) == (1, "self-declared")
        check = user.identity_checks.get()
        assert (check.outcome, check.level_after) == ("no_match", 1)
        # The register does not tell which half was wrong.
        assert check.reason.startswith("姓名与身份证号码未能通过户籍人口库核验")


def test_the_database_refuses_a_second_verified_account_for_one_id(demo):
    twin = User.objects.create(username="twin", role="applicant", applicant_kind="person",
                               real_name="张小明", id_number=demo.applicant.id_number,
                               mobile="13900000013")
    twin.assurance_level = 2
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(update_fields=["assurance_level"])


# -- the impersonation journey of the issue ------------------------------------------------


def test_impersonation_gets_a_queued_case_until_the_identity_is_verified(client, demo):
    """Someone registers with a resident's name and ID number (not yet in any register):
    the account is L1, the 社保参保证明 goes to a person, not a certificate. Once the
    police's register holds the person and the identity verifies (L2), the same
    application is approved at once."""
    contributions_for(VICTIM, "王大力")
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    assert account.assurance_level == 1
    application = social_insurance(account)
    case = application.cases.get()
    assert case.status == CaseStatus.SUBMITTED
    assert not Certificate.objects.filter(case=case).exists()
    refer = case.events.get(action="auto_refer")
    assert refer.reason == ("申请人实名认证等级为 L1（未认证），本事项自动审批需要 L2（已认证）"
                            "及以上，转人工审核")
    assert refer.data["assurance"] == 1

    # The police load the resident register; the person verifies on the identity page.
    residents((VICTIM, "王大力"))
    client.force_login(account)
    page = client.get(reverse("portal:identity")).content.decode()
    assert "未认证" in page and "核验身份" in page
    response = client.post(reverse("portal:identity"),
                           {"real_name": "王大力", "id_number": VICTIM})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.assurance_level == 2
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    certificate = Certificate.objects.get(case=case)
    assert certificate.holder == account
    assert list(case.events.values_list("action", flat=True)) == [
        "submit", "auto_refer", "auto_approve"]
    assert "已认证" in client.get(reverse("portal:identity")).content.decode()


def test_a_referred_case_is_not_decided_again_on_an_unrelated_change(demo):
    contributions_for(VICTIM, "王大力")
    residents((VICTIM, "王大力"))
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    assert account.assurance_level == 2
    # L2 but no contributions for the number on record: referred for a different reason.
    load_register("contributions", demo_csvs()["contributions"].encode(), actor=None)
    case = social_insurance(account).cases.get()
    assert case.status == CaseStatus.SUBMITTED
    verify_in_person(account, actor=demo.clerk, evidence="window-original")
    assert list(case.events.values_list("action", flat=True)) == ["submit", "auto_refer"]


def test_the_identity_page_shows_the_level_and_how_to_raise_it(client, demo):
    client.force_login(demo.applicant2)
    page = client.get(reverse("portal:identity")).content.decode()
    assert "已认证" in page and "L2" in page and "现场核验" in page
    client.force_login(demo.applicant)
    page = client.get(reverse("portal:identity")).content.decode()
    assert "已现场核验" in page and "窗口工作人员查验身份证原件" in page
    assert demo.applicant.id_number not in page  # masked
    listing = client.get(reverse("portal:applications")).content.decode()
    assert "实名认证：" in listing and "已现场核验" in listing


def test_a_mismatch_on_the_identity_page_keeps_the_typed_identity(client, demo):
    residents((VICTIM, "王大力"))
    account = register_person(real_name="王小力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    client.force_login(account)
    response = client.post(reverse("portal:identity"),
                           {"real_name": "赵六", "id_number": VICTIM})
    assert response.status_code == 200
    assert "未能通过户籍人口库核验" in response.content.decode()
    account.refresh_from_db()
    assert (account.real_name, account.assurance_level) == ("王小力", 1)


# -- the kiosk -------------------------------------------------------------------------------


def kiosk_code() -> str:
    return re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group(0)


def kiosk_sign_in(client, *, card: bool, id_number: str) -> None:
    data = {"source": "card"} if card else {"id_number": id_number}
    assert client.post(reverse("kiosk:identify"), data).status_code == 302
    assert client.post(reverse("kiosk:code"), {"code": kiosk_code()}).status_code == 302


def test_a_typed_number_at_the_kiosk_is_not_a_card_read(client, demo, settings):
    residents((VICTIM, "王大力"))
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    load_demo_registers(only=("criminal-records",))
    kiosk_sign_in(client, card=False, id_number=VICTIM)
    account.refresh_from_db()
    assert account.assurance_level == 2  # unchanged: typed numbers are L2 at most
    page = client.get(reverse("kiosk:instant", args=["no-criminal-record"])).content.decode()
    # Without an in-person check the form and the ID copy are still needed: not here.
    assert "自助终端无法办理" in page and "刷证核验" not in page


def test_the_card_reader_raises_the_account_to_l3(client, demo, settings, monkeypatch):
    residents((VICTIM, "王大力"))
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    settings.ONETHING_ID_CARD_READER = "onething.kiosk.readers.SandboxReader"
    monkeypatch.setenv("ONETHING_KIOSK_SANDBOX_ID_NUMBER", VICTIM)
    load_demo_registers(only=("criminal-records",))
    kiosk_sign_in(client, card=True, id_number=VICTIM)
    account.refresh_from_db()
    assert (account.assurance_level, account.assurance_evidence) == (3, "kiosk-card-reader")
    assert account.assurance_by is None
    page = client.get(reverse("kiosk:instant", args=["no-criminal-record"])).content.decode()
    assert "您已刷证核验身份" in page


def test_a_card_of_someone_else_does_not_verify(demo):
    residents((VICTIM, "王大力"))
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    verdict = verify_in_person(account, actor=None, evidence="kiosk-card-reader",
                               card_id_number=demo.applicant.id_number)
    assert (verdict.matched, verdict.reason_code) == (False, "card_mismatch")
    verdict = verify_in_person(account, actor=None, evidence="kiosk-card-reader",
                               card_id_number=VICTIM, card_name="王小力")
    assert not verdict.matched
    account.refresh_from_db()
    assert account.assurance_level == 2


# -- the clerk ------------------------------------------------------------------------------


def test_the_clerk_moves_a_verification_to_the_holder_of_the_original(client, demo):
    """An impostor verified first (the register knew name and number); the real person
    comes to the window with the card: their account gets L3 and the impostor's drops."""
    residents((VICTIM, "王大力"))
    impostor = register_person(real_name="王大力", id_number=VICTIM, mobile="13900000021")
    assert impostor.assurance_level == 2
    with pytest.raises(AccountError):
        register_person(real_name="王大力", id_number=VICTIM, mobile="13900000022")
    typo = ident("37140219800202999")
    holder = User.objects.create(username="holder", role="applicant", applicant_kind="person",
                                 real_name="王大力", id_number=typo, mobile="13900000022")
    client.force_login(demo.clerk)
    response = client.post(reverse("workbench:identity"), {
        "account": holder.pk, "action": "correct", "real_name": "王大力",
        "id_number": VICTIM, "reason": "申请人注册时号码填错，持原件更正"})
    assert response.status_code == 302
    holder.refresh_from_db()
    impostor.refresh_from_db()
    assert (holder.id_number, holder.assurance_level, holder.assurance_evidence) == (
        VICTIM, 3, "clerk-correction")
    assert holder.assurance_by == demo.clerk
    assert (impostor.assurance_level, impostor.assurance_evidence) == (1, "demoted")
    demoted = impostor.identity_checks.first()
    assert (demoted.actor, demoted.level_before, demoted.level_after) == (demo.clerk, 2, 1)
    corrected = holder.identity_checks.first()
    assert corrected.data["reason"] == "申请人注册时号码填错，持原件更正"
    assert corrected.data["before"] == {"real_name": "王大力",
                                        "id_number": typo[:6] + "********" + typo[-4:]}


def test_the_window_check_needs_the_box_ticked_and_records_the_clerk(client, demo):
    residents((VICTIM, "王大力"))
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    client.force_login(demo.clerk)
    response = client.post(reverse("workbench:identity"), {"action": "search", "q": VICTIM})
    assert response.url == reverse("workbench:identity")  # the number stays out of the URL
    page = client.get(response.url).content.decode()
    assert "王大力" in page and VICTIM not in page  # masked
    client.post(reverse("workbench:identity"), {"account": account.pk, "action": "verify"})
    account.refresh_from_db()
    assert account.assurance_level == 2
    client.post(reverse("workbench:identity"),
                {"account": account.pk, "action": "verify", "original_seen": "yes"})
    account.refresh_from_db()
    assert (account.assurance_level, account.assurance_by) == (3, demo.clerk)


def test_only_window_staff_check_identities(client, demo):
    residents((VICTIM, "王大力"))
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    for who in (demo.samr, account):
        client.force_login(who)
        response = client.post(reverse("workbench:identity"), {
            "account": account.pk, "action": "verify", "original_seen": "yes"})
        assert response.status_code == 403
    with pytest.raises(AccountError):
        verify_in_person(account, actor=demo.samr, evidence="window-original")
    with pytest.raises(AccountError):
        correct_identity(account, clerk=account, real_name="王大力", id_number=VICTIM,
                         reason="x")
    account.refresh_from_db()
    assert account.assurance_level == 2


# -- companies ---------------------------------------------------------------------------------


def company_code(n: str) -> str:
    first = "91371402MA" + n
    return first + uscc_check_character(first)


def enterprises(*rows: str) -> None:
    text = ("uscc,company_name,representative_name,representative_id_number,status\n"
            + "".join(rows))
    assert load_register("enterprises", text.encode(), actor=None).ok


def test_a_company_verifies_through_its_legal_representative(demo):
    residents((VICTIM, "王大力"))
    code = company_code("0000777")
    enterprises(f"{code},德城区大力面馆,王大力,{VICTIM},active\n")
    company = register_company(company_name="德城区大力面馆", uscc=code,
                               representative_name="王大力", representative_id_number=VICTIM,
                               mobile=STRANGER_MOBILE)
    assert company.assurance_level == 2


def test_someone_who_is_not_the_representative_cannot_act_for_the_company(demo):
    residents((VICTIM, "王大力"), (ident("37140219850505123"), "钱七"))
    code = company_code("0000778")
    enterprises(f"{code},德城区大力面馆,王大力,{VICTIM},active\n")
    company = register_company(company_name="德城区大力面馆", uscc=code,
                               representative_name="钱七",
                               representative_id_number=ident("37140219850505123"),
                               mobile=STRANGER_MOBILE)
    assert company.assurance_level == 1
    assert company.identity_checks.get().outcome == "not_representative"
    with pytest.raises(SubmissionError) as error:
        submit_application(Submission(bundle="social-insurance-record", answers={},
                                      form_data={}, materials={}),
                           actor=company, applicant=company)
    assert error.value.code == "company_not_verified"


def test_a_closed_company_does_not_verify(demo):
    residents((VICTIM, "王大力"))
    code = company_code("0000779")
    enterprises(f"{code},德城区大力面馆,王大力,{VICTIM},cancelled\n")
    company = register_company(company_name="德城区大力面馆", uscc=code,
                               representative_name="王大力", representative_id_number=VICTIM,
                               mobile=STRANGER_MOBILE)
    assert company.assurance_level == 1
    assert company.identity_checks.get().outcome == "inactive"


def test_a_verified_company_cannot_be_registered_twice(demo):
    with pytest.raises(AccountError) as error:
        register_company(company_name=demo.applicant2.company_name, uscc=demo.applicant2.uscc,
                         representative_name="李晓红",
                         representative_id_number=demo.applicant2.representative_id_number,
                         mobile=STRANGER_MOBILE)
    assert error.value.code == "uscc_taken"


# -- the plug-in --------------------------------------------------------------------------


class EveryoneIsWang(IdentityVerifier):
    """A stand-in provincial service for the test: it vouches for one name only."""

    label = "省统一身份认证平台（测试）"

    def verify_person(self, *, name, id_number, mobile=""):
        if name == "王大力":
            return Verdict(True, "省平台核验一致", "matched", reference="wh-123")
        return Verdict(False, "省平台核验不一致", "no_match")

    def verify_company(self, **kwargs):
        return Verdict(False, "不支持", "unavailable")


def test_the_real_name_source_is_a_plug_in(demo, settings):
    settings.ONETHING_IDENTITY_VERIFIER = "tests.identity.test_identity.EveryoneIsWang"
    account = register_person(real_name="王大力", id_number=ident("11010119990101999"),
                              mobile=STRANGER_MOBILE)
    assert account.assurance_level == 2
    assert account.identity_checks.get().source == "省统一身份认证平台（测试）"
    other = register_person(real_name="李四", id_number=ident("11010119990101888"),
                            mobile="13900000031")
    assert other.assurance_level == 1


def test_without_a_loaded_register_nobody_verifies(demo):
    from onething.registers.models import RegisterLoad

    RegisterLoad.objects.filter(register="residents").delete()
    account = register_person(real_name="张三", id_number=VICTIM, mobile=STRANGER_MOBILE)
    assert account.assurance_level == 1
    assert account.identity_checks.get().outcome == "unavailable"
    assert verify_online(account).reason_code == "unavailable"


def test_every_level_change_is_kept(demo):
    checks = IdentityCheck.objects.filter(user=demo.applicant).order_by("id")
    assert [(c.level_before, c.level_after, c.evidence) for c in checks] == [
        (1, 2, "identity-source"), (2, 3, "window-original")]
    assert checks.last().actor == demo.clerk


@pytest.mark.django_db(transaction=True)
def test_racing_verifications_of_one_id_leave_one_verified_account(demo):
    """Six unverified accounts with the same name and number ask to be verified at the
    same moment: the database lets exactly one through; the others are told why."""
    import time

    from django.db import OperationalError

    residents((VICTIM, "王大力"))
    accounts = [User.objects.create(username=f"race{i}", role="applicant",
                                    applicant_kind="person", real_name="王大力",
                                    id_number=VICTIM, mobile=f"1390000010{i}")
                for i in range(6)]

    def attempt(user) -> str:
        for _ in range(50):
            try:
                return verify_online(User.objects.get(pk=user.pk)).reason_code
            except OperationalError as exc:
                # SQLite's shared in-memory test database answers "table is locked"
                # at once instead of waiting; a client would try again.
                if "locked" not in str(exc):
                    raise
                time.sleep(0.05)
        raise RuntimeError("still locked after 50 tries")

    verdicts = race(*[lambda u=u: attempt(u) for u in accounts])
    # PostgreSQL runs them in parallel against the partial unique index.
    assert failures(verdicts) == [], verdicts
    assert User.objects.filter(id_number=VICTIM, assurance_level__gte=2).count() == 1
    assert verdicts.count("matched") == 1
    assert set(verdicts) <= {"matched", "id_taken"}


# -- the registers behind the default verifier --------------------------------------------


def test_resident_and_enterprise_registers_load_whole_or_not_at_all(demo):
    from onething.registers.models import EnterpriseRecord, ResidentRecord

    before = ResidentRecord.objects.count()
    bad = ("身份证号码,姓名,照片摘要\n"
           f"{VICTIM},王大力,{'ab' * 32}\n"
           f"{VICTIM[:-1]}0,某某,\n"
           f"{ident('37140219850505123')},,\n"
           f"{VICTIM},王大力,not-a-digest\n")
    result = load_register("residents", bad.encode("gb18030"), actor=None)
    assert not result.ok
    assert [(p.line, p.message.split("：")[0].split("（")[0]) for p in result.problems] == [
        (3, "“身份证号码”"), (4, "“姓名”"), (5, "“照片摘要”")]
    assert ResidentRecord.objects.count() == before  # nothing changed
    assert load_register("residents", bad.splitlines()[0].encode() + b"\n" +
                         bad.splitlines()[1].encode() + b"\n", actor=None).ok
    assert ResidentRecord.objects.get().photo_sha256 == "ab" * 32

    code = company_code("0000780")
    result = load_register("enterprises", (
        "统一社会信用代码,企业名称,法定代表人,登记状态\n"
        f"{code},大力面馆,王大力,存续\n"
        f"{code[:-1]}Z,坏码面馆,王大力,存续\n"
        f"{company_code('0000781')},歇业面馆,王大力,歇业\n").encode(), actor=None)
    assert [p.line for p in result.problems] == [3, 4]
    assert "统一社会信用代码无效" in str(result.problems[0])
    assert "存续、注销、吊销" in str(result.problems[1])
    assert not EnterpriseRecord.objects.filter(uscc=code).exists()


def test_the_police_load_residents_and_the_market_regulator_enterprises(demo):
    from onething.registers.services import RegisterDenied, may_load

    police = User.objects.get(username="reviewer-dc-police")
    assert may_load(police, "residents") and not may_load(police, "enterprises")
    assert may_load(demo.samr, "enterprises") and not may_load(demo.samr, "residents")
    with pytest.raises(RegisterDenied):
        load_register("residents", b"id_number,name\n", actor=demo.samr)


def test_a_walk_in_registered_with_the_original_seen_is_checked_in_person(client, demo):
    client.force_login(demo.clerk)
    url = reverse("workbench:window-applicant", args=["no-criminal-record"])
    client.post(url, {"kind": "person", "real_name": "刘新", "mobile": "13900000041",
                      "id_number": ident("37140219700101456"), "original_seen": "yes"})
    client.post(url, {"kind": "person", "real_name": "刘旧", "mobile": "13900000042",
                      "id_number": ident("37140219700101457")})
    seen = User.objects.get(mobile="13900000041")
    unseen = User.objects.get(mobile="13900000042")
    assert (seen.assurance_level, seen.assurance_evidence, seen.assurance_by) == (
        3, "window-original", demo.clerk)
    assert (unseen.assurance_level, unseen.assurance_evidence) == (1, "self-declared")


def test_level_changes_go_to_the_audit_trail(demo):
    from onething.audit.models import AuditEntry

    residents((VICTIM, "王大力"))
    account = register_person(real_name="王大力", id_number=VICTIM, mobile=STRANGER_MOBILE)
    verify_in_person(account, actor=demo.clerk, evidence="window-original")
    entries = AuditEntry.objects.filter(kind="identity.level_changed",
                                        subject_id=str(account.pk)).order_by("id")
    assert [(e.details["from"], e.details["to"], e.details["evidence"]) for e in entries] == [
        ("L1", "L2", "identity-source"), ("L2", "L3", "window-original")]
    assert entries.last().actor == demo.clerk


def test_the_registration_page_is_no_oracle_for_name_and_number(client, demo):
    """Whether name and number match the register shows only after signing in."""
    residents((VICTIM, "王大力"))
    answers = []
    unknown = ident("37140219800202555")
    for name, number, mobile in (("王大力", VICTIM, "13900000051"),
                                 ("王小力", unknown, "13900000052")):
        response = client.post(reverse("portal:register"), {
            "kind": "person", "real_name": name, "id_number": number, "mobile": mobile},
            follow=True)
        page = response.content.decode()
        answers.append(re.search(r"注册完成[^<]*", page).group(0))
        client.cookies.clear()
    assert answers[0] == answers[1]
    assert [User.objects.get(mobile=m).assurance_level for m in ("13900000051",
                                                                 "13900000052")] == [2, 1]
