"""容缺受理 and 告知承诺 through the services, with frozen time and the shipped catalogue.

告知承诺: the 消防 check of 开办餐饮店 is decided on the signed commitment when it
reaches the fire department (at release, or at submission when nothing comes
before it); the post-check confirms it or, for a false commitment, revokes the
decision and its certificate.

容缺受理: 营业性演出审批 (performance bundle) is accepted with the large-event permit
owed; approval waits until it is supplied; past the deadline the daily task
terminates the case (or, by the rule "refer", leaves it to the reviewer).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from onething.accounts.models import User
from onething.applications.models import CaseSuspension, Commitment, Event, ProvidedMaterial
from onething.applications.procedures import available_actions, run_procedures
from onething.applications.services import (
    CaseActionDenied,
    Submission,
    SubmissionError,
    submit_application,
    transition_case,
    withdraw_application,
)
from onething.catalog import selectors as catalog_selectors
from onething.catalog.models import Matter
from onething.certificates import keys
from onething.certificates.models import Certificate
from onething.certificates.selectors import verify_certificate
from onething.domain.cases import Action, CaseStatus, IllegalTransition, ReasonRequired, Role
from onething.notifications.models import Notification
from tests.conftest import restaurant_submission, upload_pdf

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
FIRE = "fire-safety-check-commitment"
PERFORMANCE = "commercial-performance-approval"
PERMIT = "large-event-permit"


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def case_of(application, code):
    return application.cases.get(matter__code=code)


def act(case, action, user, **kw):
    return transition_case(case.pk, action, actor=user, **kw)


def reviewer(department):
    return User.objects.get(username=f"reviewer-{department}")


def messages_for(user):
    return list(Notification.objects.filter(user=user).order_by("id")
                .values_list("message", flat=True))


# -- 告知承诺 ---------------------------------------------------------------------------------


def test_the_fire_check_is_decided_at_release_on_the_commitment_and_a_false_one_revokes_it(
        demo, frozen):
    """The issue's acceptance test, through the real restaurant bundle."""
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    fire = case_of(application, FIRE)
    assert fire.status == CaseStatus.WAITING  # waits for the business licence
    terms = catalog_selectors.catalog_for_bundles(["restaurant"]).matters[FIRE].commitment
    signed = Commitment.objects.get(case=fire)
    assert (signed.version, signed.text, signed.sha256) == ("2026-01", terms.text, terms.sha256)
    assert signed.text.startswith("公众聚集场所投入使用、营业前消防安全检查告知承诺书")
    assert (signed.signed_by, signed.recorded_by, signed.channel) == (
        demo.applicant, demo.applicant, "portal")
    assert signed.signed_at == MONDAY and signed.check_due_date is None
    submitted = application.events.get(case=None, action="submit")
    assert submitted.data["commitments"] == {FIRE: {"version": "2026-01",
                                                    "sha256": terms.sha256}}

    registration = case_of(application, "business-registration")
    act(registration, Action.ACCEPT, demo.samr)
    act(registration, Action.APPROVE, demo.samr)  # releases the fire check: decided at once

    fire.refresh_from_db()
    assert fire.status == CaseStatus.APPROVED_ON_COMMITMENT
    assert fire.accepted_at == MONDAY and fire.decided_at == MONDAY
    assert fire.promised_due_date == dt.date(2026, 3, 2)  # 即办
    assert list(fire.events.values_list("action", "actor")) == [
        ("submit", demo.applicant.pk), ("release", None), ("approve_on_commitment", None)]
    decision = fire.events.get(action="approve_on_commitment")
    assert decision.data["commitment"] == {
        "version": "2026-01", "sha256": terms.sha256, "signed_by": demo.applicant.pk,
        "recorded_by": demo.applicant.pk, "channel": "portal",
        "signed_at": "2026-03-02T02:00:00+00:00", "check_due_date": "2026-03-30"}
    signed.refresh_from_db()
    assert signed.check_due_date == dt.date(2026, 3, 30)  # 20 working days
    certificate = Certificate.objects.get(case=fire)
    assert certificate.certificate_type.key == "fire-safety-permit"
    assert fire.result["number"] == certificate.number
    assert verify_certificate(certificate.number).status == "valid"
    assert (f"您的申请 {application.tracking_number}：“公众聚集场所投入使用、营业前消防安全检查"
            "（告知承诺）”告知承诺准予。部门将于 2026年3月30日 前进行事后核查，请确保承诺内容真实；"
            "承诺不实的，将撤销准予决定并注销证照") in messages_for(demo.applicant)

    # The post-check: only the fire department, and 办结 only after it.
    assert available_actions(fire, Role.REVIEWER) == [Action.CONFIRM_COMMITMENT,
                                                      Action.REVOKE_FALSE_COMMITMENT]
    with pytest.raises(IllegalTransition, match="须先完成事后核查"):
        act(fire, Action.CONCLUDE, demo.fire)
    with pytest.raises(CaseActionDenied):
        act(fire, Action.REVOKE_FALSE_COMMITMENT, demo.samr, reason="x")
    with pytest.raises(IllegalTransition):
        act(fire, Action.REVOKE_FALSE_COMMITMENT, demo.applicant, reason="x")
    with pytest.raises(ReasonRequired):
        act(fire, Action.REVOKE_FALSE_COMMITMENT, demo.fire, reason=" ")

    frozen.move_to(dt.datetime(2026, 3, 20, 15, 0, tzinfo=SHANGHAI))
    act(fire, Action.REVOKE_FALSE_COMMITMENT, demo.fire,
        reason="现场核查发现安全出口被货物堵塞，与承诺不符")
    fire.refresh_from_db()
    assert fire.status == CaseStatus.REVOKED
    assert fire.result["decision"] == "revoked"
    signed.refresh_from_db()
    assert (signed.check_result, signed.checked_by, signed.check_note) == (
        "false", demo.fire, "现场核查发现安全出口被货物堵塞，与承诺不符")
    assert signed.checked_at == dt.datetime(2026, 3, 20, 15, 0, tzinfo=SHANGHAI)
    certificate.refresh_from_db()
    assert certificate.revoked_by == demo.fire
    assert certificate.revoke_reason == ("告知承诺不实，撤销准予决定："
                                         "现场核查发现安全出口被货物堵塞，与承诺不符")
    assert verify_certificate(certificate.number).status == "revoked"
    assert list(fire.events.values_list("action", flat=True))[-2:] == [
        "revoke_certificate", "revoke_false_commitment"]
    revoked = fire.events.get(action="revoke_false_commitment")
    assert (revoked.from_status, revoked.to_status) == ("approved_on_commitment", "revoked")
    assert revoked.data == {"commitment": {"version": "2026-01", "sha256": terms.sha256,
                                           "check_due_date": "2026-03-30", "result": "false"},
                            "certificate": certificate.number}
    notices = messages_for(demo.applicant)
    assert (f"您的申请 {application.tracking_number}：“公众聚集场所投入使用、营业前消防安全检查"
            "（告知承诺）”承诺不实，撤销准予决定。理由：现场核查发现安全出口被货物堵塞，与承诺不符"
            ) in notices
    assert any(n.startswith("您的“公众聚集场所投入使用、营业前消防安全检查合格证”") and "已被" in n
               for n in notices)
    assert available_actions(fire, Role.REVIEWER) == []


