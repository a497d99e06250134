"""Submitting once, fan-out, the case lifecycle, dependencies, access."""

import datetime as dt

import pytest

from onething.applications import selectors
from onething.applications.models import Application, Case, Event
from onething.applications.services import (
    CaseActionDenied,
    SubmissionError,
    submit_application,
    transition_case,
    withdraw_application,
)
from onething.domain.cases import Action, CaseStatus, IllegalTransition, ReasonRequired
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(demo):
    return submit_application(restaurant_submission(demo.applicant), actor=demo.applicant,
                              applicant=demo.applicant)


def case_of(application, code):
    return application.cases.get(matter__code=code)


def act(case, action, user, **kw):
    return transition_case(case.pk, action, actor=user, **kw)


def test_one_application_one_case_per_matter_fanned_out(application):
    codes = dict(application.cases.values_list("matter__code", "status"))
    assert codes == {
        "business-registration": "submitted",
        "food-worker-health-certificate": "submitted",
        "food-business-licence": "waiting",
        "fire-safety-check-commitment": "waiting",
        "outdoor-signboard": "waiting",
    }
    assert application.tracking_number and len(application.tracking_number) == 15
    assert application.status == "in_progress"
    assert Event.objects.filter(application=application, action="submit").count() == 6
    # Profile data was filled in from the verified account.
    assert application.form_data["applicant_mobile"] == "13800000001"


def test_same_idempotency_key_creates_one_application(demo):
    first = submit_application(restaurant_submission(demo.applicant, key="k1"),
                               actor=demo.applicant, applicant=demo.applicant)
    again = submit_application(restaurant_submission(demo.applicant, key="k1"),
                               actor=demo.applicant, applicant=demo.applicant)
    assert first.pk == again.pk
    assert Application.objects.count() == 1


def test_bad_submissions_list_every_problem(demo):
    submission = restaurant_submission(demo.applicant)
    form = dict(submission.form_data, legal_representative_id_number="371402199001011230",
                floor_area="很大")
    form.pop("business_address")
    materials = dict(submission.materials)
    materials.pop("food-safety-rules")
    bad = type(submission)(bundle="restaurant", answers={}, form_data=form, materials=materials)
    with pytest.raises(SubmissionError) as info:
        submit_application(bad, actor=demo.applicant, applicant=demo.applicant)
    errors = info.value.errors
    assert "校验码" in errors["legal_representative_id_number"]
    assert "floor_area" in errors and "business_address" in errors
    assert "materials.food-safety-rules" in errors
    assert Application.objects.count() == 0


def test_bad_answers_and_unknown_bundle_are_submission_errors(demo):
    submission = restaurant_submission(demo.applicant)
    for bundle, answers in (("restaurant", {"menu": "pizza"}), ("no-such", {})):
        bad = type(submission)(bundle=bundle, answers=answers, form_data={}, materials={})
        with pytest.raises(SubmissionError):
            submit_application(bad, actor=demo.applicant, applicant=demo.applicant)


def test_someone_elses_upload_cannot_be_used(demo):
    mine = restaurant_submission(demo.applicant)
    theirs = restaurant_submission(demo.applicant2)
    stolen = type(mine)(bundle="restaurant", answers={}, form_data=mine.form_data,
                        materials=theirs.materials)
    with pytest.raises(SubmissionError) as info:
        submit_application(stolen, actor=demo.applicant, applicant=demo.applicant)
    assert any("不属于您" in m for m in info.value.errors.values())


def test_clerk_submits_for_a_walk_in(demo):
    application = submit_application(restaurant_submission(demo.clerk, applicant=demo.applicant),
                                     actor=demo.clerk,
                                     applicant=demo.applicant, channel="window")
    assert application.applicant == demo.applicant
    assert application.submitted_by == demo.clerk
    with pytest.raises(CaseActionDenied):
        submit_application(restaurant_submission(demo.applicant2), actor=demo.applicant2,
                           applicant=demo.applicant)


def test_accept_sets_working_day_due_dates_and_approve_releases_dependents(application, demo):
    registration = case_of(application, "business-registration")
    act(registration, Action.ACCEPT, demo.samr)
    registration.refresh_from_db()
    assert registration.promised_due_date > dt.date(2026, 1, 1)
    assert registration.accepted_at is not None
    act(registration, Action.APPROVE, demo.samr, result={"note": "ok"})
    food = case_of(application, "food-business-licence")
    assert food.status == CaseStatus.SUBMITTED
    assert food.received["business-registration"]["certificate_type"] == "business-licence"
    assert food.received["business-registration"]["number"].startswith("BL-")
    assert Event.objects.filter(case=food, action="release").exists()