def test_a_post_check_that_finds_the_commitment_true_lets_the_case_conclude(demo, frozen):
    application = submit_application(
        restaurant_submission(demo.applicant2, answers={"has_business_licence": "yes"}),
        actor=demo.applicant2, applicant=demo.applicant2)
    fire = case_of(application, FIRE)
    # Nothing comes before it here: decided at submission, within the request.
    assert fire.status == CaseStatus.APPROVED_ON_COMMITMENT
    frozen.move_to(dt.datetime(2026, 3, 25, 9, 30, tzinfo=SHANGHAI))
    act(fire, Action.CONFIRM_COMMITMENT, demo.fire, reason="现场核查与承诺一致")
    fire.refresh_from_db()
    assert fire.status == CaseStatus.APPROVED
    signed = Commitment.objects.get(case=fire)
    assert (signed.check_result, signed.check_note) == ("true", "现场核查与承诺一致")
    act(fire, Action.CONCLUDE, demo.fire)
    fire.refresh_from_db()
    assert fire.status == CaseStatus.CONCLUDED
    assert Certificate.objects.get(case=fire).revoked_at is None


def test_the_inspection_route_signs_nothing_and_waits_for_the_department(demo):
    answers = {"fire_route": "inspection"}
    submission = restaurant_submission(demo.applicant, answers=answers)
    assert submission.commitments == {}
    application = submit_application(submission, actor=demo.applicant,
                                     applicant=demo.applicant)
    assert not Commitment.objects.filter(case__application=application).exists()


def _signed(demo, **changes):
    base = restaurant_submission(demo.applicant)
    fields = {**base.__dict__, **changes}
    return Submission(**fields)


def test_an_unsigned_commitment_is_refused(demo):
    with pytest.raises(SubmissionError) as info:
        submit_application(_signed(demo, commitments={}), actor=demo.applicant,
                           applicant=demo.applicant)
    assert info.value.code == "commitment_required"
    assert info.value.errors == {f"commitments.{FIRE}": (
        "请阅读并签署“公众聚集场所投入使用、营业前消防安全检查（告知承诺）”的告知承诺书 "
        "(read and sign the commitment: required)")}


def test_a_signature_of_another_text_is_refused(demo):
    tampered = "0" * 64
    with pytest.raises(SubmissionError) as info:
        submit_application(_signed(demo, commitments={FIRE: tampered}), actor=demo.applicant,
                           applicant=demo.applicant)
    assert info.value.code == "commitment_mismatch"
    assert info.value.errors == {f"commitments.{FIRE}": (
        "所签署的“公众聚集场所投入使用、营业前消防安全检查（告知承诺）”告知承诺书与现行文本"
        "（2026-01 版）不一致，请重新阅读并签署 (the text signed is not the current version "
        "2026-01: read it again and sign)")}


def test_an_old_version_is_refused_after_the_catalogue_changes_the_text(demo):
    submission = restaurant_submission(demo.applicant)
    matter = Matter.objects.get(code=FIRE)
    matter.commitment = {**matter.commitment, "version": "2026-02",
                         "text": matter.commitment["text"] + "\n五、新增条款。"}
    matter.save()  # an admin edit: the cached catalogue is marked stale
    with pytest.raises(SubmissionError) as info:
        submit_application(submission, actor=demo.applicant, applicant=demo.applicant)
    assert info.value.code == "commitment_mismatch"
    assert "2026-02 版" in info.value.errors[f"commitments.{FIRE}"]


def test_a_commitment_for_a_matter_without_one_is_refused(demo):
    with pytest.raises(SubmissionError) as info:
        submit_application(_signed(demo, commitments={
            FIRE: restaurant_submission(demo.applicant).commitments[FIRE],
            "business-registration": "0" * 64}), actor=demo.applicant, applicant=demo.applicant)
    assert info.value.errors == {"commitments.business-registration": (
        "本次申请的事项 business-registration 不需要签署告知承诺书 "
        "(no commitment to sign for this matter)")}


def test_a_clerk_records_the_commitment_the_applicant_signed_at_the_window(demo):
    application = submit_application(restaurant_submission(demo.clerk, applicant=demo.applicant),
                                     actor=demo.clerk, applicant=demo.applicant,
                                     channel="window")
    signed = Commitment.objects.get(case__application=application)
    assert (signed.signed_by, signed.recorded_by, signed.channel) == (
        demo.applicant, demo.clerk, "window")


def test_a_withdrawn_application_is_never_decided_on_its_commitment(demo):
    from onething.applications.procedures import decide_on_commitments

    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    fire = case_of(application, FIRE)
    withdraw_application(application.pk, actor=demo.applicant)
    fire.refresh_from_db()
    assert fire.status == CaseStatus.CANCELLED
    assert decide_on_commitments(application.cases.all()) == []
    assert not Certificate.objects.filter(case=fire).exists()