def test_full_lifecycle_to_completion(application, demo):
    reviewers = {"dc-samr": demo.samr, "dc-health": demo.health, "dc-fire": demo.fire,
                 "dc-urban-management": demo.urban}
    for _ in range(3):  # stages release as prerequisites are approved
        for case in application.cases.filter(status=CaseStatus.SUBMITTED):
            reviewer = reviewers[case.department.code]
            act(case, Action.ACCEPT, reviewer)
            act(case, Action.START_REVIEW, reviewer)
            act(case, Action.APPROVE, reviewer)
            act(case, Action.CONCLUDE, reviewer)
    # 告知承诺: the fire check was decided at release; its post-check comes before 办结.
    fire = case_of(application, "fire-safety-check-commitment")
    assert fire.status == CaseStatus.APPROVED_ON_COMMITMENT
    act(fire, Action.CONFIRM_COMMITMENT, demo.fire)
    act(fire, Action.CONCLUDE, demo.fire)
    application.refresh_from_db()
    assert set(application.cases.values_list("status", flat=True)) == {"concluded"}
    assert application.status == "completed"


def test_reviewer_cannot_act_on_another_departments_case(application, demo):
    registration = case_of(application, "business-registration")
    with pytest.raises(CaseActionDenied):
        act(registration, Action.ACCEPT, demo.health)
    with pytest.raises(CaseActionDenied):
        act(registration, Action.ACCEPT, demo.applicant2)


def test_illegal_transitions_are_rejected_and_leave_no_trace(application, demo):
    registration = case_of(application, "business-registration")
    events = Event.objects.count()
    with pytest.raises(IllegalTransition):
        act(registration, Action.APPROVE, demo.samr)  # not accepted yet
    with pytest.raises(IllegalTransition):
        act(case_of(application, "food-business-licence"), Action.ACCEPT, demo.samr)  # waiting
    with pytest.raises(ReasonRequired):
        act(registration, Action.REFUSE, demo.samr, reason="")
    assert Event.objects.count() == events
    registration.refresh_from_db()
    assert registration.status == CaseStatus.SUBMITTED


def test_refusal_cancels_waiting_dependents(application, demo):
    act(case_of(application, "business-registration"), Action.REFUSE, demo.samr,
        reason="名称与已登记企业重名")
    statuses = dict(application.cases.values_list("matter__code", "status"))
    assert statuses["business-registration"] == "refused"
    assert statuses["food-business-licence"] == "cancelled"
    assert statuses["food-worker-health-certificate"] == "submitted"
    event = Event.objects.get(case__matter__code="food-business-licence", action="cancel")
    assert "不予受理" in event.reason


def test_correction_lists_every_item_and_resubmits_only_those(application, demo):
    from tests.conftest import upload_pdf

    registration = case_of(application, "business-registration")
    with pytest.raises(SubmissionError):
        act(registration, Action.REQUEST_CORRECTION, demo.samr, reason="材料不全", items=[])
    act(registration, Action.REQUEST_CORRECTION, demo.samr, reason="材料不全",
        items=[{"material": "premises-proof", "note": "租赁合同缺页"},
               {"material": "registration-application", "note": "未签字"}])
    application.refresh_from_db()
    assert application.status == "correction_needed"
    with pytest.raises(SubmissionError) as info:
        act(registration, Action.RESUBMIT, demo.applicant,
            materials={"premises-proof": upload_pdf(demo.applicant).pk,
                       "id-card": upload_pdf(demo.applicant).pk})
    assert "materials.registration-application" in info.value.errors
    assert "materials.id-card" in info.value.errors
    new = upload_pdf(demo.applicant, b"%PDF-1.4 corrected")
    act(registration, Action.RESUBMIT, demo.applicant,
        materials={"premises-proof": new.pk,
                   "registration-application": upload_pdf(demo.applicant).pk})
    registration.refresh_from_db()
    assert registration.status == CaseStatus.SUBMITTED
    assert registration.correction_items == []
    current = application.materials.get(material_key="premises-proof", current=True)
    assert current.upload == new
    assert application.materials.filter(material_key="premises-proof").count() == 2