def test_without_the_signing_key_the_decision_waits_for_the_daily_task(demo, settings,
                                                                     tmp_path, frozen, caplog):
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    keys.init_keys()
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node2")  # a node without the private key
    application = submit_application(
        restaurant_submission(demo.applicant2, answers={"has_business_licence": "yes"}),
        actor=demo.applicant2, applicant=demo.applicant2)
    fire = case_of(application, FIRE)
    assert fire.status == CaseStatus.SUBMITTED  # the submission itself succeeded
    assert "告知承诺 decision of case" in caplog.text
    settings.ONETHING_KEYS_DIR = str(tmp_path / "node1")
    report = run_procedures(today=dt.date(2026, 3, 2))
    assert report.decided == [f"{application.tracking_number} · {fire.matter.name}"]
    fire.refresh_from_db()
    assert fire.status == CaseStatus.APPROVED_ON_COMMITMENT
    assert run_procedures(today=dt.date(2026, 3, 2)).decided == []


def test_overdue_post_checks_are_listed_by_the_daily_task(demo, frozen):
    application = submit_application(
        restaurant_submission(demo.applicant2, answers={"has_business_licence": "yes"}),
        actor=demo.applicant2, applicant=demo.applicant2)
    label = f"{application.tracking_number} · {case_of(application, FIRE).matter.name}"
    assert run_procedures(today=dt.date(2026, 3, 30)).checks_overdue == []
    assert run_procedures(today=dt.date(2026, 3, 31)).checks_overdue == [
        f"{label}（2026-03-30）"]


# -- 容缺受理 ---------------------------------------------------------------------------------


def performance_submission(owner, *, deferred=(PERMIT,), skip=(PERMIT,), **answers):
    answers = {"attendance": "1000-plus", **answers}
    plan = catalog_selectors.plan_bundle("performance", answers)
    values = {"number": "1500", "date": "2026-04-25", "mobile": "13800000002"}
    form = {f.key: values.get(f.type, "夏夜音乐会") for f in plan.fields}
    form.pop("uscc", None)
    form.pop("company_name", None)
    materials = {m.key: upload_pdf(owner).pk for m in plan.materials if m.key not in skip}
    return Submission(bundle="performance", answers=answers, form_data=form,
                      materials=materials, deferred_materials=tuple(deferred))


@pytest.fixture
def performance(demo, frozen):
    return submit_application(performance_submission(demo.applicant2), actor=demo.applicant2,
                              applicant=demo.applicant2)


def test_the_plan_marks_the_permit_as_a_material_that_may_follow(demo):
    plan = catalog_selectors.plan_bundle("performance", {"attendance": "1000-plus"})
    by_key = {m.key: m for m in plan.materials}
    assert by_key[PERMIT].deferrable and by_key[PERMIT].supply_within == 5
    assert not by_key["performance-application"].deferrable
    # Side by side now: the approval does not wait for the permit (晋城).
    assert plan.matter(PERFORMANCE).depends_on == ()


def test_a_declared_owed_material_is_recorded_on_its_case(performance):
    case = case_of(performance, PERFORMANCE)
    assert case.status == CaseStatus.SUBMITTED
    assert case.pending_items == [{"material": PERMIT, "name": "大型群众性活动安全许可决定书",
                                   "note": ""}]
    assert case.pending_due_date is None  # fixed at acceptance
    assert case_of(performance, "large-event-safety-permit").pending_items == []
    assert not ProvidedMaterial.objects.filter(application=performance,
                                               material_key=PERMIT).exists()
    submitted = performance.events.get(case=None, action="submit")
    assert submitted.data["deferred_materials"] == [PERMIT]


def test_only_a_material_the_catalogue_lets_follow_may_be_owed(demo):
    with pytest.raises(SubmissionError) as info:
        submit_application(
            performance_submission(demo.applicant2, deferred=(PERMIT, "performer-list"),
                                   skip=(PERMIT, "performer-list")),
            actor=demo.applicant2, applicant=demo.applicant2)
    assert info.value.errors == {"materials.performer-list": (
        "“演员名单及身份证明”不能容缺受理，请随申请上传 (this material cannot follow later: upload "
        "it now)")}
    with pytest.raises(SubmissionError) as info:
        submit_application(performance_submission(demo.applicant2, skip=()),
                           actor=demo.applicant2, applicant=demo.applicant2)
    assert info.value.errors == {f"materials.{PERMIT}": (
        "“大型群众性活动安全许可决定书”已上传，不能同时申请容缺，请二选一 "
        "(uploaded and declared owed: choose one)")}
    with pytest.raises(SubmissionError) as info:
        submit_application(performance_submission(demo.applicant2, deferred=()),
                           actor=demo.applicant2, applicant=demo.applicant2)
    assert info.value.errors == {f"materials.{PERMIT}": "请上传“大型群众性活动安全许可决定书” "
                                                         "(required)"}


def test_accepted_with_the_permit_owed_approved_only_once_supplied(demo, performance, frozen):
    culture, police = reviewer("dc-culture-tourism"), reviewer("dc-police")
    case = case_of(performance, PERFORMANCE)
    assert available_actions(case, Role.REVIEWER) == [Action.REFUSE, Action.REQUEST_CORRECTION,
                                                      Action.ACCEPT_PENDING]
    with pytest.raises(IllegalTransition,
                       match="申请人申请容缺受理，尚缺“大型群众性活动安全许可决定书”"):
        act(case, Action.ACCEPT, culture)
    with pytest.raises(SubmissionError) as info:
        act(case, Action.ACCEPT_PENDING, culture, items=[{"material": "performer-list"}])
    assert info.value.errors == {
        "items.performer-list": ("“演员名单及身份证明”不是可容缺的材料 "
                                 "(this material cannot follow later)"),
        f"items.{PERMIT}": "申请人未提交“大型群众性活动安全许可决定书”，须列为容缺材料 "
                           "(declared owed by the applicant: list it)"}

    act(case, Action.ACCEPT_PENDING, culture,
        items=[{"material": PERMIT, "note": "演出前补交公安机关的许可决定书"}])
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED_PENDING
    assert case.accepted_at == MONDAY
    assert case.promised_due_date == dt.date(2026, 3, 4)  # 2 working days
    assert case.pending_due_date == dt.date(2026, 3, 9)  # 5 working days
    assert case.pending_on_lapse == "terminate"
    assert case.pending_items == [{"material": PERMIT, "name": "大型群众性活动安全许可决定书",
                                   "note": "演出前补交公安机关的许可决定书"}]
    # The wait for the owed materials is a period that does not count (容缺材料补齐).
    period = CaseSuspension.objects.get(case=case)
    assert (period.kind, period.started_on, period.ended_on) == (
        "pending_materials", dt.date(2026, 3, 2), None)
    assert case.events.get(action="accept_pending").data == {
        "promised_due_date": "2026-03-04", "statutory_due_date": "2026-03-05",
        "items": case.pending_items, "pending_due_date": "2026-03-09", "on_lapse": "terminate",
        "suspension": {"id": period.pk, "kind": "pending_materials", "started_on": "2026-03-02"}}
    assert (f"您的申请 {performance.tracking_number}：“营业性演出审批”容缺受理。请于 2026年3月9日 "
            "前补齐：“大型群众性活动安全许可决定书”；补齐后作出决定，逾期未补齐的，终止办理"
            ) in messages_for(demo.applicant2)
    accepted = Notification.objects.filter(user=demo.applicant2,
                                           message__contains="容缺受理。请于").get()
    with translation.override("en"):  # on an English page
        english = accepted.text
    assert ". Please supply by March 9, 2026: “" in english
    assert english.endswith("”; the decision follows once they are supplied; if they are not "
                            "supplied in time, the case is terminated")
    with pytest.raises(IllegalTransition) as refused:
        act(case, Action.APPROVE, culture)
    assert str(refused.value) == ("尚有容缺材料未补齐，申请人补齐后才能作出准予决定 (secondary "
                                  "materials are still owed: approve once the applicant has "
                                  "supplied them)")
    # Someone else cannot supply it, and the applicant cannot without it.
    with pytest.raises(CaseActionDenied):
        act(case, Action.SUPPLY_MATERIALS, demo.applicant,
            materials={PERMIT: upload_pdf(demo.applicant).pk})
    with pytest.raises(SubmissionError) as info:
        act(case, Action.SUPPLY_MATERIALS, demo.applicant2)
    assert info.value.errors == {f"materials.{PERMIT}": "请上传“大型群众性活动安全许可决定书” "
                                                         "(required)"}
    with pytest.raises(SubmissionError) as info:
        act(case, Action.SUPPLY_MATERIALS, demo.applicant2,
            materials={PERMIT: upload_pdf(demo.applicant).pk})  # another person's file
    assert info.value.errors == {f"materials.{PERMIT}": "文件不存在或不属于您 (unknown file)"}

    # The police decide the permit side by side; the applicant then holds it electronically.
    permit_case = case_of(performance, "large-event-safety-permit")
    act(permit_case, Action.ACCEPT, police)
    act(permit_case, Action.APPROVE, police)
    permit = Certificate.objects.get(case=permit_case)

    frozen.move_to(dt.datetime(2026, 3, 4, 16, 0, tzinfo=SHANGHAI))
    act(case, Action.SUPPLY_MATERIALS, demo.applicant2)  # 免提交: the permit just issued
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert (case.pending_items, case.pending_due_date, case.pending_on_lapse) == ([], None, "")
    # The applicant's 2 working days (03-03, 03-04) count towards neither date.
    assert (case.promised_due_date, case.statutory_due_date) == (dt.date(2026, 3, 6),
                                                                 dt.date(2026, 3, 9))
    period.refresh_from_db()
    assert period.ended_on == dt.date(2026, 3, 4)
    supplied = case.events.get(action="supply_materials")
    assert supplied.data == {"materials": [PERMIT], "certificates": {PERMIT: permit.number},
                             "suspension": {"id": period.pk, "kind": "pending_materials",
                                            "started_on": "2026-03-02",
                                            "ended_on": "2026-03-04"},
                             "promised_due_date": "2026-03-06",
                             "statutory_due_date": "2026-03-09"}
    provided = ProvidedMaterial.objects.get(application=performance, material_key=PERMIT,
                                            current=True)
    assert provided.certificate == permit and provided.upload is None
    act(case, Action.APPROVE, culture)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED


def test_owed_materials_may_be_uploaded(demo, performance):
    culture = reviewer("dc-culture-tourism")
    case = case_of(performance, PERFORMANCE)
    act(case, Action.ACCEPT_PENDING, culture)  # the declared items by default
    upload = upload_pdf(demo.applicant2, b"%PDF-1.4 permit")
    with pytest.raises(SubmissionError) as info:
        act(case, Action.SUPPLY_MATERIALS, demo.applicant2,
            materials={PERMIT: upload.pk, "performer-list": upload.pk})
    assert info.value.errors == {"materials.performer-list": "只需补交尚缺的容缺材料 (not owed)"}
    act(case, Action.SUPPLY_MATERIALS, demo.applicant2, materials={PERMIT: upload.pk})
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert ProvidedMaterial.objects.get(application=performance, material_key=PERMIT,
                                        current=True).upload == upload


def test_a_correction_notice_may_ask_for_the_owed_material_now(demo, performance):
    culture = reviewer("dc-culture-tourism")
    case = case_of(performance, PERFORMANCE)
    act(case, Action.REQUEST_CORRECTION, culture, reason="请现在提交许可决定书",
        items=[{"material": PERMIT, "note": "演出临近，不予容缺"}])
    act(case, Action.RESUBMIT, demo.applicant2,
        materials={PERMIT: upload_pdf(demo.applicant2).pk})
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.pending_items == []
    assert available_actions(case, Role.REVIEWER)[0] is Action.ACCEPT
    act(case, Action.ACCEPT, culture)