def test_withdrawal_before_decision(application, demo):
    act(case_of(application, "business-registration"), Action.ACCEPT, demo.samr)
    withdrawal = withdraw_application(application.pk, actor=demo.applicant, reason="不开了")
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert dict(application.cases.values_list("matter__code", "status")) == {
        "business-registration": "withdrawn",
        "food-worker-health-certificate": "withdrawn",
        "food-business-licence": "cancelled",
        "fire-safety-check-commitment": "cancelled",
        "outdoor-signboard": "cancelled",
    }
    assert sorted(c.matter.code for c in withdrawal.cancelled) == [
        "fire-safety-check-commitment", "food-business-licence", "outdoor-signboard"]
    assert withdrawal.kept == []
    # Dependents stop because the application was withdrawn, not because a prior
    # matter "failed".
    assert set(Event.objects.filter(application=application, action="cancel")
               .values_list("reason", flat=True)) == {"申请已撤回"}
    with pytest.raises(CaseActionDenied):
        withdraw_application(application.pk, actor=demo.applicant2)


def test_events_are_append_only(application):
    event = Event.objects.filter(application=application).first()
    event.reason = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_applicant_sees_only_their_own(application, demo):
    assert selectors.application_for(demo.applicant, application.pk) == application
    with pytest.raises(selectors.NotVisible):
        selectors.application_for(demo.applicant2, application.pk)
    material = application.materials.first()
    with pytest.raises(selectors.NotVisible):
        selectors.material_for(demo.applicant2, material.pk)
    assert selectors.material_for(demo.applicant, material.pk) == material


def test_reviewer_sees_only_their_departments_cases(application, demo):
    queue = list(selectors.department_queue(demo.health))
    assert [c.matter.code for c in queue] == ["food-worker-health-certificate"]
    fire_case = case_of(application, "fire-safety-check-commitment")
    with pytest.raises(selectors.NotVisible):
        selectors.case_for(demo.health, fire_case.pk)
    seen = selectors.application_for(demo.health, application.pk)
    assert [c.department.code for c in seen.cases.all()] == ["dc-health"]
    premises = application.materials.get(material_key="premises-proof")
    with pytest.raises(selectors.NotVisible):
        selectors.material_for(demo.health, premises.pk)  # only registration needs it
    assert selectors.material_for(demo.samr, premises.pk) == premises


def test_queue_filters_and_due_flags(application, demo):
    registration = case_of(application, "business-registration")
    act(registration, Action.ACCEPT, demo.samr)
    Case.objects.filter(pk=registration.pk).update(promised_due_date=dt.date(2020, 1, 6))
    overdue = list(selectors.department_queue(demo.samr, selectors.QueueFilter(due="overdue")))
    assert [c.pk for c in overdue] == [registration.pk]
    registration.refresh_from_db()
    assert selectors.due_flags(registration)["overdue"]
    accepted = selectors.department_queue(demo.samr, selectors.QueueFilter(status="accepted"))
    assert list(accepted) == [registration]


def test_expected_completion_follows_the_critical_path(application):
    expected, _ = selectors.expected_completion(application)
    assert expected is not None and expected >= dt.date.today() - dt.timedelta(days=1)


def test_state_changes_notify_the_applicant_once(application, demo,
                                                 django_capture_on_commit_callbacks):
    """Every step is an in-site message; a step the applicant must act on (a correction
    request) is also one SMS, sent once even when the task runs again."""
    from onething.notifications.backends import MemorySmsBackend
    from onething.notifications.models import Delivery

    registration = case_of(application, "business-registration")
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(registration, Action.ACCEPT, demo.samr)
    accepted = "“经营主体设立登记（营业执照）”受理"
    assert demo.applicant.notifications.filter(message__contains=accepted).exists()
    assert MemorySmsBackend.outbox == []  # acceptance: in-site only
    with django_capture_on_commit_callbacks(execute=True):
        act(registration, Action.REQUEST_CORRECTION, demo.samr, reason="材料不全",
            items=[{"material": "premises-proof", "note": "租赁合同缺页"}])
    wanted = "“经营主体设立登记（营业执照）”一次性告知补正，请按告知的清单提交材料"
    assert [t for _, t, _ in MemorySmsBackend.outbox if wanted in t] == [
        f"【政务服务中心】您的申请 {application.tracking_number}：{wanted}："
        f"http://localhost:8000/applications/{application.pk}/"]
    delivery = Delivery.objects.filter(body__contains=wanted).get()
    from onething.notifications.tasks import deliver

    deliver.call(delivery.pk)  # a retry after success sends nothing
    assert len([t for _, t, _ in MemorySmsBackend.outbox if wanted in t]) == 1


def test_the_queue_index_covers_exactly_the_open_statuses():
    from onething.applications.models import QUEUE_OPEN_STATUSES
    from onething.domain.cases import FINAL

    expected = {s.value for s in CaseStatus if s not in FINAL and s is not CaseStatus.WAITING}
    assert set(QUEUE_OPEN_STATUSES) == expected