def test_past_the_deadline_the_daily_task_terminates_the_case(demo, performance, frozen):
    case = case_of(performance, PERFORMANCE)
    act(case, Action.ACCEPT_PENDING, reviewer("dc-culture-tourism"))
    assert run_procedures(today=dt.date(2026, 3, 9)).terminated == []  # the last day counts
    frozen.move_to(dt.datetime(2026, 3, 10, 0, 30, tzinfo=SHANGHAI))
    report = run_procedures()
    assert report.terminated == [f"{performance.tracking_number} · 营业性演出审批"]
    case.refresh_from_db()
    assert case.status == CaseStatus.CANCELLED
    lapsed = case.events.get(action="lapse_pending")
    assert lapsed.actor is None
    assert lapsed.reason == ("逾期未补齐容缺材料“大型群众性活动安全许可决定书”"
                             "（补齐期限 2026-03-09）")
    assert lapsed.data == {"items": case.pending_items, "pending_due_date": "2026-03-09"}
    assert (f"您的申请 {performance.tracking_number}：“营业性演出审批”逾期未补齐材料，终止办理。"
            "理由：逾期未补齐容缺材料“大型群众性活动安全许可决定书”（补齐期限 2026-03-09）"
            ) in messages_for(demo.applicant2)
    assert run_procedures().terminated == []  # once
    with pytest.raises(IllegalTransition):
        act(case, Action.SUPPLY_MATERIALS, demo.applicant2)


def test_by_the_rule_refer_the_lapse_is_recorded_once_and_the_reviewer_decides(
        demo, performance, frozen):
    matter = Matter.objects.get(code=PERFORMANCE)
    matter.accept_pending = {**matter.accept_pending, "on_lapse": "refer"}
    matter.save()
    culture = reviewer("dc-culture-tourism")
    case = case_of(performance, PERFORMANCE)
    act(case, Action.ACCEPT_PENDING, culture)
    case.refresh_from_db()
    assert case.pending_on_lapse == "refer"
    report = run_procedures(today=dt.date(2026, 3, 10))
    assert report.referred == [f"{performance.tracking_number} · 营业性演出审批"]
    assert run_procedures(today=dt.date(2026, 3, 11)).referred == []
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED_PENDING
    overdue = case.events.get(action="pending_overdue")
    assert (overdue.from_status, overdue.to_status) == ("accepted_pending", "accepted_pending")
    note = Notification.objects.filter(user=performance.applicant).order_by("-id").first()
    number = performance.tracking_number
    with translation.override("zh-hans"):
        assert note.text == note.message == (
            f"您的申请 {number}：“营业性演出审批”容缺材料逾期未补齐，转承办部门处理："
            "“大型群众性活动安全许可决定书”，"
            "补齐期限为 2026年3月9日。")
    with translation.override("en"):
        assert note.text.startswith(f"Your application {number}: “")
        assert note.text.endswith("; they were due by March 9, 2026.")
    act(case, Action.DENY, culture, reason="逾期未补交大型群众性活动安全许可决定书")
    case.refresh_from_db()
    assert case.status == CaseStatus.DENIED


def test_the_command_runs_the_daily_task(demo, performance, frozen, capsys):
    act(case_of(performance, PERFORMANCE), Action.ACCEPT_PENDING, reviewer("dc-culture-tourism"))
    frozen.move_to(dt.datetime(2026, 3, 10, 0, 30, tzinfo=SHANGHAI))
    call_command("procedures", "run")
    out = capsys.readouterr().out
    assert "容缺受理逾期未补齐、终止办理 1 件 (owed materials not supplied, case terminated: 1)" \
        in out
    assert Event.objects.filter(action="lapse_pending").count() == 1


def test_withdrawal_stops_a_case_waiting_for_owed_materials(demo, performance):
    act(case_of(performance, PERFORMANCE), Action.ACCEPT_PENDING, reviewer("dc-culture-tourism"))
    withdraw_application(performance.pk, actor=demo.applicant2)
    assert case_of(performance, PERFORMANCE).status == CaseStatus.WITHDRAWN
